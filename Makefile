# The two commands of the README: `make run` and `make test`. Both set up what they need:
# `make run` only what building and running agentd need, `make test` also every test tier's tools.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
# Each fuzzer's share of `make test` (15 of them after every other tier, JOBS at a time): a smoke
# run over the seeds that keeps the whole of CI in time; `make fuzz` takes FUZZ_SECONDS.
TEST_FUZZ_SECONDS ?= 15
JOBS ?= $(shell nproc)
# Optimised, with line tables and function names in backtraces but not every variable (-g1):
# full debug information made each file take a third longer to compile (ContainerHandlers.cpp
# 12.3 s against 9.0 s), 2 to 3 minutes of the test build.
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g1 -DNDEBUG"

.PHONY: all deps deps-run deb build build-run build-asan build-fuzz fuzz run test test-unit test-host test-vm test-vm-systemd test-e2e test-package test-asan bench bench-stats bench-images bench-engines format format-check clean

all: build

deps-run:
	@scripts/install-deps.sh run
deps:
	@scripts/install-deps.sh test

# Installed under /usr with man pages: the package tier packs this build (scripts/build-deb.sh
# --prebuilt) rather than compiling everything again. The unit tier's binary is build-asan's.
build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS) -DAGENT_BUILD_TESTS=ON -DAGENT_BUILD_UNIT_TESTS=OFF \
	      -DAGENT_BUILD_BENCH=ON -DCMAKE_INSTALL_PREFIX=/usr -DAGENT_MAN_PAGES=ON
	cmake --build $(BUILD) -j$(JOBS)

# The three binaries of `make run`. A fresh $(BUILD) is configured with RUN_CMAKE_FLAGS: no
# tests or benchmarks (their packages are the test set's), and -O2 without debug information:
# debug information costs a quarter of the CPU time of this build (4 min 49 s against 3 min 30 s),
# which the first `make run` on a fresh machine waits for. A $(BUILD) configured before (by
# `make test`, or an earlier `make run`) is kept as it is.
RUN_CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
                   -DAGENT_BUILD_TESTS=OFF -DAGENT_BUILD_BENCH=OFF
build-run: deps-run
	cmake -S . -B $(BUILD) $(if $(wildcard $(BUILD)/CMakeCache.txt),,$(RUN_CMAKE_FLAGS))
	cmake --build $(BUILD) -j$(JOBS) --target agentd agentctl agent-shim

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAGENT_SANITIZE=ON -DAGENT_BUILD_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target unit_tests

# libFuzzer (clang) on the quantity parser, the policy loader, the create request, seccomp
# profiles, the metrics renderer, /etc/subuid, image sources' JSON (planLoad), layer blobs, engines'
# JSON, port mappings and streams' framed input:
# FUZZ_SECONDS each over the committed seeds (fuzz/corpus); what it finds new goes to $(FUZZ_BUILD)/corpus.
build-fuzz: deps
	cmake -S fuzz -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
FUZZERS := quantity policy create_request renderer subuid seccomp_profile load_plan layer_unpack volume_spec \
           chunked_decoder docker_api_json docker_resources containerd_bundle port_mapping input_frames
# JOBS fuzzers at a time (each a single-threaded process), each for FUZZ_SECONDS.
fuzz: build-fuzz
	$(MAKE) --no-print-directory -j$(JOBS) $(addprefix fuzz-run-,$(FUZZERS))
fuzz-run-%:
	mkdir -p $(FUZZ_BUILD)/corpus/$*
	$(FUZZ_BUILD)/$*_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_BUILD)/corpus/$* fuzz/corpus/$*

DATA_DIR ?= /var/lib/agent
# More of agentd's flags, e.g. AGENTD_FLAGS='--state-dir /tmp/a/run --cgroup-parent /mine
# --api-address 127.0.0.1:0 --metrics-address 127.0.0.1:0' for a second agent beside the first.
AGENTD_FLAGS ?=

# Sets up, builds, provides the busybox image, shows what the agent sees of this host and
# starts agentd in the foreground with its defaults (Ctrl-C stops it; containers keep running).
run: build-run
	scripts/make-busybox-image.sh $(DATA_DIR)/images
	$(BUILD)/bin/agentd probe
	exec $(BUILD)/bin/agentd --data-dir $(DATA_DIR) $(AGENTD_FLAGS)

# Every tier: unit (unit_tests under AddressSanitizer + UndefinedBehaviorSanitizer, and the
# dashboards' and deploy/'s checks), host (real cgroups here, root), vm (real cgroup v2 guest),
# vm-systemd (the same kernel with systemd as PID 1), e2e (agentd + agentctl), package, and the
# fuzzers over their seeds.
test: build build-asan build-fuzz format-check
	cd $(BUILD) && ctest --output-on-failure -L 'unit|host|vm|vm-systemd|e2e|package'
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit
	$(MAKE) fuzz FUZZ_SECONDS=$(TEST_FUZZ_SECONDS)

# unit_tests under the sanitizers, and the unit label's checks of dashboards and deploy/.
test-unit: build build-asan
	cd $(BUILD) && ctest --output-on-failure -L unit
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit
test-host: build
	cd $(BUILD) && ctest --output-on-failure -L host
test-vm: build
	cd $(BUILD) && ctest --output-on-failure -L '^vm$$'
test-vm-systemd: build
	cd $(BUILD) && ctest --output-on-failure -L '^vm-systemd$$'
test-e2e: build
	cd $(BUILD) && ctest --output-on-failure -L e2e
test-package: build
	cd $(BUILD) && ctest --output-on-failure -L package
test-asan: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit

# The Debian package (debian/, docs/deploy.md), built from a copy of this tree with Debian's
# flags and checked by lintian: $(BUILD)/deb/agentd_<version>_<arch>.deb, also linked as
# $(BUILD)/deb/agentd.deb. `make test` builds it too (ctest label `package`).
deb: deps
	scripts/build-deb.sh $(BUILD)/deb $(JOBS)

bench: build
	$(BUILD)/bench/cgroup_stats_bench
	$(BUILD)/bench/collector_bench
	$(BUILD)/bench/reconcile_bench
	$(BUILD)/bench/layer_usage_bench

# `agentctl stats --no-stream` against `docker stats --no-stream`, 20 containers each, in one
# hyperfine run (a private dockerd from Debian's docker.io; see docs/performance.md).
bench-stats: build
	bench/stats_vs_docker.sh 20 20

# Layered images: `agentctl image load` against `docker load` and `podman load`, the disk a
# second image sharing a base adds, `run --rm` of a 5-layer image against the flat busybox and
# runc, and the shim's memory (PSS) against containerd-shim-runc-v2 (a private dockerd and
# podman store; see docs/performance.md).
bench-images: build
	bench/image_bench.sh 20 10

# What the Docker engine client costs agentd: collection CPU per cycle and RSS with it on and
# off, 50 Docker containers and 50 of agentd's own (a private dockerd; docs/performance.md).
bench-engines: build
	bench/engines_bench.sh 50 30

SOURCES = find agent runtime collectors policies tests bench fuzz -name '*.cpp' -o -name '*.h'
format:
	$(SOURCES) | xargs clang-format -i
format-check:
	$(SOURCES) | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
