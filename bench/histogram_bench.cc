// Cost of the load generator's hot histogram operations (a record per reply) and of the queries
// reports make once per second.

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "outrider/common/histogram.h"

namespace outrider {
namespace {

// Log-normal latencies around 200 us, like loopback replies with a tail.
std::vector<int64_t> latencies(size_t n) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> dist(std::log(200'000.0), 1.0);
  std::vector<int64_t> values(n);
  for (auto& v : values) {
    v = static_cast<int64_t>(dist(rng));
  }
  return values;
}

void BM_Record(benchmark::State& state) {
  const auto values = latencies(4096);
  Histogram h;
  size_t i = 0;
  for (auto _ : state) {
    h.record(values[i++ & 4095]);
  }
  benchmark::DoNotOptimize(h.count());
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Record);

void BM_ValueAtPercentile(benchmark::State& state) {
  Histogram h;
  for (int64_t v : latencies(100'000)) {
    h.record(v);
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.valueAtPercentile(99.9));
  }
}
BENCHMARK(BM_ValueAtPercentile);

void BM_CountAtOrBelowCompacted(benchmark::State& state) {
  Histogram h;
  for (int64_t v : latencies(20'000)) {
    h.record(v);
  }
  h.compact();  // the form a finished second of a load series keeps
  for (auto _ : state) {
    benchmark::DoNotOptimize(h.countAtOrBelow(1'000'000));
  }
}
BENCHMARK(BM_CountAtOrBelowCompacted);

void BM_Merge(benchmark::State& state) {
  Histogram second;
  for (int64_t v : latencies(20'000)) {
    second.record(v);
  }
  if (state.range(0) != 0) {
    second.compact();
  }
  Histogram total;
  for (auto _ : state) {
    total.add(second);
  }
  benchmark::DoNotOptimize(total.count());
}
BENCHMARK(BM_Merge)->Arg(0)->Arg(1);

}  // namespace
}  // namespace outrider
