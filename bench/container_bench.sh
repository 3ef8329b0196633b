#!/usr/bin/env bash
# Side by side, in one run, with hyperfine:
#   agentctl run --rm busybox -- /bin/true   vs   runc run (same image directory, same
#   namespaces, a cgroup, Docker's capabilities; once with Docker's seccomp profile, as
#   agentd applies it, once without)   vs   unshare -pmuin --fork /bin/true (the kernel's floor)
#   agentctl pause + resume                  vs   runc pause + resume
#   agentctl limit ID --cpu 50%              vs   runc update --cpu-quota 50000
# SECTIONS="run pause limit" (the default) picks what to measure.
# Needs root. Starts its own agentd (free port, temporary directories, cgroup parent
# agent-test-<pid>-bench) and removes everything it made. Usage: container_bench.sh [RUNS]
set -euo pipefail
runs=${1:-30}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=$here/build/bin
images=$here/build/images
for tool in hyperfine runc unshare; do
  command -v "$tool" >/dev/null || { echo "container_bench: $tool missing; run scripts/install-deps.sh test" >&2; exit 1; }
done
[ -x "$bin/agentd" ] || { echo "container_bench: build first (make build)" >&2; exit 1; }
"$here/scripts/make-busybox-image.sh" "$images" >/dev/null

work=$(mktemp -d /tmp/agent-test-bench-XXXXXX)
parent=/agent-test-$$-bench
agentd_pid=
cleanup() {
  set +e
  runc --root "$work/runc" kill bench-paused KILL >/dev/null 2>&1
  runc --root "$work/runc" kill bench-limited KILL >/dev/null 2>&1
  sleep 0.2
  runc --root "$work/runc" delete -f bench-paused >/dev/null 2>&1
  runc --root "$work/runc" delete -f bench-limited >/dev/null 2>&1
  if [ -n "$agentd_pid" ]; then
    "$bin/agentctl" --state-dir "$work/state" rm -f bench-paused >/dev/null 2>&1
    "$bin/agentctl" --state-dir "$work/state" rm -f bench-limited >/dev/null 2>&1
    kill "$agentd_pid"; wait "$agentd_pid" 2>/dev/null
  fi
  for d in /sys/fs/cgroup/*"$parent" /sys/fs/cgroup/*/*"$parent"; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/data" "$work/runc"
ln -s "$images" "$work/data/images"
# No periodic reconcile pass: the limit bench changes quotas behind agentd's back on purpose.
echo "reconcile_interval: 3600" >"$work/agent.yaml"
"$bin/agentd" --config "$work/agent.yaml" --policy-dir "$work/policies" --state-dir "$work/state" --data-dir "$work/data" --api-address 127.0.0.1:0 \
  --cgroup-parent "$parent/agent" --log-level warn >"$work/agentd.log" 2>&1 &
agentd_pid=$!
for _ in $(seq 100); do [ -f "$work/state/api" ] && break; sleep 0.05; done
ctl="$bin/agentctl --state-dir $work/state"

# The runc bundle (runc_bundle.sh): the same image directory as root (read-only, as our
# overlay's lower layer), the same namespaces, a cgroup under the same parent, the same /dev and
# masks. A second bundle, the same container with Docker's default seccomp profile, as dockerd
# hands it to runc for `docker run` (agentd applies the same profile to its containers; runc
# compiles it with libseccomp on every start, agentd once per agentd start).
bundle=$work/bundle
bundle_seccomp=$work/bundle-seccomp
write_config() {  # $1: args as a JSON array; $2: the cgroup (default $parent/runc)
  "$here/bench/runc_bundle.sh" "$bundle" "$images/busybox/rootfs" "${2:-$parent/runc}" "$1"
}
write_config '["/bin/true"]'
caps=CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,CAP_SETGID,CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL,CAP_AUDIT_WRITE
python3 "$here/bench/docker_profile_to_oci.py" "$here/profiles/seccomp/default.json" "$caps" >"$work/seccomp.json"
"$here/bench/runc_bundle.sh" "$bundle_seccomp" "$images/busybox/rootfs" "$parent/runc" '["/bin/true"]' "$work/seccomp.json"

# Medians from hyperfine's JSON, and the first command's (ours) as a share of each other's.
medians() {  # $1: json file
  python3 - "$1" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
for r in results:
    print(f'  median {r["median"] * 1000:6.1f} ms  {r["command"]}')
ours = results[0]
for r in results[1:]:
    print(f'  ratio  {ours["median"] / r["median"]:6.2f}     {ours["command"]} / {r["command"]}')
PY
}

# Two patterns: runs back to back (each start right after the last one's end), and runs
# spaced 50 ms apart, as a person or a script that does something between starts would.
# agentd's standby containers are refilled in the pauses; back to back they run out.
sections=${SECTIONS:-run pause limit}
want() { [[ " $sections " == *" $1 "* ]]; }
want run && for pattern in back-to-back spaced; do
  prepare=()
  [ "$pattern" = spaced ] && prepare=(--prepare "sleep 0.05")
  echo "== start and remove a container running /bin/true, $pattern ($runs runs each)"
  hyperfine -N --warmup 3 --runs "$runs" "${prepare[@]}" --export-markdown "$work/run.md" \
    --export-json "$work/run.json" \
    -n "agentctl run --rm" "$ctl run --rm busybox -- /bin/true" \
    -n "runc run (Docker's seccomp profile)" "runc --root $work/runc run -b $bundle_seccomp bench-true" \
    -n "runc run (no seccomp)" "runc --root $work/runc run -b $bundle bench-true" \
    -n "unshare -pmuin --fork (floor)" "unshare -pmuin --fork /bin/true" >/dev/null
  cat "$work/run.md"
  medians "$work/run.json"
done

if want pause; then
echo "== pause + resume a running container ($runs runs each)"
$ctl run -d --name bench-paused busybox -- sleep 3600 >/dev/null
write_config '["/bin/sleep", "3600"]'
runc --root "$work/runc" run -d -b "$bundle" bench-paused </dev/null >/dev/null 2>&1
hyperfine --warmup 3 --runs "$runs" --export-markdown "$work/pause.md" --export-json "$work/pause.json" \
  -n "agentctl pause + resume" "$ctl pause bench-paused >/dev/null && $ctl resume bench-paused >/dev/null" \
  -n "runc pause + resume" "runc --root $work/runc pause bench-paused && runc --root $work/runc resume bench-paused"
cat "$work/pause.md"
medians "$work/pause.json"
fi

# Each run finds the quota at 60000 (the prepare step writes it behind both tools' backs),
# so both write 50000 every time: agentctl would otherwise answer "unchanged" without one.
want limit || exit 0
echo "== set a running container's CPU limit to 50% ($runs runs each)"
$ctl run -d --name bench-limited busybox -- sleep 3600 >/dev/null
agent_group=$($ctl --output json inspect bench-limited | python3 -c 'import json,sys; print(json.load(sys.stdin)["cgroup"])')
write_config '["/bin/sleep", "3600"]' "$parent/runc-limited"
runc --root "$work/runc" run -d -b "$bundle" bench-limited </dev/null >/dev/null 2>&1
quota_file() {  # $1: cgroup path
  if [ -d /sys/fs/cgroup/cpu ]; then echo "/sys/fs/cgroup/cpu$1/cpu.cfs_quota_us"; else echo "/sys/fs/cgroup$1/cpu.max"; fi
}
agent_quota=$(quota_file "$agent_group")
runc_quota=$(quota_file "$parent/runc-limited")
reset_value=60000
[ -d /sys/fs/cgroup/cpu ] || reset_value="60000 100000"
hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/limit.md" --export-json "$work/limit.json" \
  -n "agentctl limit --cpu 50%" --prepare "sh -c 'echo $reset_value > $agent_quota'" "$ctl limit bench-limited --cpu 50%" \
  -n "runc update --cpu-quota 50000" --prepare "sh -c 'echo $reset_value > $runc_quota'" \
  "runc --root $work/runc update --cpu-quota 50000 --cpu-period 100000 bench-limited"
cat "$work/limit.md"
medians "$work/limit.json"
echo "  after: agent $(cat "$agent_quota"), runc $(cat "$runc_quota")"
