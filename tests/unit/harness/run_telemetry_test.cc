// RunTelemetry on a manual clock, /proc text given as strings and a loopback metrics endpoint
// whose counters a test sets: scrapes become ratio seconds, samples become series, and a
// restart or a process that is down shows as a reset or a gap, never as zero good events.
#include "outrider/harness/run_telemetry.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <mutex>

#include "fake_http_server.h"
#include "outrider/common/manual_clock.h"
#include "outrider/common/units.h"
#include "outrider/scenarios/loader.h"

namespace outrider::harness {
namespace {

using namespace std::chrono_literals;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

class NoProc final : public ProcSource {
 public:
  std::vector<std::string> statTexts() const override {
    return {"100 (proxy) S 1 100 100 0 -1 0 0 0 0 0 50 0 0 0 20 0 1 0 1 0 256 0 0\n"};
  }
  uint64_t ticksPerSecond() const override { return 100; }
  uint64_t pageBytes() const override { return 4096; }
};

class RunTelemetryTest : public testing::Test {
 protected:
  RunTelemetryTest()
      : server_([this](const test::FakeRequest&) {
          std::lock_guard lock(mutex_);
          test::FakeReply reply;
          reply.body = fmt::format(
              "outrider_proxy_requests_total{{code=\"2xx\"}} {}\n"
              "outrider_proxy_requests_total{{code=\"5xx\"}} {}\n",
              ok_, errors_);
          if (not_after_ > 0) {
            reply.body += fmt::format("outrider_secrets_cert_not_after_seconds {}\n", not_after_);
          }
          if (served_not_after_ > 0) {
            // What outrider-proxy serves, and (ignored) the client certificate it uses upstream.
            reply.body += fmt::format(
                "outrider_proxy_tls_certificate_not_after_seconds{{listener=\"downstream\"}} {}\n"
                "outrider_proxy_tls_certificate_not_after_seconds{{listener=\"upstream\"}} {}\n",
                served_not_after_, served_not_after_ + 1000);
          }
          return reply;
        }) {}

  scenarios::Scenario scenario() const {
    auto loaded = scenarios::loadScenario(fmt::format(R"([scenario]
name = "t"
duration = "4s"
[app]
command = ["app"]
[[sidecar]]
name = "proxy"
command = ["proxy"]
metrics = "http://127.0.0.1:{}/metrics"
[[slo]]
name = "ratio"
sli = "ratio"
objective = 0.99
source = "proxy"
total = "outrider_proxy_requests_total"
bad = 'outrider_proxy_requests_total{{code="5xx"}}'
)",
                                                      server_.port()),
                                          "t.toml", scenarios::LoadOptions{});
    EXPECT_TRUE(loaded);
    return *loaded;
  }

  void counters(int ok, int errors) {
    std::lock_guard lock(mutex_);
    ok_ = ok;
    errors_ = errors;
  }

  void started(RunTelemetry& telemetry, uint32_t start_number) {
    ProcessEvent event;
    event.kind = ProcessEventKind::Started;
    event.name = "proxy";
    event.pid = 100;
    event.start_number = start_number;
    event.at = clock_.monotonicNow();
    telemetry.onProcessEvent(event);
  }
  void exited(RunTelemetry& telemetry) {
    ProcessEvent event;
    event.kind = ProcessEventKind::Exited;
    event.name = "proxy";
    event.at = clock_.monotonicNow();
    telemetry.onProcessEvent(event);
  }

  // The certificate gauges the fake proxy shows, unix seconds (0: none).
  void setNotAfter(double unix_s) {
    std::lock_guard lock(mutex_);
    not_after_ = unix_s;
  }
  void setServedNotAfter(double unix_s) {
    std::lock_guard lock(mutex_);
    served_not_after_ = unix_s;
  }

  // finish(), run until its last scrape has landed.
  void finish(RunTelemetry& telemetry) {
    auto done = asio::co_spawn(ctx_, telemetry.finish(), asio::use_future);
    ctx_.restart();
    ctx_.run();
    done.get();
  }
  // A journal of the scenario's ratio SLO, filled for `seconds` whole seconds from t0.
  reports::Journal journalOf(const RunTelemetry& telemetry, MonotonicTime t0, size_t seconds,
                             const LoadCounts* load = nullptr) {
    reports::Journal journal;
    journal.slos.push_back(reports::SloRecord{"ratio", "ratio"});
    telemetry.fillJournal(journal, t0, seconds, 0, load);
    return journal;
  }

  // One tick, run until its scrape has landed (finish() also waits for it).
  void tick(RunTelemetry& telemetry) {
    telemetry.tick();
    ctx_.restart();
    ctx_.run();
    clock_.advance(1s);
  }

  std::unique_ptr<RunTelemetry> create() {
    RunTelemetry::Options options;
    options.proc = std::make_unique<NoProc>();
    auto telemetry =
        RunTelemetry::create(scenario(), ctx_.get_executor(), clock_, std::move(options),
                             [this](MonotonicTime, std::string event, std::string detail) {
                               timeline_.push_back(event + " " + detail);
                             });
    EXPECT_TRUE(telemetry) << telemetry.error().message;
    return std::move(*telemetry);
  }

  std::mutex mutex_;
  int ok_ = 0;
  int errors_ = 0;
  double not_after_ = 0;  // unix seconds; 0: no certificate gauge
  double served_not_after_ = 0;  // the proxy's served certificate, unix seconds; 0: none
  test::FakeHttpServer server_;
  asio::io_context ctx_;
  ManualClock clock_;
  std::vector<std::string> timeline_;
};

std::optional<slo::EventCounts> events(uint64_t good, uint64_t total) {
  return slo::EventCounts{good, total};
}

// Scrapes at each tick become each second's events; a proxy that is down is a gap, and its
// restart's counters count from zero.
TEST_F(RunTelemetryTest, ScrapesBecomeRatioSeconds) {
  auto telemetry = create();
  started(*telemetry, 1);
  counters(1000, 0);
  tick(*telemetry);  // scrape 0: the baseline
  counters(1190, 10);
  tick(*telemetry);  // second 0: 200 events, 10 bad
  exited(*telemetry);
  tick(*telemetry);  // second 1: not running, a gap
  started(*telemetry, 2);
  counters(150, 0);
  tick(*telemetry);  // second 2: the restarted proxy's 150, not 150 - 1200
  counters(350, 5);
  finish(*telemetry);

  const auto seconds = telemetry->ratioSeconds().at("ratio");
  EXPECT_THAT(seconds,
              ElementsAre(events(190, 200), std::nullopt, events(150, 150), events(200, 205)));
  std::vector<slo::EventCounts> live(1);
  telemetry->fillLiveEvents(2, live);
  EXPECT_EQ(live[0], (slo::EventCounts{150, 150}));
  telemetry->fillLiveEvents(1, live);
  EXPECT_EQ(live[0], (slo::EventCounts{}));  // a gap holds no events

  LoadCounts load;
  load.sent = 800;
  load.completed = 700;
  load.failed = 100;
  const auto journal = journalOf(*telemetry, clock_.monotonicNow() - 5s, 4, &load);
  const auto& totals = journal.series.metrics.at("proxy").at("outrider_proxy_requests_total");
  EXPECT_THAT(totals, ElementsAre(1200.0, std::nullopt, 150.0, 355.0));
  EXPECT_THAT(journal.series.metrics_series.at("proxy"), ElementsAre(2u, std::nullopt, 2u, 2u));
  ASSERT_EQ(journal.scrapes.size(), 1u);
  EXPECT_EQ(journal.scrapes[0].attempted, 5u);
  EXPECT_EQ(journal.scrapes[0].failed, 1u);
  EXPECT_EQ(journal.scrapes[0].failures.at(0).error, "not running");
  ASSERT_TRUE(journal.slos[0].ratio);
  const auto& ratio = *journal.slos[0].ratio;
  EXPECT_EQ(ratio.gap_seconds, 1u);
  EXPECT_EQ(ratio.gaps.at(0).from_s, 1.0);
  EXPECT_EQ(ratio.gaps.at(0).reason, "scrape failed: not running");
  EXPECT_EQ(ratio.reset_seconds, 1u);
  EXPECT_EQ(ratio.clients_sent, 800u);
  EXPECT_TRUE(ratio.warnings.empty());
  EXPECT_THAT(timeline_, ElementsAre("scrape-failed proxy: not running",
                                     "scrape-ok proxy again, after 1 failed scrape(s)"));
  // Every process gets a series; the proxy's samples come from /proc's text.
  ASSERT_EQ(journal.series.process.count("app"), 1u);
  EXPECT_EQ(journal.series.process.at("proxy").rss_bytes.at(0), 256u * 4096);
  EXPECT_EQ(journal.series.process.at("app").cpu_cores.at(0), std::nullopt);  // never started
}

// The certificate gauge of a secret sidecar: each NotAfter seen, and the expiry of one that a
// scrape after its NotAfter still showed, in run seconds; the second one, replaced before it
// ran out, is not an expiry.
TEST_F(RunTelemetryTest, ACertificateThatRanOutIsFoundInTheScrapes) {
  auto telemetry = create();
  started(*telemetry, 1);
  const MonotonicTime t0 = clock_.monotonicNow();
  const double t0_unix = toSeconds(clock_.systemNow().time_since_epoch());
  setNotAfter(t0_unix + 2.5);
  tick(*telemetry);
  tick(*telemetry);
  tick(*telemetry);
  tick(*telemetry);  // at 3 s: still the first one, past its NotAfter
  setNotAfter(t0_unix + 10);  // renewed at 4 s: too late for the first one
  tick(*telemetry);
  finish(*telemetry);
  const auto journal = journalOf(*telemetry, t0, 20);
  ASSERT_EQ(journal.credentials.size(), 1u);
  const auto& c = journal.credentials[0];
  EXPECT_EQ(c.process, "proxy");
  ASSERT_EQ(c.sets.size(), 2u);
  EXPECT_DOUBLE_EQ(c.sets[0].first_seen_s, 0.0);
  EXPECT_NEAR(c.sets[0].not_after_s, 2.5, 1e-6);
  EXPECT_DOUBLE_EQ(c.sets[1].first_seen_s, 4.0);
  ASSERT_TRUE(c.expired_at_s);
  EXPECT_NEAR(*c.expired_at_s, 2.5, 1e-6);
}

// The proxy's own gauge of the certificate it serves is a credential too (a proxy that misses a
// rotation shows there); the upstream listener's certificate is not what clients are served.
TEST_F(RunTelemetryTest, TheProxysServedCertificateIsACredential) {
  auto telemetry = create();
  started(*telemetry, 1);
  const MonotonicTime t0 = clock_.monotonicNow();
  const double t0_unix = toSeconds(clock_.systemNow().time_since_epoch());
  for (int i = 0; i < 3; ++i) {
    setServedNotAfter(t0_unix + 1.5 + i);  // rotated each second, always ahead
    tick(*telemetry);
  }
  finish(*telemetry);
  const auto journal = journalOf(*telemetry, t0, 20);
  ASSERT_EQ(journal.credentials.size(), 1u);
  const auto& c = journal.credentials[0];
  ASSERT_EQ(c.sets.size(), 3u);
  EXPECT_NEAR(c.sets[2].not_after_s, 3.5, 1e-6);
  EXPECT_FALSE(c.expired_at_s);
}

// A process with a cgroup also gets what its cgroup holds (an allocator's memory, say); one
// without gets no such series at all.
TEST_F(RunTelemetryTest, ACgroupsMemoryIsSampledBesideTheProcesssOwn) {
  auto telemetry = create();
  uint64_t held = 8u << 20;
  telemetry->setCgroupMemory([&held](const std::string& process) -> std::optional<uint64_t> {
    if (process != "proxy") {
      return std::nullopt;
    }
    return held;
  });
  started(*telemetry, 1);
  counters(0, 0);
  tick(*telemetry);  // tick 0: no second yet
  held += 2u << 20;
  tick(*telemetry);
  exited(*telemetry);
  held += 2u << 20;
  tick(*telemetry);  // the cgroup still holds what an allocator left
  reports::Journal journal;
  telemetry->fillJournal(journal, clock_.monotonicNow() - 3s, 3, 0, nullptr);
  EXPECT_THAT(journal.series.process.at("proxy").cgroup_memory_bytes,
              ElementsAre(10u << 20, 12u << 20, std::nullopt));
  EXPECT_THAT(journal.series.process.at("app").cgroup_memory_bytes, IsEmpty());
}

// A selector whose metric never appears is said out loud, not read as zero bad events.
TEST_F(RunTelemetryTest, WarnsAboutAMetricThatNeverAppears) {
  auto loaded = scenario();
  loaded.slos[0].bad = "outrider_proxy_request_total{code=\"5xx\"}";  // the typo
  RunTelemetry::Options options;
  options.proc = std::make_unique<NoProc>();
  auto telemetry =
      RunTelemetry::create(loaded, ctx_.get_executor(), clock_, std::move(options), {});
  ASSERT_TRUE(telemetry);
  started(**telemetry, 1);
  tick(**telemetry);
  tick(**telemetry);
  const auto journal = journalOf(**telemetry, clock_.monotonicNow(), 1);
  ASSERT_TRUE(journal.slos[0].ratio);
  EXPECT_THAT(journal.slos[0].ratio->warnings,
              ElementsAre(HasSubstr("no metric named outrider_proxy_request_total")));
}

}  // namespace
}  // namespace outrider::harness
