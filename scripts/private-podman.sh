#!/usr/bin/env bash
# A podman API service of one's own (Debian's podman 4.3) for tests, never the host's store:
#   private-podman.sh start DIR [CGROUP_PARENT]   starts `podman system service` on DIR/podman.sock
#   private-podman.sh stop DIR                    stops it by pid, removes DIR and its cgroups
# Everything podman keeps lives in DIR, from its own config files (podman reads ONLY the file
# CONTAINERS_CONF names, and CONTAINERS_STORAGE_CONF instead of /etc/containers/storage.conf):
#   DIR/storage.conf, DIR/containers.conf   graphroot DIR/root, runroot DIR/run; static dir
#                                           (bolt DB) DIR/root/libpod, volumes DIR/volumes,
#                                           tmp dir DIR/tmp, network configs DIR/networks
#   DIR/events.log                          events_logger = "file": the events API (GET
#                                           /events) reads this file; "none" would leave it empty
#   DIR/podman.sock, DIR/podman.pid, DIR/podman.log, DIR/podman-env (source it, then "$podman
#   ..." is a podman CLI on the same store: `. DIR/podman-env; $podman ps`)
# What this sandbox needs (found by trying; docs/testing.md):
#   - cgroup_manager = "cgroupfs": there is no systemd to ask for scopes.
#   - default_ulimits = nofile=1024:1024, nproc=4096:4096: as root, podman 4.3 gives every
#     container RLIMIT_NOFILE 1048576 and RLIMIT_NPROC 4194304 whatever the hard limits are
#     (it lowers them only when rootless). This sandbox has no CAP_SYS_RESOURCE and hard limits
#     of 20000 files; podman's own process ends with 32768 processes, so runc fails the start:
#     "error setting rlimit type 7 (nofile; then 6, nproc): operation not permitted" (exit
#     126). A run's `--ulimit` REPLACES default_ulimits: `--ulimit nproc=...` alone brings
#     nofile=1048576 back, so give both (`--ulimit nofile=1024:1024 --ulimit nproc=4096:4096`).
#   - containers run with `--network none` (netavark/CNI are never invoked: no host network
#     change) and `--cgroup-parent CGROUP_PARENT` (default agent-test-<pid>-podman): podman's
#     cgroupfs default parent is /libpod_parent, which the stop could not tell from others'.
#     Containers then sit at CGROUP_PARENT/libpod-<64 hex>, conmon at CGROUP_PARENT/conmon.
#   - cgroupns: nothing to set. On cgroup v1 (this host) podman 4.3 keeps containers in the
#     host's cgroup namespace (/proc/self/cgroup inside shows the full path); its v2 default
#     (private) needs nothing from the host either.
# Images: `$podman load` of a docker-archive or `$podman import` of a rootfs tar (offline).
# `start` exits 2 when podman is missing (a test skips).
set -euo pipefail
action=${1:?usage: private-podman.sh start|stop DIR [CGROUP_PARENT]}
dir=${2:?usage: private-podman.sh start|stop DIR [CGROUP_PARENT]}
podman_bin=/usr/bin/podman
podman="env CONTAINERS_CONF=$dir/containers.conf CONTAINERS_STORAGE_CONF=$dir/storage.conf $podman_bin"

stop() {
  set +e
  [ -d "$dir" ] || return 0
  local pid
  pid=$(cat "$dir/podman.pid" 2>/dev/null)
  if [ -f "$dir/containers.conf" ]; then
    # Containers first (conmon and the container processes outlive the service otherwise).
    $podman rm -a -f -t 0 >/dev/null 2>&1
  fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  [ -f "$dir/storage.conf" ] && $podman system reset -f >/dev/null 2>&1
  # Whatever podman left mounted below DIR (overlay layers, the shm of containers).
  grep -o " $dir/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  local parent
  parent=$(cat "$dir/cgroup-parent" 2>/dev/null)
  if [ -n "$parent" ]; then
    for d in /sys/fs/cgroup/*/"$parent" /sys/fs/cgroup/"$parent"; do
      [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  fi
  rm -rf "$dir"
}

start() {
  for tool in "$podman_bin" conmon runc; do
    command -v "$tool" >/dev/null || { echo "private-podman: $tool missing; run scripts/install-deps.sh test" >&2; exit 2; }
  done
  [ "$(id -u)" -eq 0 ] || { echo "private-podman: must run as root" >&2; exit 1; }
  local parent=${3:-agent-test-$$-podman}
  mkdir -p "$dir"/{root,run,tmp,volumes,networks,copy}
  echo "$parent" >"$dir/cgroup-parent"
  cat >"$dir/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$dir/root"
runroot = "$dir/run"
EOF
  cat >"$dir/containers.conf" <<EOF
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
netns = "none"
[network]
network_config_dir = "$dir/networks"
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$dir/events.log"
tmp_dir = "$dir/tmp"
static_dir = "$dir/root/libpod"
volume_path = "$dir/volumes"
image_copy_tmp_dir = "$dir/copy"
runtime = "runc"
EOF
  echo "podman=\"$podman\"" >"$dir/podman-env"
  # setsid: its own session, so a terminal's Ctrl-C reaches the caller, which stops it.
  setsid $podman --log-level warn system service --time=0 "unix://$dir/podman.sock" \
    </dev/null >"$dir/podman.log" 2>&1 &
  echo $! >"$dir/podman.pid"
  for _ in $(seq 300); do
    [ -S "$dir/podman.sock" ] && curl -sf --unix-socket "$dir/podman.sock" http://d/_ping >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$dir/podman.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "private-podman: podman did not answer on $dir/podman.sock within 30 s; its log:" >&2
  cat "$dir/podman.log" >&2
  stop
  exit 1
}

case "$action" in
  start) start "$@" ;;
  stop) stop ;;
  *) echo "private-podman: unknown action '$action' (start or stop)" >&2; exit 1 ;;
esac
