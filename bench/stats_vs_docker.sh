#!/usr/bin/env bash
# Side by side, in one run, with hyperfine:
#   agentctl stats --no-stream with N containers   vs   docker stats --no-stream with N containers
# (N=20 by default). agentctl answers from agentd's last two snapshots; docker stats waits for
# two samples of its own.
#
# Needs root and Debian's docker.io (scripts/install-deps.sh). Starts its own agentd (free
# port, temporary directories, cgroup parent agent-test-<pid>-stats) and a PRIVATE dockerd:
# its own --data-root, --exec-root, pidfile and unix socket, its own containerd, cgroup parent
# agent-test-<pid>-docker, and no bridge, no iptables, no masquerading, no ip_forward change,
# so it never touches the host's network or firewall. The busybox image goes into it by
# `docker import` of the rootfs the build makes. Everything it started is stopped by pid and
# removed at the end, also on failure.
# Usage: stats_vs_docker.sh [CONTAINERS] [RUNS]
set -euo pipefail
count=${1:-20}
runs=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/build/bin
images=$here/build/images
docker_bin=${DOCKER:-/usr/bin/docker}  # Debian's client, whatever else is on PATH
for tool in hyperfine dockerd "$docker_bin" tar; do
  command -v "$tool" >/dev/null || { echo "stats_vs_docker: $tool missing; run scripts/install-deps.sh" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "stats_vs_docker: must run as root (cgroups, dockerd)" >&2; exit 1; }
[ -x "$bin/agentd" ] || { echo "stats_vs_docker: build first (make build)" >&2; exit 1; }
"$here/scripts/make-busybox-image.sh" "$images" >/dev/null

work=$(mktemp -d /tmp/agent-test-stats-bench-XXXXXX)
parent=/agent-test-$$-stats
docker_parent=agent-test-$$-docker
sock=unix://$work/docker.sock
docker="$docker_bin -H $sock"
agentd_pid=
dockerd_pid=
cleanup() {
  set +e
  if [ -n "$dockerd_pid" ]; then
    ids=$($docker ps -aq 2>/dev/null)
    [ -z "$ids" ] || $docker rm -f $ids >/dev/null 2>&1
    kill "$dockerd_pid"
    for _ in $(seq 200); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  if [ -n "$agentd_pid" ]; then
    for id in $(ls "$work/state/containers" 2>/dev/null); do
      "$bin/agentctl" --state-dir "$work/state" rm -f "$id" >/dev/null 2>&1
    done
    kill "$agentd_pid"
    wait "$agentd_pid" 2>/dev/null
  fi
  # Whatever dockerd or its containerd left mounted below our directory.
  grep -o " $work[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  for d in /sys/fs/cgroup/*"$parent" /sys/fs/cgroup/*/*"$parent" /sys/fs/cgroup/*/"$docker_parent" \
    /sys/fs/cgroup/"$docker_parent"; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

# agentd and its containers.
mkdir -p "$work/data" "$work/policies"
ln -s "$images" "$work/data/images"
echo "standby_containers: 0" >"$work/agent.yaml"
"$bin/agentd" --config "$work/agent.yaml" --policy-dir "$work/policies" --state-dir "$work/state" \
  --data-dir "$work/data" --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0 --cgroup-parent "$parent" \
  --log-level warn >"$work/agentd.log" 2>&1 &
agentd_pid=$!
for _ in $(seq 200); do [ -f "$work/state/api" ] && break; sleep 0.05; done
ctl="$bin/agentctl --state-dir $work/state"
for i in $(seq "$count"); do $ctl run -d --name "s$i" busybox -- sleep 3600 >/dev/null; done

# The private dockerd.
echo '{}' >"$work/daemon.json"
dockerd --config-file "$work/daemon.json" --data-root "$work/docker-data" --exec-root "$work/docker-exec" \
  --pidfile "$work/dockerd.pid" -H "$sock" --bridge=none --iptables=false --ip6tables=false --ip-masq=false \
  --ip-forward=false --userland-proxy=false --cgroup-parent "$docker_parent" \
  --exec-opt native.cgroupdriver=cgroupfs --log-level warn >"$work/dockerd.log" 2>&1 &
dockerd_pid=$!
for _ in $(seq 300); do $docker version >/dev/null 2>&1 && break; sleep 0.1; done
$docker version --format 'docker {{.Server.Version}} (containerd started by this dockerd)' ||
  { cat "$work/dockerd.log" >&2; exit 1; }
tar -C "$images/busybox/rootfs" -c . | $docker import - agent-bench-busybox >/dev/null
for i in $(seq "$count"); do
  $docker run -d --network none --name "d$i" agent-bench-busybox sleep 3600 >/dev/null
done
echo "containers: agentd $($ctl ps --output json | grep -c '"id"'), docker $($docker ps -q | wc -l)"
sleep 2  # agentd's first two snapshots with every container in them

hyperfine -N --warmup 1 --runs "$runs" --export-json "$work/stats.json" \
  -n "agentctl stats --no-stream ($count containers)" "$ctl stats --no-stream" \
  -n "docker stats --no-stream ($count containers)" "$docker stats --no-stream"
python3 - "$work/stats.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
for what in ("mean", "median"):
    ours, theirs = r[0][what], r[1][what]
    print(f"{what}: agentctl {ours*1e3:.1f} ms, docker {theirs*1e3:.0f} ms: "
          f"agentctl takes 1/{theirs/ours:.0f} of docker's time (goal: 1/50 or less)")
PY
