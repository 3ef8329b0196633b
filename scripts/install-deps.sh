#!/usr/bin/env bash
# Installs the Debian packages of one set:
#   run   what building agentd, agentctl and agent-shim and running them need (`make run`)
#   test  the run set and every test tier's tools: gtest, the qemu guest, Prometheus, clang's
#         libFuzzer, runc, hyperfine, docker (`make test`)
# Idempotent, non-interactive and quick when everything is present: apt is only touched for
# missing packages.
# Usage: install-deps.sh run|test [--list]   (--list prints the set and installs nothing)
set -euo pipefail

# Every find_package / find_library of CMakeLists.txt and runtime/CMakeLists.txt with the tests
# and benchmarks off (AGENT_BUILD_TESTS=OFF, AGENT_BUILD_BENCH=OFF), and what agentd runs.
run_packages=(
  build-essential cmake                              # g++ 12, make
  libexpected-dev libcli11-dev nlohmann-json3-dev    # tl-expected, CLI11, nlohmann_json
  libyaml-cpp-dev libspdlog-dev libfmt-dev           # yaml-cpp, spdlog (on fmt)
  libmicrohttpd-dev pkg-config                       # the HTTP servers (found with pkg-config)
  zlib1g-dev prometheus-cpp-dev                      # ZLIB, prometheus-cpp (needs CURL:)
  libcurl4-openssl-dev                               # prometheus-cpp's push part; agentd's engine clients
  libseccomp-dev                                     # containers' seccomp filters (pkg_check_modules)
  libarchive-dev libzstd-dev libssl-dev              # images: tar layers, zstd/gzip, sha256 (runtime/image)
  libnl-route-3-dev                                  # bridge networking's links over netlink (runtime/net)
  libnftables-dev                                    # bridge networking's own nftables table (runtime/net)
  libsystemd-dev                                     # sd-bus: the systemd cgroup driver (runtime/systemd)
  busybox-static                                     # the busybox image (make-busybox-image.sh)
  curl                                               # the README's first session asks /healthz
)

# What only the tests, benchmarks, fuzzers and `make format-check` need.
test_packages=(
  git python3                                        # tests/CMakeLists.txt: generate.py
  libgtest-dev libgmock-dev libbenchmark-dev         # GTest, benchmark
  clang libclang-rt-14-dev clang-format              # libFuzzer, sanitizers, formatting
  qemu-system-x86 linux-image-amd64 cpio kmod        # the cgroup-v2 guest (scripts/vm)
  prometheus                                         # e2e's Prometheus, promtool
  runc hyperfine systemd docker.io tmux              # comparisons in bench/ and the docs
  nftables                                           # nft: the host tests' view of the ruleset (runtime/net)
  iproute2                                           # ip, ss: the network e2e tests look at links, routes, sockets
  umoci skopeo buildah podman                        # test images made by tools no one here wrote
  debhelper dpkg-dev help2man bash-completion lintian  # `make deb`: the package, its man pages, its lint
  chromium fonts-liberation                          # the web view seen in a real browser (headless)
  kubernetes-client python3-yaml openssl             # deploy/kubernetes checked offline; TLS test certificates
)

set_name=${1:-}
case "$set_name" in
  run) packages=("${run_packages[@]}") ;;
  test) packages=("${run_packages[@]}" "${test_packages[@]}") ;;
  *)
    echo "usage: $0 run|test [--list]  (run: build and run agentd; test: also every test tier)" >&2
    exit 2
    ;;
esac
# A kubectl already on the machine (another vendor's package owns /usr/bin/kubectl) serves the
# offline manifest check as well as Debian's, and Debian's cannot be unpacked over it.
if command -v kubectl >/dev/null; then
  kept=()
  for p in "${packages[@]}"; do [ "$p" = kubernetes-client ] || kept+=("$p"); done
  packages=("${kept[@]}")
fi
if [ "${2:-}" = --list ]; then
  printf '%s\n' "${packages[@]}"
  exit 0
fi

# --userns auto (docs/security.md): a system user whose subordinate ids agentd hands out, 65536
# per container, 1024 containers at once. Idempotent: an existing user or range is kept. No
# package is needed: agentd (root) writes the maps itself, the files only reserve the ids.
ensure_userns_user() {
  local user=agent count=$((65536 * 1024)) file start
  if ! getent passwd "$user" >/dev/null; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$user"
    echo "install-deps: created the system user $user (for agentd's --userns auto)"
  fi
  for file in /etc/subuid /etc/subgid; do
    touch "$file"
    grep -q "^$user:" "$file" && continue
    # Above every range already there (and above useradd's first 100000), on a 65536 boundary.
    start=$(awk -F: 'BEGIN { end = 100000 } NF == 3 && $2 + $3 > end { end = $2 + $3 } END { print end }' "$file")
    start=$(( (start + 65535) / 65536 * 65536 ))
    echo "$user:$start:$count" >>"$file"
    echo "install-deps: gave $user the ids $start-$((start + count - 1)) in $file"
  done
}

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done

if [ "$(id -u)" -ne 0 ]; then
  if [ ${#missing[@]} -eq 0 ] && getent passwd agent >/dev/null && grep -q '^agent:' /etc/subuid && grep -q '^agent:' /etc/subgid; then
    echo "install-deps: all ${#packages[@]} packages of the $set_name set present, user agent has its ids"
    exit 0
  fi
  echo "install-deps: ${#missing[@]} packages of the $set_name set are missing (${missing[*]}) or the user agent" \
    "and its ids (/etc/subuid, /etc/subgid) are; this needs root; run: sudo $0 $set_name" >&2
  exit 1
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages of the $set_name set present"
  ensure_userns_user
  exit 0
fi

echo "install-deps: installing ${#missing[@]} missing packages of the $set_name set: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Packages with a service (prometheus on :9090, docker) would start it through systemd; the
# tests run their own instances on free loopback ports, so a policy-rc.d keeps them stopped.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod 755 "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
ensure_userns_user
echo "install-deps: done"
