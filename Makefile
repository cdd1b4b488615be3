# outrider: two commands on a fresh Debian 12 machine — `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := build

BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
JOBS       ?= $(shell nproc)
SCENARIO   ?= scenarios/quickstart.toml
# Seconds per fuzzer: 20 s in fuzz-smoke (part of `make test`, all fuzzers at once); `make fuzz` runs longer and keeps the corpus it grows in $(BUILD_FUZZ)/corpus/.
FUZZ_SMOKE_SECONDS ?= 20
FUZZ_SECONDS       ?= 600

# Everything the build and the tests need, by Debian package name. libboost1.81-dev by name:
# the default libboost-dev is 1.74, which lacks the Asio features we use. libyaml-cpp-dev: the
# checks of ci/examples/ (tests/unit/ci/).
DEB_PACKAGES := build-essential cmake pkg-config git ca-certificates \
  libboost1.81-dev libboost-url1.81-dev libssl-dev libtomlplusplus-dev libcli11-dev prometheus-cpp-dev \
  nlohmann-json3-dev libexpected-dev libfmt-dev \
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc \
  libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev wrk curl faketime \
  clang libclang-rt-14-dev
# Peers for bench/ only; `make bench` installs them.
BENCH_PACKAGES := haproxy nginx-light wrk procps util-linux

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT  := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Use-Pty=0

define apt_install_missing
	@missing=$$(for p in $(1); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ]; then \
	  echo "installing:" $$missing; \
	  $(APT) update -qq && $(APT) install -y -qq --no-install-recommends $$missing </dev/null; \
	else echo "deps: all packages present"; fi
endef

.PHONY: deps bench-deps configure build test run asan bench clean check-style
deps:
	$(call apt_install_missing,$(DEB_PACKAGES))

bench-deps: deps
	$(call apt_install_missing,$(BENCH_PACKAGES))

configure:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: configure
	cmake --build $(BUILD) -j$(JOBS)

# Unit and integration tests side by side (each integration test uses its own loopback ports),
# with the fuzzers' clang build beside them at the lowest CPU priority (the tests take the CPU
# whenever they want it; the build fills the time they spend waiting on real time). Then the
# perf tests alone, as they want idle cores, and the fuzzers.
test: deps build
	ci/check-real-time
	@mkdir -p $(BUILD_FUZZ); \
	  ( nice -n 19 $(MAKE) --no-print-directory fuzz-build >$(BUILD_FUZZ)/make-test-build.log 2>&1; \
	    echo $$? >$(BUILD_FUZZ)/make-test-build.rc ) & fuzz_build=$$!; \
	  rc=0; ctest --test-dir $(BUILD) --output-on-failure --timeout 300 -LE perf -j$(JOBS) || rc=$$?; \
	  wait $$fuzz_build; \
	  if [ "$$(cat $(BUILD_FUZZ)/make-test-build.rc)" != 0 ]; then \
	    echo "fuzz-build failed:"; tail -n 60 $(BUILD_FUZZ)/make-test-build.log; exit 1; fi; \
	  exit $$rc
	ctest --test-dir $(BUILD) --output-on-failure --timeout 300 -L perf
	$(MAKE) --no-print-directory fuzz-smoke

# A game day that ran and judged (pass 0 or fail 1) is a successful `make run`; the verdict is in
# the summary. Anything else (a scenario error, a harness error...) fails the target.
run: deps build
	@rc=0; $(BUILD)/bin/outrider run $(SCENARIO) || rc=$$?; \
	case $$rc in 0|1) echo "outrider run: exit $$rc (0 pass, 1 fail: see the verdict above)";; \
	  *) echo "outrider run: exit $$rc (spec/cli.md)"; exit $$rc;; esac

# The tests again under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: deps
	cmake -S . -B $(BUILD_ASAN) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DOUTRIDER_SANITIZE="address;undefined" -DOUTRIDER_BUILD_BENCH=OFF
	cmake --build $(BUILD_ASAN) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure --timeout 600

# libFuzzer targets (tests/fuzz/) with clang, ASan and UBSan; only the fuzzers and what they link.
.PHONY: fuzz-build fuzz-smoke fuzz
fuzz-build: deps
	CC=clang CXX=clang++ cmake -S . -B $(BUILD_FUZZ) -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
	  -DOUTRIDER_FUZZ=ON -DOUTRIDER_BUILD_TESTS=OFF -DOUTRIDER_BUILD_BENCH=OFF
	cmake --build $(BUILD_FUZZ) -j$(JOBS) --target outrider_fuzzers

# Every fuzzer at once (each writes its own log and corpus copy); fails if any of them does.
fuzz-smoke: fuzz-build
	@pids=""; for program in $(BUILD_FUZZ)/fuzz/*_fuzz; do \
	  BUILD_FUZZ=$(BUILD_FUZZ) ci/run-fuzzers $(FUZZ_SMOKE_SECONDS) "$$(basename $$program)" & \
	  pids="$$pids $$!"; done; \
	  rc=0; for pid in $$pids; do wait $$pid || rc=1; done; exit $$rc

fuzz: fuzz-build
	BUILD_FUZZ=$(BUILD_FUZZ) ci/run-fuzzers $(FUZZ_SECONDS) --keep-corpus

bench: bench-deps build
	bench/proxy-vs-peers

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
