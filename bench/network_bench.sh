#!/usr/bin/env bash
# What `--net bridge -p` adds to a start, side by side in one hyperfine run (issue 15):
#   agentctl run --rm --net bridge -p 18080:80 busybox -- /bin/true
#   agentctl run --rm --net none busybox -- /bin/true
#   docker run --rm -p 18080:80 IMAGE /bin/true, and --network none (a private dockerd, its bridge,
#   iptables rules and docker-proxy)
# Everything runs inside a network namespace this script makes (held by a `sleep` it starts and
# kills by pid): the bridges, veths, nftables table and Docker's iptables rules live and die
# there; the machine's own network is never touched.
# Needs root. Usage: network_bench.sh [RUNS]   (DOCKER=0 leaves Docker out)
set -euo pipefail
runs=${1:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/build/bin
images=$here/build/images
for tool in hyperfine unshare nsenter; do
  command -v "$tool" >/dev/null || { echo "network_bench: $tool missing; run scripts/install-deps.sh test" >&2; exit 1; }
done
[ -x "$bin/agentd" ] || { echo "network_bench: build first (make build)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "network_bench: must run as root" >&2; exit 1; }
"$here/scripts/make-busybox-image.sh" "$images" >/dev/null
with_docker=${DOCKER:-1}
command -v dockerd >/dev/null || with_docker=0

work=$(mktemp -d /tmp/agent-test-netbench-XXXXXX)
parent=/agent-test-$$-netbench
holder= agentd_pid= dockerd_pid=
cleanup() {
  set +e
  if [ -n "$agentd_pid" ]; then kill "$agentd_pid"; wait "$agentd_pid" 2>/dev/null; fi
  if [ -n "$dockerd_pid" ]; then
    kill "$dockerd_pid"
    for _ in $(seq 200); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  for d in /sys/fs/cgroup/*"$parent" /sys/fs/cgroup/*/*"$parent"; do
    [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  grep -o " $work[^ ]*" /proc/self/mounts | sort -r | while read -r m; do umount -l "$m"; done
  [ -n "$holder" ] && kill "$holder"  # the namespace goes with its last process
  rm -rf "$work"
}
trap cleanup EXIT

# The "host" of this bench: a network namespace with lo up, held by a sleep.
unshare --net sleep infinity &
holder=$!
sleep 0.1
inns="nsenter --net=/proc/$holder/ns/net"
$inns ip link set lo up

mkdir -p "$work/data" "$work/policies"
ln -s "$images" "$work/data/images"
printf 'bridge_subnet: 10.213.0.0/24\nbridge_name: agtbench0\n' >"$work/agent.yaml"
$inns "$bin/agentd" --config "$work/agent.yaml" --policy-dir "$work/policies" --state-dir "$work/state" \
  --data-dir "$work/data" --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0 --cgroup-parent "$parent/agent" \
  --log-level warn >"$work/agentd.log" 2>&1 &
agentd_pid=$!
for _ in $(seq 200); do [ -f "$work/state/api" ] && break; sleep 0.05; done
ctl="$inns $bin/agentctl --state-dir $work/state"
# The bridge and the table exist from the first bridge container on: made before the timing.
$ctl run --rm --net bridge -p 18080:80 busybox -- /bin/true

commands=(-n "agentctl run --rm --net bridge -p 18080:80" "$ctl run --rm --net bridge -p 18080:80 busybox -- /bin/true"
  -n "agentctl run --rm --net none" "$ctl run --rm --net none busybox -- /bin/true")
if [ "$with_docker" = 1 ]; then
  sock=$work/docker.sock
  echo '{}' >"$work/daemon.json"
  $inns dockerd --config-file "$work/daemon.json" --data-root "$work/docker-data" --exec-root "$work/docker-exec" \
    --pidfile "$work/dockerd.pid" -H "unix://$sock" --cgroup-parent "$parent/docker" \
    --exec-opt native.cgroupdriver=cgroupfs --log-level warn >"$work/dockerd.log" 2>&1 &
  dockerd_pid=$!
  docker="docker -H unix://$sock"
  for _ in $(seq 300); do $docker version >/dev/null 2>&1 && break; sleep 0.1; done
  if $docker version >/dev/null 2>&1; then
    tar -C "$images/busybox/rootfs" -c . | $docker import - agent-bench-busybox >/dev/null
    $docker run --rm -p 18080:80 agent-bench-busybox /bin/true
    commands+=(-n "docker run --rm -p 18080:80" "$inns $docker run --rm -p 18080:80 agent-bench-busybox /bin/true"
      -n "docker run --rm --network none" "$inns $docker run --rm --network none agent-bench-busybox /bin/true")
  else
    echo "network_bench: the private dockerd did not start; Docker left out" >&2
    tail -5 "$work/dockerd.log" >&2
  fi
fi

hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/net.json" --export-markdown "$work/net.md" "${commands[@]}"
cat "$work/net.md"
python3 - "$work/net.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] * 1e3 for x in json.load(open(sys.argv[1]))["results"]}
ours = r["agentctl run --rm --net bridge -p 18080:80"] - r["agentctl run --rm --net none"]
print(f"agentd: --net bridge -p adds {ours:.2f} ms to a start (medians; goal: 3 ms or less)")
if "docker run --rm -p 18080:80" in r:
    theirs = r["docker run --rm -p 18080:80"] - r["docker run --rm --network none"]
    print(f"docker: -p with its bridge adds {theirs:.1f} ms to a start")
PY
