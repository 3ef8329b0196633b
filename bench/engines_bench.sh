#!/usr/bin/env bash
# What knowing Docker's containers by name costs agentd, in one run (docs/performance.md):
#   agentd with the Docker engine client on   vs   the same agentd with it off,
# both watching the same host: N of agentd's own `sleep` containers and N of a private
# dockerd's (N=50 by default). For each: agentd's CPU time per collection cycle (its utime +
# stime over the measured window, divided by the cycles it ran), the mean collection duration
# (agent_collection_duration_seconds), and its resident memory (VmRSS, and RssAnon) at the end.
# The two phases run one after the other on the same state: agentd is stopped (its containers
# live on; it re-adopts them) and started with the other configuration.
#
# Needs root, Debian's docker.io. Starts its own agentd (free ports, temporary directories,
# cgroup parent agent-test-<pid>-engines) and a private dockerd (scripts/private-dockerd.sh:
# own data and exec roots, socket, cgroup parent; no bridge or iptables), and removes
# everything it made, also on failure.
# Usage: engines_bench.sh [CONTAINERS] [SECONDS]
set -euo pipefail
count=${1:-50}
seconds=${2:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${AGENT_BIN_DIR:-$here/build/bin}
images=$here/build/images
for tool in dockerd /usr/bin/docker python3 curl; do
  command -v "$tool" >/dev/null || { echo "engines_bench: $tool missing; run scripts/install-deps.sh test" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "engines_bench: must run as root (cgroups, dockerd)" >&2; exit 1; }
[ -x "$bin/agentd" ] || { echo "engines_bench: build first (make build)" >&2; exit 1; }
"$here/scripts/make-busybox-image.sh" "$images" >/dev/null

work=$(mktemp -d /tmp/agent-test-engbench-XXXXXX)
parent=/agent-test-$$-engines
dockerdir=$work/docker
docker="/usr/bin/docker -H unix://$dockerdir/docker.sock"
ctl="$bin/agentctl --state-dir $work/state"
agentd_pid=
cleanup() {
  set +e
  [ -n "$agentd_pid" ] || start_agentd false >/dev/null 2>&1
  for id in $(ls "$work/state/containers" 2>/dev/null); do $ctl rm -f "$id" >/dev/null 2>&1; done
  [ -n "$agentd_pid" ] && { kill "$agentd_pid"; wait "$agentd_pid" 2>/dev/null; }
  "$here/scripts/private-dockerd.sh" stop "$dockerdir"
  grep -o " $work/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  for d in /sys/fs/cgroup/*"$parent" /sys/fs/cgroup/*/*"$parent"; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Both phases must collect the same groups. Docker's containers under this bench's cgroup
# parent are containers by path only with the client on (EngineJoin.h); Docker's default
# /docker/<id> would be one by path either way, but is not this bench's to use. So both phases
# export every group (`export: all`) and ignore every top-level group but the bench's own:
# the same set, with and without Docker's names.
ignored=$(python3 - "${parent#/}" <<'PY'
import glob, os, sys
tops = set()
for root in ["/sys/fs/cgroup"] + glob.glob("/sys/fs/cgroup/*/"):
    if os.path.isdir(root):
        tops.update(d for d in os.listdir(root) if os.path.isdir(os.path.join(root, d)))
tops.discard(sys.argv[1])
print(", ".join(f'"/{t}", "/{t}/*"' for t in sorted(tops)))
PY
)

# agentd with the Docker client on (true) or off (false); everything else the same.
start_agentd() {
  cat >"$work/agent.yaml" <<EOF
reconcile_interval: 3600
standby_containers: 0
collect_interval: 1
export: all
ignore_cgroups: [$ignored]
engines:
  docker:
    enabled: $1
    socket: $dockerdir/docker.sock
  podman:
    enabled: false
EOF
  rm -f "$work/state/api"
  "$bin/agentd" --config "$work/agent.yaml" --policy-dir "$work/policies" --state-dir "$work/state" \
    --data-dir "$work/data" --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0 --cgroup-parent "$parent/agent" \
    --log-level warn >>"$work/agentd.log" 2>&1 &
  agentd_pid=$!
  for _ in $(seq 200); do [ -f "$work/state/api" ] && break; sleep 0.05; done
  [ -f "$work/state/api" ] || { cat "$work/agentd.log" >&2; exit 1; }
}
stop_agentd() {
  kill "$agentd_pid"
  wait "$agentd_pid" 2>/dev/null || true
  agentd_pid=
}
metrics() {
  local url
  url=$(cat "$work/state/metrics")
  case "$url" in */metrics) ;; *) url=${url%/}/metrics ;; esac
  curl -s "$url"
}

mkdir -p "$work/data" "$work/policies"
ln -s "$images" "$work/data/images"
"$here/scripts/private-dockerd.sh" start "$dockerdir" "${parent#/}/docker"
tar -C "$images/busybox/rootfs" -c . | $docker import - agent-bench-busybox:latest >/dev/null
for i in $(seq "$count"); do
  $docker run -d --network none --name "web-$i" --label tier=web agent-bench-busybox:latest sleep 36000 >/dev/null
done
start_agentd false
for i in $(seq "$count"); do $ctl run -d --name "own-$i" busybox -- sleep 36000 >/dev/null; done
echo "containers: agentd $($ctl ps -q | wc -l), docker $($docker ps -q | wc -l)"
series() { metrics | grep -c '^container_last_seen{' || true; }

# One phase: settle, then measure `seconds` of agentd's life.
measure() {
  local label=$1
  sleep 5  # the first full reads and, with the client on, the listing and inspects
  local before after
  before=$(python3 - "$agentd_pid" <<'PY'
import os, sys
f = open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()
print(int(f[11]) + int(f[12]))
PY
)
  local m0 m1
  m0=$(metrics | grep -E '^agent_collection_duration_seconds_(sum|count) ' | awk '{print $2}' | paste -sd' ')
  sleep "$seconds"
  after=$(python3 - "$agentd_pid" <<'PY'
import os, sys
f = open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")", 1)[1].split()
print(int(f[11]) + int(f[12]))
PY
)
  m1=$(metrics | grep -E '^agent_collection_duration_seconds_(sum|count) ' | awk '{print $2}' | paste -sd' ')
  local named
  named=$(metrics | { grep '^container_last_seen{' || true; } | { grep -o 'name="web-[0-9]*"' || true; } | sort -u | wc -l)
  echo "$label: groups exported $(series) (the same in both phases)"
  python3 - "$label" "$before" "$after" "$m0" "$m1" "$agentd_pid" "$named" <<'PY'
import os, sys
label, before, after, m0, m1, pid, named = sys.argv[1:]
hz = os.sysconf("SC_CLK_TCK")
s0, c0 = map(float, m0.split()); s1, c1 = map(float, m1.split())
cycles = c1 - c0
cpu = (int(after) - int(before)) / hz
status = dict(l.split(":", 1) for l in open(f"/proc/{pid}/status") if ":" in l)
rss = int(status["VmRSS"].split()[0]); anon = int(status["RssAnon"].split()[0])
print(f"{label:22s} cycles {cycles:4.0f}  CPU/cycle {cpu/cycles*1e3:6.2f} ms  "
      f"collection {((s1-s0)/cycles)*1e3:6.2f} ms  RSS {rss/1024:6.1f} MiB (anon {anon/1024:5.1f})  "
      f"docker containers named: {named}")
with open(os.environ["RESULTS"], "a") as out:
    out.write(f"{label} {cpu/cycles} {(s1-s0)/cycles} {rss} {anon}\n")
PY
}
export RESULTS=$work/results
measure "engine client off"
stop_agentd
start_agentd true
measure "engine client on"
python3 - "$RESULTS" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1])]
off = list(map(float, rows[0][-4:])); on = list(map(float, rows[1][-4:]))
print(f"on / off: CPU per cycle {on[0]/off[0]:.3f} (goal: <= 1.10), collection {on[1]/off[1]:.3f}, "
      f"RSS {(on[2]-off[2])/1024:+.1f} MiB (goal: <= +5 MiB)")
PY
