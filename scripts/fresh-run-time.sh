#!/usr/bin/env bash
# Measures the README's "fresh clone to `agentd ready`": on a copy of a fresh Debian 12 tree,
# in its own mount and pid namespaces, a newcomer's steps are timed: apt-get install git make,
# git clone of this branch, `make run`, until agentd logs "agentd ready".
#   make deps-run (apt, so with this host's network) then, in a private network namespace,
#   `make run` (its own deps-run again, a no-op by then, the build, the busybox image, agentd).
# agentd runs with a private cgroup parent /agent-test-<pid>-<random> (its state and data are
# the copy's own); it is stopped by pid with the namespace, and its cgroups are removed.
# Usage (root): scripts/fresh-run-time.sh FRESH_ROOT
#   FRESH_ROOT: made once by `debootstrap bookworm FRESH_ROOT <mirror>`; it is copied, not used.
set -euo pipefail
fresh=$(realpath "${1:?usage: fresh-run-time.sh FRESH_ROOT (a debootstrap bookworm tree)}")
[ -x "$fresh/usr/bin/apt-get" ] || { echo "fresh-run-time: $fresh is no debootstrap tree" >&2; exit 2; }
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
branch=$(git -C "$repo" rev-parse --abbrev-ref HEAD)
work=$(mktemp -d /tmp/agent-fresh-run.XXXXXX)
root=$work/root
parent=/agent-test-$$-$RANDOM$RANDOM

cleanup() {
  # The namespace is gone by now (its PID 1 exited, which ended agentd and its shims): only
  # the cgroups agentd made remain, emptied, deepest first.
  for d in /sys/fs/cgroup/*"$parent" /sys/fs/cgroup/*/*"$parent"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

cp -a "$fresh" "$root"
cp /etc/resolv.conf "$root/etc/resolv.conf"
git clone -q --bare --branch "$branch" "$repo" "$root/srv/agent.git"

cat >"$root/measure.sh" <<MEASURE
#!/bin/bash
set -euo pipefail
mount -t proc proc /proc
log=/root/run.log
start=\$(date +%s.%N)
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends git make ca-certificates </dev/null >/dev/null
git clone -q /srv/agent.git /root/agent
cd /root/agent
make deps-run
deps_done=\$(date +%s.%N)
unshare --net sh -c 'ip link set lo up 2>/dev/null || true; exec make run AGENTD_FLAGS="--cgroup-parent $parent --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0"' >\$log 2>&1 &
make_pid=\$!
until grep -q 'agentd ready' \$log; do
  kill -0 \$make_pid 2>/dev/null || { echo "make run ended before agentd was ready:"; tail -30 \$log; exit 1; }
  sleep 0.2
done
ready=\$(date +%s.%N)
grep 'agentd ready' \$log
echo "apt-get install git make + clone + make deps-run: \$(awk "BEGIN{print \$deps_done - \$start}") s"
echo "make run (build, image, agentd) to ready:          \$(awk "BEGIN{print \$ready - \$deps_done}") s"
echo "fresh clone to agentd ready:                       \$(awk "BEGIN{print \$ready - \$start}") s"
echo "packages installed: \$(dpkg-query -W | wc -l), download: \$(du -sh /var/cache/apt/archives | cut -f1)"
# make exec'd agentd in the shell of its recipe: that shell's pid is agentd's, make's child.
agentd=\$(cat /proc/\$make_pid/task/*/children 2>/dev/null | tr ' ' '\n' | grep -m1 .)
for child in \$agentd; do [ "\$(cat /proc/\$child/comm)" = agentd ] && kill -TERM \$child; done
wait \$make_pid || true
MEASURE
chmod 755 "$root/measure.sh"

unshare --mount --pid --fork --propagation private sh -c "
  mount --rbind /dev '$root/dev'
  mount --rbind /sys '$root/sys'
  exec chroot '$root' /measure.sh"
