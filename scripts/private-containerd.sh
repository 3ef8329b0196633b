#!/usr/bin/env bash
# A containerd of one's own (Debian's containerd 1.6) for tests, never the host's:
#   private-containerd.sh start DIR [CGROUP_PARENT]   starts it; everything it keeps lives in DIR
#   private-containerd.sh image DIR ROOTFS NAME       imports ROOTFS (a directory) as image NAME
#                                                     into namespace k8s.io (offline: umoci and
#                                                     skopeo make a docker-archive of it)
#   private-containerd.sh stop DIR                    stops its tasks and it by pid, removes DIR
#                                                     and its cgroups
# DIR/config.toml its config (version 2): root DIR/root (content, snapshots, the bolt DB
# meta.db), state DIR/state (task bundles: DIR/state/io.containerd.runtime.v2.task/<namespace>/
# <id>/config.json, what agentd's containerd reader is pointed at), its gRPC socket
# DIR/containerd.sock (`ctr -a DIR/containerd.sock`), ttrpc DIR/containerd.sock.ttrpc, no debug
# or metrics listener, and the CRI plugin disabled (it would read /etc/cni and open a streaming
# port; the tests write the annotations CRI would, with `ctr run --annotation`).
# DIR/containerd.pid its pid, DIR/containerd.log its log, DIR/cgroup-parent the parent the
# caller's `ctr run --cgroup` paths go below (default agent-test-<pid>-containerd): stop
# removes it. What it cannot move out of the host's paths: /run/containerd/s/<hash> (a running
# shim's socket, gone with the shim; containerd 1.6 puts it there whatever its state dir) and
# /run/containerd/runc/<namespace> (runc's state of running tasks: gone with them, the empty
# namespace directory stays).
# `start` exits 2 when containerd or ctr is missing (a test skips).
set -euo pipefail
action=${1:?usage: private-containerd.sh start|image|stop DIR ...}
dir=${2:?usage: private-containerd.sh start|image|stop DIR ...}
ctr="ctr -a $dir/containerd.sock"

stop() {
  set +e
  [ -d "$dir" ] || return 0
  local pid
  pid=$(cat "$dir/containerd.pid" 2>/dev/null)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    local ns id
    for ns in $($ctr namespaces ls -q 2>/dev/null); do
      for id in $($ctr -n "$ns" tasks ls -q 2>/dev/null); do
        $ctr -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1
      done
      for id in $($ctr -n "$ns" tasks ls -q 2>/dev/null); do
        for _ in $(seq 50); do
          $ctr -n "$ns" tasks delete "$id" >/dev/null 2>&1 && break
          sleep 0.1
        done
      done
      for id in $($ctr -n "$ns" containers ls -q 2>/dev/null); do
        $ctr -n "$ns" containers delete "$id" >/dev/null 2>&1
      done
    done
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
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
  for tool in containerd ctr runc containerd-shim-runc-v2; do
    command -v "$tool" >/dev/null || { echo "private-containerd: $tool missing; run scripts/install-deps.sh test" >&2; exit 2; }
  done
  [ "$(id -u)" -eq 0 ] || { echo "private-containerd: must run as root" >&2; exit 1; }
  local parent=${3:-agent-test-$$-containerd}
  mkdir -p "$dir/root" "$dir/state"
  echo "$parent" >"$dir/cgroup-parent"
  cat >"$dir/config.toml" <<EOF
version = 2
root = "$dir/root"
state = "$dir/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$dir/containerd.sock"
[ttrpc]
  address = "$dir/containerd.sock.ttrpc"
[debug]
  address = ""
  level = "warn"
[metrics]
  address = ""
EOF
  # setsid: its own session, so a terminal's Ctrl-C reaches the caller, which stops it.
  setsid containerd --config "$dir/config.toml" </dev/null >"$dir/containerd.log" 2>&1 &
  echo $! >"$dir/containerd.pid"
  for _ in $(seq 1200); do
    $ctr version >/dev/null 2>&1 && return 0
    kill -0 "$(cat "$dir/containerd.pid")" 2>/dev/null || break
    sleep 0.1
  done
  echo "private-containerd: containerd did not answer on $dir/containerd.sock within 120 s; its log:" >&2
  cat "$dir/containerd.log" >&2
  stop
  exit 1
}

image() {
  local rootfs=${3:?usage: private-containerd.sh image DIR ROOTFS NAME}
  local name=${4:?usage: private-containerd.sh image DIR ROOTFS NAME}
  for tool in umoci skopeo; do
    command -v "$tool" >/dev/null || { echo "private-containerd: $tool missing; run scripts/install-deps.sh test" >&2; exit 2; }
  done
  local work
  work=$(mktemp -d "$dir/image-XXXXXX")
  umoci init --layout "$work/oci" >/dev/null
  umoci new --image "$work/oci:img" >/dev/null
  umoci unpack --image "$work/oci:img" "$work/bundle" >/dev/null
  cp -a "$rootfs/." "$work/bundle/rootfs/"
  umoci repack --image "$work/oci:img" "$work/bundle" >/dev/null
  umoci config --image "$work/oci:img" --config.cmd /bin/sh >/dev/null
  skopeo copy -q "oci:$work/oci:img" "docker-archive:$work/image.tar:$name"
  $ctr -n k8s.io images import "$work/image.tar" >/dev/null
  rm -rf "$work"
}

case "$action" in
  start) start "$@" ;;
  image) image "$@" ;;
  stop) stop ;;
  *) echo "private-containerd: unknown action '$action' (start, image or stop)" >&2; exit 1 ;;
esac
