# Every file of the container's root below / except /proc, /sys and /dev, one line each:
# name, type, mode, owner, size and link count (symlinks: their target), sorted. Run inside
# Docker's container and agentd's of the same image (DockerSaveE2ETest.cpp), which compares.
find / -xdev \( -path /proc -o -path /sys -o -path /dev \) -prune -o -print | sort | while read -r f; do
  if [ -L "$f" ]; then
    echo "$f -> $(readlink "$f")"
  elif [ -d "$f" ]; then
    stat -c '%n/ %a %u:%g' "$f"
  else
    stat -c '%n %F %a %u:%g %s %h' "$f"
  fi
done
