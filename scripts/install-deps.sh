#!/usr/bin/env bash
# Installs every Debian package the build and all test tiers need.
# Idempotent and quick when everything is present: apt is only touched for missing packages.
set -euo pipefail

packages=(
  # build
  build-essential g++ cmake make pkg-config git
  prometheus-cpp-dev libcivetweb-dev libyaml-cpp-dev libspdlog-dev libfmt-dev zlib1g-dev
  libgtest-dev libgmock-dev libcli11-dev nlohmann-json3-dev libexpected-dev
  libcurl4-openssl-dev libbenchmark-dev libcap-dev
  # fuzzers, sanitizers, formatting
  clang libclang-rt-14-dev clang-format
  # test tiers: the cgroup-v2 guest, e2e, comparisons
  qemu-system-x86 linux-image-amd64 busybox-static cpio kmod
  prometheus runc hyperfine systemd
  # bench/stats_vs_docker.sh: `docker stats` beside `agentctl stats` (a private dockerd; the
  # package's own service is kept from starting, as prometheus's is)
  docker.io tmux
)

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: must run as root (apt-get install needs it); try: sudo $0" >&2
  exit 1
fi

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# The prometheus package would start its own server on :9090 through systemd; the e2e tier runs
# its own instance on a free loopback port, so a policy-rc.d keeps the package from starting one.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
echo "install-deps: done"
