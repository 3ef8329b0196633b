#!/usr/bin/env bash
# Layered images side by side, in one run (hyperfine; medians; ratios printed):
#   load    agentctl image load   vs  docker load (a private dockerd)  vs  podman load (a private
#           store), of the same 5-layer docker-archive, each into an empty store every run
#   disk    what a second image sharing a 4-layer base adds to each store (du before/after)
#   run     agentctl run --rm of a 5-layer image vs of the flat busybox vs runc run, /bin/true
#   memory  PSS of agent-shim holding a terminal (agentctl run -dit busybox sh) vs Docker's
#           containerd-shim-runc-v2 for docker run -dit busybox sh, TERMINALS of each
# SECTIONS="load disk run memory" (the default) picks what to measure.
#
# The images: the busybox rootfs the build makes, `docker import`ed into the private dockerd,
# then `docker build` (classic builder, no network) adds three layers for a 4-layer base (3000
# small files; 16 MiB in 4 files; a RUN deleting a file and a tree and replacing a directory)
# and one layer of 4 MiB each for images A and B; `docker save` writes A and B (Docker's own
# format: the legacy layout for Docker < 25). Then every image leaves the dockerd, so all three
# tools load into stores without any of the layers.
#
# Needs root, hyperfine, runc, Debian's docker.io and podman. Starts its own agentd (free port,
# temporary directories, cgroup parent agent-test-<pid>-imgbench), a private dockerd
# (scripts/private-dockerd.sh: own data and exec roots, socket, cgroup parent; no bridge or
# iptables) and podman with its own storage and config files (CONTAINERS_CONF and
# CONTAINERS_STORAGE_CONF: graph root, run root, tmp dirs under the work directory, cgroupfs,
# no events), and removes everything it made, also on failure.
# Usage: image_bench.sh [RUNS] [TERMINALS]
set -euo pipefail
runs=${1:-20}
terminals=${2:-10}
here=$(cd "$(dirname "$0")/.." && pwd)
bin=${AGENT_BIN_DIR:-$here/build/bin}  # another build's binaries with AGENT_BIN_DIR
images=$here/build/images
for tool in hyperfine runc podman dockerd /usr/bin/docker python3; do
  command -v "$tool" >/dev/null || { echo "image_bench: $tool missing; run scripts/install-deps.sh test" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "image_bench: must run as root (cgroups, dockerd)" >&2; exit 1; }
[ -x "$bin/agentd" ] || { echo "image_bench: build first (make build)" >&2; exit 1; }
"$here/scripts/make-busybox-image.sh" "$images" >/dev/null

work=$(mktemp -d /tmp/agent-test-imgbench-XXXXXX)
parent=/agent-test-$$-imgbench
dockerdir=$work/docker
docker="/usr/bin/docker -H unix://$dockerdir/docker.sock"
agentd_pid=
cleanup() {
  set +e
  if [ -n "$agentd_pid" ]; then
    for id in $(ls "$work/state/containers" 2>/dev/null); do
      "$bin/agentctl" --state-dir "$work/state" rm -f "$id" >/dev/null 2>&1
    done
    kill "$agentd_pid"
    wait "$agentd_pid" 2>/dev/null
  fi
  runc --root "$work/runc" delete -f bench-true >/dev/null 2>&1
  "$here/scripts/private-dockerd.sh" stop "$dockerdir"
  grep -o " $work/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m"; done
  for d in /sys/fs/cgroup/*"$parent" /sys/fs/cgroup/*/*"$parent"; do
    [ -d "$d" ] || continue
    find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

# Medians from hyperfine's JSON, and the first command's (ours) as a share of each other's.
medians() {  # $1: json file
  python3 - "$1" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
for r in results:
    print(f'  median {r["median"] * 1000:7.1f} ms  {r["command"]}')
ours = results[0]
for r in results[1:]:
    print(f'  ratio  {ours["median"] / r["median"]:7.2f}     {ours["command"]} / {r["command"]}')
PY
}
kib() { du -sk "$1" | cut -f1; }  # disk used (blocks) below $1, KiB

# agentd.
mkdir -p "$work/data" "$work/policies" "$work/runc"
ln -s "$images" "$work/data/images"
echo "reconcile_interval: 3600" >"$work/agent.yaml"
"$bin/agentd" --config "$work/agent.yaml" --policy-dir "$work/policies" --state-dir "$work/state" \
  --data-dir "$work/data" --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0 --cgroup-parent "$parent/agent" \
  --log-level warn >"$work/agentd.log" 2>&1 &
agentd_pid=$!
for _ in $(seq 200); do [ -f "$work/state/api" ] && break; sleep 0.05; done
ctl="$bin/agentctl --state-dir $work/state"
store=$work/data/image-store

# The private dockerd, and the images it builds and saves.
"$here/scripts/private-dockerd.sh" start "$dockerdir" "${parent#/}/docker"
docker_version=$($docker version --format '{{.Server.Version}}')
ctx=$work/context
mkdir -p "$ctx/tree" "$ctx/blobs" "$ctx/a" "$ctx/b"
for d in $(seq 0 29); do
  mkdir -p "$ctx/tree/d$d"
  for f in $(seq 0 99); do head -c 1024 /dev/urandom | base64 >"$ctx/tree/d$d/f$f"; done
done
for i in 0 1 2 3; do head -c $((4 << 20)) /dev/urandom >"$ctx/blobs/b$i"; done
for i in 0 1 2 3; do head -c $((1 << 20)) /dev/urandom >"$ctx/a/a$i"; head -c $((1 << 20)) /dev/urandom >"$ctx/b/b$i"; done
cat >"$ctx/Dockerfile.base" <<'EOF'
FROM agent-bench-busybox:imported
COPY tree/ /usr/share/tree/
COPY blobs/ /opt/blobs/
RUN rm /opt/blobs/b0 && rm -r /usr/share/tree/d0 && rm -r /usr/share/tree/d1 && mkdir /usr/share/tree/d1 \
    && echo new >/usr/share/tree/d1/f0
EOF
printf 'FROM agent-bench-base:4\nCOPY a/ /opt/a/\n' >"$ctx/Dockerfile.a"
printf 'FROM agent-bench-base:4\nCOPY b/ /opt/b/\n' >"$ctx/Dockerfile.b"
tar -C "$images/busybox/rootfs" -c . | $docker import -c 'CMD ["/bin/sh"]' - agent-bench-busybox:imported >/dev/null
for image in base:4 a:5 b:5; do
  DOCKER_BUILDKIT=0 $docker build -q --network none -f "$ctx/Dockerfile.${image%%:*}" -t "agent-bench-$image" "$ctx" >/dev/null
done
$docker save agent-bench-a:5 -o "$work/a.tar"
$docker save agent-bench-b:5 -o "$work/b.tar"
layers_a=$($docker image inspect --format '{{len .RootFS.Layers}}' agent-bench-a:5)
layout=legacy
tar -tf "$work/a.tar" | grep -qx oci-layout && layout="OCI layout inside the tar"
echo "images: docker $docker_version ($layout), agent-bench-a:5 of $layers_a layers, $(($(stat -c %s "$work/a.tar") >> 20)) MiB;" \
  "b shares its first 4 layers"
$docker rmi agent-bench-a:5 agent-bench-b:5 agent-bench-base:4 >/dev/null
docker_layers=$dockerdir/data/image/overlay2/layerdb/sha256
# Without the busybox image only while loads are measured: the memory section runs it.
$docker rmi agent-bench-busybox:imported >/dev/null

# podman: every path its own, from its own config files.
mkdir -p "$work/podman/tmp" "$work/podman/copy"
cat >"$work/podman/storage.conf" <<EOF
[storage]
driver = "overlay"
graphroot = "$work/podman/root"
runroot = "$work/podman/run"
EOF
cat >"$work/podman/containers.conf" <<EOF
[engine]
cgroup_manager = "cgroupfs"
events_logger = "none"
tmp_dir = "$work/podman/tmp"
image_copy_tmp_dir = "$work/podman/copy"
EOF
# Never a bare `podman` here: that one would use the host's store.
podman="env CONTAINERS_STORAGE_CONF=$work/podman/storage.conf CONTAINERS_CONF=$work/podman/containers.conf podman"
podman_layers=$work/podman/root/overlay-layers/layers.json

# Each store empty before every timed load, by the tool's own removal (not timed): checked once.
cat >"$work/empty-agent.sh" <<EOF
$ctl image rm -f agent-bench-a:5 agent-bench-b:5 >/dev/null 2>&1; $ctl image prune >/dev/null
EOF
echo "$docker rmi -f agent-bench-a:5 agent-bench-b:5 >/dev/null 2>&1; true" >"$work/empty-docker.sh"
echo "$podman rmi -a -f >/dev/null 2>&1; true" >"$work/empty-podman.sh"
sh "$work/empty-agent.sh"
sh "$work/empty-docker.sh"
sh "$work/empty-podman.sh"
podman_count() { python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$podman_layers" 2>/dev/null || echo 0; }
check_empty() {
  local ours theirs podmans
  ours=$(ls "$store/layers" | wc -l)
  theirs=$(ls "$docker_layers" 2>/dev/null | wc -l)
  podmans=$(podman_count)
  [ "$ours$theirs$podmans" = 000 ] ||
    { echo "image_bench: stores not empty (agentd $ours, docker $theirs, podman $podmans layers)" >&2; exit 1; }
}
check_empty

sections=${SECTIONS:-load disk run memory}
want() { [[ " $sections " == *" $1 "* ]]; }

if want load; then
  echo "== load the same $layers_a-layer docker-archive into an empty store ($runs runs each)"
  hyperfine -N --warmup 2 --runs "$runs" --export-markdown "$work/load.md" --export-json "$work/load.json" \
    -n "agentctl image load" --prepare "sh $work/empty-agent.sh" "$ctl image load -i $work/a.tar" \
    -n "docker load ($docker_version)" --prepare "sh $work/empty-docker.sh" "$docker load -q -i $work/a.tar" \
    -n "podman load ($(podman --version | cut -d' ' -f3))" --prepare "sh $work/empty-podman.sh" \
    "$podman load -q -i $work/a.tar" >/dev/null
  cat "$work/load.md"
  medians "$work/load.json"
  sh "$work/empty-agent.sh"
  sh "$work/empty-docker.sh"
  sh "$work/empty-podman.sh"
  check_empty
fi

if want disk; then
  echo "== disk used by B after A (B shares A's first 4 layers; du -sk of each store, KiB)"
  $ctl image load -i "$work/a.tar" >/dev/null 2>&1
  $docker load -q -i "$work/a.tar" >/dev/null
  $podman load -q -i "$work/a.tar" >/dev/null
  ls "$store/layers" >"$work/layers-a"
  ours_before=$(kib "$store")
  docker_before=$(kib "$dockerdir/data")
  podman_before=$(kib "$work/podman/root")
  $ctl image load -i "$work/b.tar" >/dev/null 2>&1
  $docker load -q -i "$work/b.tar" >/dev/null
  $podman load -q -i "$work/b.tar" >/dev/null
  ours_after=$(kib "$store")
  docker_after=$(kib "$dockerdir/data")
  podman_after=$(kib "$work/podman/root")
  # B's own layer, as the store unpacked it: the one layer directory B added.
  new_layers=$(comm -13 "$work/layers-a" <(ls "$store/layers"))
  [ "$(echo "$new_layers" | wc -l)" = 1 ] || { echo "image_bench: B added layers: $new_layers" >&2; exit 1; }
  own=$(kib "$store/layers/$new_layers")
  echo "  agentd: +$((ours_after - ours_before)) KiB for B; its own layer $own KiB, so" \
    "$(python3 -c "print(f'{($ours_after - $ours_before) / $own * 100 - 100:+.2f}')")% over it (goal: +1% or less);" \
    "the store holds $((ours_after)) KiB for A and B"
  echo "  docker: +$((docker_after - docker_before)) KiB for B (data root)"
  echo "  podman: +$((podman_after - podman_before)) KiB for B (graph root)"
  sh "$work/empty-agent.sh"
  sh "$work/empty-docker.sh"
  sh "$work/empty-podman.sh"
fi

if want run; then
  $ctl image load -i "$work/a.tar" >/dev/null 2>&1
  # runc on the busybox directory (runc_bundle.sh, as container_bench.sh): with Docker's seccomp
  # profile, which agentd applies too, and without.
  "$here/bench/runc_bundle.sh" "$work/bundle" "$images/busybox/rootfs" "$parent/runc" '["/bin/true"]'
  caps=CAP_CHOWN,CAP_DAC_OVERRIDE,CAP_FSETID,CAP_FOWNER,CAP_MKNOD,CAP_NET_RAW,CAP_SETGID,CAP_SETUID,CAP_SETFCAP,CAP_SETPCAP,CAP_NET_BIND_SERVICE,CAP_SYS_CHROOT,CAP_KILL,CAP_AUDIT_WRITE
  python3 "$here/bench/docker_profile_to_oci.py" "$here/profiles/seccomp/default.json" "$caps" >"$work/seccomp.json"
  "$here/bench/runc_bundle.sh" "$work/bundle-seccomp" "$images/busybox/rootfs" "$parent/runc" '["/bin/true"]' \
    "$work/seccomp.json"
  for pattern in back-to-back spaced; do
    prepare=()
    [ "$pattern" = spaced ] && prepare=(--prepare "sleep 0.05")
    echo "== start and remove a container running /bin/true, $pattern ($runs runs each)"
    hyperfine -N --warmup 3 --runs "$runs" "${prepare[@]}" --export-markdown "$work/run.md" \
      --export-json "$work/run.json" \
      -n "agentctl run --rm ($layers_a-layer image)" "$ctl run --rm agent-bench-a:5 -- /bin/true" \
      -n "agentctl run --rm (flat busybox)" "$ctl run --rm busybox -- /bin/true" \
      -n "runc run (busybox, Docker's seccomp profile)" "runc --root $work/runc run -b $work/bundle-seccomp bench-true" \
      -n "runc run (busybox, no seccomp)" "runc --root $work/runc run -b $work/bundle bench-true" >/dev/null
    cat "$work/run.md"
    medians "$work/run.json"
    python3 - "$work/run.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print(f'  layered - flat: {(r[0]["median"] - r[1]["median"]) * 1000:+.2f} ms (goal: within 1 ms)')
PY
  done
fi

if want memory; then
  echo "== memory of the process holding each terminal (1, then $terminals containers of each; PSS from smaps_rollup)"
  tar -C "$images/busybox/rootfs" -c . | $docker import -c 'CMD ["/bin/sh"]' - agent-bench-busybox:imported >/dev/null
  parent_of() { awk '/^PPid:/ {print $2}' "/proc/$1/status"; }
  # PSS shares each page among the processes mapping it, so a binary's pages weigh less per shim
  # the more shims there are: measured with one container of each, then with TERMINALS.
  pss_report() {  # $1: agent-shim pids, $2: containerd-shim pids (space-separated)
    python3 - "$1" "$2" <<'PY'
import sys
def rollup(pid):
    fields = {}
    for line in open(f"/proc/{pid}/smaps_rollup"):
        parts = line.split()
        if parts[0].endswith(":") and len(parts) >= 2 and parts[1].isdigit():
            fields[parts[0][:-1]] = int(parts[1])
    return fields
def comm(pid):
    return open(f"/proc/{pid}/comm").read().strip()
rows = []
for label, pids in (("agent-shim", sys.argv[1].split()), ("containerd-shim-runc-v2", sys.argv[2].split())):
    each = [rollup(p) for p in pids]
    names = sorted({comm(p) for p in pids})
    mean = {k: sum(e.get(k, 0) for e in each) / len(each) for k in ("Pss", "Pss_Anon", "Pss_File", "Pss_Shmem", "Rss")}
    rows.append((label, mean))
    print(f"  {len(pids):2} x {label:24} ({', '.join(names)}): PSS {mean['Pss']:6.0f} KB each "
          f"(anon {mean['Pss_Anon']:.0f}, file {mean['Pss_File']:.0f}, shmem {mean['Pss_Shmem']:.0f}; RSS {mean['Rss']:.0f})")
print(f"  ratio {rows[0][1]['Pss'] / rows[1][1]['Pss']:.3f}  agent-shim / containerd-shim-runc-v2 (goal: 0.1 or less)")
PY
  }
  ours=()
  theirs=()
  for i in $(seq "$terminals"); do
    $ctl run -dit --name "term$i" busybox sh >/dev/null
    pid=$($ctl --output json inspect "term$i" | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
    ours+=("$(parent_of "$pid")")
    $docker run -dit --network none --name "term$i" agent-bench-busybox:imported sh >/dev/null
    theirs+=("$(parent_of "$($docker inspect --format '{{.State.Pid}}' "term$i")")")
    if [ "$i" = 1 ] || [ "$i" = "$terminals" ]; then
      sleep 1
      pss_report "${ours[*]}" "${theirs[*]}"
    fi
  done
fi
