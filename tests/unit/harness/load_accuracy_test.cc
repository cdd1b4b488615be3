// Timing-sensitive accuracy checks of the load generator, labelled `perf` (they want idle cores):
// - a coordinated-omission known-answer test in the spirit of goal LG-2: a stalling upstream on
//   one connection, compared with a discrete-event model of the wrk2 method;
// - headroom: a 20k rps schedule kept on one thread, run only with OUTRIDER_PERF_TESTS=1
//   (OUTRIDER_LOAD_RATE=<rps> overrides the rate to find the ceiling by hand,
//   OUTRIDER_LOAD_TARGET=http://host:port/ aims it at another server such as outrider-echo).

#include <gtest/gtest.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "fake_http_server.h"
#include "outrider/harness/load_generator.h"

namespace outrider::harness {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using std::chrono::nanoseconds;

double threadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

LoadResult runOnThisThread(const LoadConfig& config, double* cpu_seconds = nullptr) {
  asio::io_context io;
  RealClock clock;
  auto generator = LoadGenerator::create(io, clock, config);
  EXPECT_TRUE(generator.has_value()) << generator.error().message;
  if (!generator) {
    return {};
  }
  auto done = asio::co_spawn(io, (*generator)->run(), asio::use_future);
  const double before = threadCpuSeconds();
  io.run();
  if (cpu_seconds != nullptr) {
    *cpu_seconds = threadCpuSeconds() - before;
  }
  return done.get();
}

// The known-answer upstream: 100 us per request, a 100 ms stall once a second, three times.
constexpr int64_t Service = 100'000;
constexpr int64_t Stall = 100'000'000;
constexpr int64_t StallEvery = 1'000'000'000;
constexpr int64_t Stalls = 3;

// The stall left at `since` ns after the first stall began, or 0 outside every stall.
int64_t stallLeft(int64_t since) {
  if (since < 0 || since >= Stalls * StallEvery) {
    return 0;
  }
  const int64_t phase = since % StallEvery;
  return phase < Stall ? Stall - phase : 0;
}

// The exact sample percentile (rank ceil(p/100 * n)), as the histogram defines it.
int64_t percentileOf(std::vector<int64_t> values, double p) {
  std::sort(values.begin(), values.end());
  auto rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size()) - 1e-9));
  rank = std::clamp<size_t>(rank, 1, values.size());
  return values[rank - 1];
}

TEST(LoadAccuracyTest, CoordinatedOmissionKnownAnswer) {
  // A single-connection upstream with a 100 us service time that stalls for 100 ms once a
  // second, driven at 1000 rps open loop. The ~100 requests queued behind each stall drain
  // back-to-back, so ~11% of requests see latency falling from ~100 ms to ~0: corrected p99
  // ~90 ms, while the service-time view stays sub-millisecond at p99.
  //
  // Two references, both computed without the generator's own latency arithmetic:
  // - the upstream's view: request i (one connection, so the upstream sees them in schedule
  //   order) was answered at its arrival plus the delay the upstream chose; its corrected
  //   latency is that minus its scheduled time. Every percentile within 2 ms.
  // - a discrete-event model of the wrk2 method (one FIFO server, request i sent at
  //   max(scheduled, previous reply)). Where it does not depend on how fast this host drains a
  //   backlog (p50: idle; p99 and p99.9: the stall itself) within 2 ms. The slope between
  //   (p90, p95) scales with the per-request cost of a back-to-back drain, which a busy CI host
  //   makes faster or slower than the mean of the idle requests, so the model is not asked there.
  struct Served {
    int64_t arrived;  // steady_clock ns
    int64_t delay;
  };
  auto served = std::make_shared<std::vector<Served>>();
  served->reserve(4096);
  auto served_mutex = std::make_shared<std::mutex>();
  auto stall_epoch = std::make_shared<std::atomic<int64_t>>(0);  // steady_clock ns, 0 = none
  test::FakeHttpServer server(
      [stall_epoch, served, served_mutex](const test::FakeRequest& request) {
        test::FakeReply reply;
        const int64_t epoch = stall_epoch->load();
        const int64_t arrived = request.arrived.time_since_epoch().count();
        const int64_t left = epoch == 0 ? 0 : stallLeft(arrived - epoch);
        reply.delay = nanoseconds(left + Service);
        const std::lock_guard lock(*served_mutex);
        served->push_back({arrived, reply.delay.count()});
        return reply;
      });

  LoadConfig config;
  config.port = server.port();
  config.rate = 1000;
  config.connections = 1;
  config.warmup = 500ms;
  config.duration = 3500ms;
  config.timeout = 2s;
  // Stalls at ~0.7 s, 1.7 s and 2.7 s into the run, inside the measured span.
  const auto epoch = std::chrono::steady_clock::now() + 700ms;
  stall_epoch->store(epoch.time_since_epoch().count());
  auto result = runOnThisThread(config);
  ASSERT_TRUE(result.counts.balanced());
  ASSERT_EQ(result.counts.completed, 3000u);

  const auto schedule = *LoadSchedule::create(config.rate, config.duration, config.warmup);
  const int64_t started = result.started_at.time_since_epoch().count();
  std::vector<int64_t> upstream_view;
  {
    const std::lock_guard lock(*served_mutex);
    ASSERT_EQ(served->size(), schedule.total());
    for (uint64_t i = 0; i < schedule.total(); ++i) {
      if (!schedule.isWarmup(i)) {
        const int64_t scheduled = started + schedule.offsetOf(i).count();
        upstream_view.push_back((*served)[i].arrived + (*served)[i].delay - scheduled);
      }
    }
  }

  // The model's service time is what this host really took per request (timer, loopback,
  // parsing): the mean of the unstalled replies.
  Histogram unstalled;
  result.service_time.forEachBucket([&](int64_t low, int64_t, uint64_t count) {
    if (low < 10'000'000) {
      unstalled.recordCount(low, count);
    }
  });
  const auto service = static_cast<int64_t>(unstalled.mean());
  const int64_t stall_start = (epoch - result.started_at).count();
  std::vector<int64_t> model;
  int64_t previous_done = 0;
  for (uint64_t i = 0; i < schedule.total(); ++i) {
    const int64_t scheduled = schedule.offsetOf(i).count();
    const int64_t start = std::max(scheduled, previous_done);
    const int64_t done = start + stallLeft(start - stall_start) + service;
    previous_done = done;
    if (!schedule.isWarmup(i)) {
      model.push_back(done - scheduled);
    }
  }
  for (double p : {50.0, 90.0, 95.0, 99.0, 99.9}) {
    const double measured = static_cast<double>(result.latency.valueAtPercentile(p)) / 1e6;
    const double upstream = static_cast<double>(percentileOf(upstream_view, p)) / 1e6;
    const double modelled = static_cast<double>(percentileOf(model, p)) / 1e6;
    std::printf("p%-5g measured %8.3f ms  upstream's view %8.3f ms  model %8.3f ms\n", p, measured,
                upstream, modelled);
    EXPECT_NEAR(measured, upstream, 2.0) << "p" << p;
    if (p == 50.0 || p >= 99.0) {
      EXPECT_NEAR(measured, modelled, 2.0) << "p" << p;
    }
  }
  EXPECT_GT(result.latency_ms.p99_ms, 80.0);  // the stall shows, corrected
  // ... and hides from the service-time view (it would read ~100 ms if omission leaked in).
  EXPECT_LT(result.service_time_ms.p99_ms, 2.0);
  EXPECT_EQ(result.counts.not_sent, 0u);
}

TEST(LoadAccuracyTest, KeepsTwentyThousandPerSecondOnOneThread) {
  // 20k rps for 2 s after a 0.5 s warmup over 32 connections: every request sent on schedule.
  // It needs a core for the generator and one for the upstream, so it runs on request only.
  double rate = 20'000;
  const char* rate_env = std::getenv("OUTRIDER_LOAD_RATE");
  if (std::getenv("OUTRIDER_PERF_TESTS") == nullptr && rate_env == nullptr) {
    GTEST_SKIP() << "set OUTRIDER_PERF_TESTS=1 (two idle cores wanted)";
  }
  if (rate_env != nullptr) {
    rate = std::stod(rate_env);
  }
  test::FakeHttpServer server;
  LoadConfig config;
  config.port = server.port();
  if (const char* url = std::getenv("OUTRIDER_LOAD_TARGET")) {
    // Another server to measure against (outrider-echo, nginx): http://host:port/path.
    auto target = parseLoadTarget(url);
    ASSERT_TRUE(target.has_value()) << target.error().message;
    config.host = target->host;
    config.port = target->port;
    config.path = target->path;
  }
  config.rate = rate;
  config.connections = 32;
  config.warmup = 500ms;
  config.duration = 2500ms;
  double cpu = 0;
  auto result = runOnThisThread(config, &cpu);
  const auto& c = result.counts;
  const double measured_s = 2.0;
  std::printf(
      "rate %.0f: scheduled %lu sent %lu completed %lu late %lu late_dispatch %lu not_sent %lu "
      "timed_out %lu failed %lu | achieved %.0f rps | generator cpu %.2f s (%.0f%% of a core, "
      "%.1f us/request) | latency p50 %.3f p99 %.3f p999 %.3f ms | send delay p99 %.1f us\n",
      rate, c.scheduled, c.sent, c.completed, c.late, c.late_dispatch, c.not_sent, c.timed_out,
      c.failed, result.achievedRate(2s), cpu, 100.0 * cpu / 2.5,
      1e6 * cpu / static_cast<double>(c.sent + result.warmup_counts.sent), result.latency_ms.p50_ms,
      result.latency_ms.p99_ms, result.latency_ms.p999_ms,
      static_cast<double>(result.send_delay.valueAtPercentile(99)) / 1e3);
  EXPECT_TRUE(c.balanced());
  EXPECT_NEAR(static_cast<double>(c.sent), rate * measured_s, 0.005 * rate * measured_s);
  EXPECT_GE(static_cast<double>(c.completed), 0.99 * rate * measured_s);
  EXPECT_LE(static_cast<double>(c.late_dispatch), 0.01 * static_cast<double>(c.scheduled));
  EXPECT_EQ(c.failed, 0u);
}

}  // namespace
}  // namespace outrider::harness
