# The two commands of the README: `make run` and `make test`. Both set up what they need.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 30
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build build-asan build-fuzz fuzz run test test-unit test-host test-vm test-e2e test-asan bench bench-stats format format-check clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

build-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DAGENT_SANITIZE=ON -DAGENT_BUILD_BENCH=OFF
	cmake --build $(ASAN_BUILD) -j$(JOBS) --target unit_tests

# libFuzzer (clang) on the quantity parser, the policy loader, the create request and the
# metrics renderer: FUZZ_SECONDS each over the committed seeds (fuzz/corpus); what it finds new
# goes to $(FUZZ_BUILD)/corpus.
build-fuzz: deps
	cmake -S fuzz -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug
	cmake --build $(FUZZ_BUILD) -j$(JOBS)
fuzz: build-fuzz
	mkdir -p $(FUZZ_BUILD)/corpus/quantity $(FUZZ_BUILD)/corpus/policy $(FUZZ_BUILD)/corpus/create_request $(FUZZ_BUILD)/corpus/renderer
	$(FUZZ_BUILD)/quantity_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_BUILD)/corpus/quantity fuzz/corpus/quantity
	$(FUZZ_BUILD)/policy_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_BUILD)/corpus/policy fuzz/corpus/policy
	$(FUZZ_BUILD)/create_request_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_BUILD)/corpus/create_request fuzz/corpus/create_request
	$(FUZZ_BUILD)/renderer_fuzzer -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 $(FUZZ_BUILD)/corpus/renderer fuzz/corpus/renderer

DATA_DIR ?= /var/lib/agent

# Sets up, builds, provides the busybox image, shows what the agent sees of this host and
# starts agentd in the foreground with its defaults (Ctrl-C stops it; containers keep running).
run: build
	scripts/make-busybox-image.sh $(DATA_DIR)/images
	$(BUILD)/bin/agentd probe
	exec $(BUILD)/bin/agentd --data-dir $(DATA_DIR)

# Every tier: unit, host (real cgroups here, root), vm (real cgroup v2 guest), e2e (agentd +
# agentctl), and the unit tier again under AddressSanitizer + UndefinedBehaviorSanitizer.
test: build build-asan build-fuzz format-check
	cd $(BUILD) && ctest --output-on-failure -L 'unit|host|vm|e2e'
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit
	$(MAKE) fuzz

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -L unit
test-host: build
	cd $(BUILD) && ctest --output-on-failure -L host
test-vm: build
	cd $(BUILD) && ctest --output-on-failure -L vm
test-e2e: build
	cd $(BUILD) && ctest --output-on-failure -L e2e
test-asan: build-asan
	cd $(ASAN_BUILD) && ctest --output-on-failure -L unit

bench: build
	$(BUILD)/bench/cgroup_stats_bench
	$(BUILD)/bench/collector_bench
	$(BUILD)/bench/reconcile_bench

# `agentctl stats --no-stream` against `docker stats --no-stream`, 20 containers each, in one
# hyperfine run (a private dockerd from Debian's docker.io; see docs/performance.md).
bench-stats: build
	bench/stats_vs_docker.sh 20 20

SOURCES = find agent runtime collectors policies tests bench fuzz -name '*.cpp' -o -name '*.h'
format:
	$(SOURCES) | xargs clang-format -i
format-check:
	$(SOURCES) | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
