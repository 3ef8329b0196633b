#!/usr/bin/env bash
# A dockerd of one's own (Debian's docker.io) for tests and benchmarks, never the host's:
#   private-dockerd.sh start DIR [CGROUP_PARENT]   starts it; everything it keeps lives in DIR
#   private-dockerd.sh stop DIR                    stops it by pid, removes DIR and its cgroups
# DIR/docker.sock is its socket (`docker -H unix://DIR/docker.sock`), DIR/data its --data-root,
# DIR/exec its --exec-root (its managed containerd runs from DIR/exec/containerd, its state in
# DIR/data/containerd), DIR/dockerd.pid its pid, DIR/dockerd.log its log. No bridge, no
# iptables, no masquerading, no ip_forward change: it never touches the host's network or
# firewall, so containers run with `--network none`. Containers go below CGROUP_PARENT
# (default agent-test-<pid>-docker) with the cgroupfs driver. What it cannot move out of the
# host's paths (docs/testing.md): /etc/docker/key.json (docker 20.10's identity key),
# /run/docker/plugins (an empty directory) and /run/containerd/s/<hash> (a running shim's
# socket, gone with the shim). `start` exits 2 when docker.io is missing (a test skips).
# PRIVATE_DOCKERD_LIVE_RESTORE=1 starts it with --live-restore: its containers keep running
# while it is stopped (kill the pid in DIR/dockerd.pid) and `start DIR` again brings it back.
# PRIVATE_DOCKERD_OWN_CONTAINERD=1 starts its containerd first (scripts/private-containerd.sh,
# in DIR/containerd) and hands dockerd its socket (--containerd), for a slow machine: dockerd
# gives the containerd it starts itself 10 s, not enough under qemu's emulation (the vm tier).
set -euo pipefail
action=${1:?usage: private-dockerd.sh start|stop DIR [CGROUP_PARENT]}
dir=${2:?usage: private-dockerd.sh start|stop DIR [CGROUP_PARENT]}
docker_bin=/usr/bin/docker  # Debian's client, whatever else is on PATH
docker="$docker_bin -H unix://$dir/docker.sock"

stop() {
  set +e
  [ -d "$dir" ] || return 0
  local pid
  pid=$(cat "$dir/started.pid" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    local ids
    ids=$($docker ps -aq 2>/dev/null)
    [ -z "$ids" ] || $docker rm -f $ids >/dev/null 2>&1
    kill "$pid"
    # dockerd stops its containerd and the shims before it exits.
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  [ -d "$dir/containerd" ] && "$(dirname "$0")/private-containerd.sh" stop "$dir/containerd"
  # Whatever dockerd or its containerd left mounted below DIR (overlays, the netns bind).
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
  for tool in dockerd containerd runc "$docker_bin"; do
    command -v "$tool" >/dev/null || { echo "private-dockerd: $tool missing; run scripts/install-deps.sh test" >&2; exit 2; }
  done
  [ "$(id -u)" -eq 0 ] || { echo "private-dockerd: must run as root" >&2; exit 1; }
  local parent=${3:-agent-test-$$-docker}
  mkdir -p "$dir"
  echo "$parent" >"$dir/cgroup-parent"
  # An empty config file, so a host's /etc/docker/daemon.json changes nothing here.
  echo '{}' >"$dir/daemon.json"
  # setsid: its own session, so a terminal's Ctrl-C reaches the caller, which stops it.
  local extra=()
  [ "${PRIVATE_DOCKERD_LIVE_RESTORE:-0}" = 1 ] && extra+=(--live-restore)
  if [ "${PRIVATE_DOCKERD_OWN_CONTAINERD:-0}" = 1 ]; then
    [ -S "$dir/containerd/containerd.sock" ] || "$(dirname "$0")/private-containerd.sh" start "$dir/containerd" "$parent"
    extra+=(--containerd "$dir/containerd/containerd.sock")
  fi
  setsid dockerd "${extra[@]}" --config-file "$dir/daemon.json" --data-root "$dir/data" --exec-root "$dir/exec" \
    --pidfile "$dir/dockerd.pid" -H "unix://$dir/docker.sock" --bridge=none --iptables=false --ip6tables=false \
    --ip-masq=false --ip-forward=false --userland-proxy=false --cgroup-parent "$parent" \
    --exec-opt native.cgroupdriver=cgroupfs --log-level warn </dev/null >"$dir/dockerd.log" 2>&1 &
  echo $! >"$dir/started.pid"
  for _ in $(seq 1200); do
    $docker version >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$dir/started.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "private-dockerd: dockerd did not answer on $dir/docker.sock within 120 s; its log:" >&2
  cat "$dir/dockerd.log" >&2
  stop
  exit 1
}

case "$action" in
  start) start "$@" ;;
  stop) stop ;;
  *) echo "private-dockerd: unknown action '$action' (start or stop)" >&2; exit 1 ;;
esac
