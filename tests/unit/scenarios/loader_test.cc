#include "outrider/scenarios/loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "loader_test_helpers.h"

namespace outrider::scenarios {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
using test::loadOrFail;
using test::MinimalScenario;
using test::withMinimal;
using testing::ElementsAre;
using testing::IsEmpty;
using testing::Pair;

constexpr const char* SpecExample = "tests/golden/scenarios/spec-example.toml";

class LoaderTest : public testing::Test {
 protected:
  Scenario loadSpecExample() {
    auto loaded = loadScenarioFile(SpecExample, LoadOptions{});
    if (!loaded) {
      for (const auto& diagnostic : loaded.error().diagnostics) {
        ADD_FAILURE() << diagnostic.format();
      }
      return Scenario{};
    }
    return *loaded;
  }
};

// The full example of spec/scenario.md is the contract: it loads with no problem at all.
TEST_F(LoaderTest, SpecExampleLoadsWithoutErrors) {
  auto loaded = loadScenarioFile(SpecExample, LoadOptions{});
  ASSERT_TRUE(loaded.has_value());
  EXPECT_EQ(loaded->file, SpecExample);
  EXPECT_FALSE(loaded->contents.empty());
}

// [scenario] fills name, description, duration and seed.
TEST_F(LoaderTest, SpecExampleHeader) {
  Scenario scenario = loadSpecExample();
  EXPECT_EQ(scenario.name, "quickstart");
  EXPECT_EQ(scenario.description,
            "Reference proxy in front of the echo app; latency, then a 503 burst, then a kill.");
  EXPECT_EQ(scenario.duration, seconds(60));
  EXPECT_EQ(scenario.seed, 42u);
}

// [app] is the process named "app" with its command, probe and restart policy.
TEST_F(LoaderTest, SpecExampleApp) {
  Scenario scenario = loadSpecExample();
  EXPECT_EQ(scenario.app.name, "app");
  EXPECT_EQ(scenario.app.role, ProcessRole::App);
  EXPECT_THAT(scenario.app.command,
              ElementsAre("${bin}/outrider-echo", "--listen", "127.0.0.1:${port.app}"));
  EXPECT_EQ(scenario.app.ready, "http://127.0.0.1:${port.app}/healthz");
  EXPECT_EQ(scenario.app.restart, RestartPolicy::Always);
  EXPECT_EQ(scenario.app.where.line, 7u);
}

// [[sidecar]] reads every key of the example, limits included.
TEST_F(LoaderTest, SpecExampleSidecar) {
  Scenario scenario = loadSpecExample();
  ASSERT_EQ(scenario.sidecars.size(), 1u);
  const ProcessSpec& proxy = scenario.sidecars[0];
  EXPECT_EQ(proxy.name, "proxy");
  EXPECT_EQ(proxy.role, ProcessRole::Sidecar);
  EXPECT_EQ(proxy.command.size(), 7u);
  EXPECT_EQ(proxy.ready, "http://127.0.0.1:${port.proxy_admin}/ready");
  EXPECT_EQ(proxy.live, "http://127.0.0.1:${port.proxy_admin}/live");
  EXPECT_EQ(proxy.metrics, "http://127.0.0.1:${port.proxy_admin}/metrics");
  EXPECT_EQ(proxy.start, StartMode::BeforeApp);
  EXPECT_EQ(proxy.restart, RestartPolicy::Always);
  EXPECT_EQ(proxy.memory_limit_bytes, 256u * 1024 * 1024);
  EXPECT_EQ(proxy.cpu_limit_cores, 0.5);
}

// [[service]] and [[link]] are read with their names, probes and endpoints.
TEST_F(LoaderTest, SpecExampleServiceAndLink) {
  Scenario scenario = loadSpecExample();
  ASSERT_EQ(scenario.services.size(), 1u);
  EXPECT_EQ(scenario.services[0].name, "control-plane");
  EXPECT_EQ(scenario.services[0].role, ProcessRole::Service);
  EXPECT_EQ(scenario.services[0].ready, "tcp://127.0.0.1:${port.control}");
  ASSERT_EQ(scenario.links.size(), 1u);
  EXPECT_EQ(scenario.links[0].name, "upstream");
  EXPECT_EQ(scenario.links[0].listen, "127.0.0.1:${port.upstream}");
  EXPECT_EQ(scenario.links[0].to, "127.0.0.1:${port.app}");
  EXPECT_EQ(scenario.links[0].protocol, LinkProtocol::Http);
}

// [load] reads target, rate, connections, warmup, timeout and method.
TEST_F(LoaderTest, SpecExampleLoad) {
  Scenario scenario = loadSpecExample();
  ASSERT_TRUE(scenario.load.has_value());
  EXPECT_EQ(scenario.load->target, "http://127.0.0.1:${port.proxy}/");
  EXPECT_EQ(scenario.load->rate, 500);
  EXPECT_EQ(scenario.load->connections, 16u);
  EXPECT_EQ(scenario.load->warmup, seconds(5));
  EXPECT_EQ(scenario.load->timeout, seconds(1));
  EXPECT_EQ(scenario.load->method, "GET");
}

// [load.tls] and requests_per_connection are read as written (placeholders resolved later).
TEST_F(LoaderTest, LoadTlsAndRequestsPerConnection) {
  Scenario scenario = loadOrFail(withMinimal(R"([load]
target = "https://127.0.0.1:${port.proxy}/"
rate = 10
requests_per_connection = 5

[load.tls]
ca = "${dir.run}/secrets/ca.pem"
cert = "certs/client.crt"
key = "certs/client.key"
server_name = "app.outrider.test"
)"));
  ASSERT_TRUE(scenario.load.has_value());
  EXPECT_EQ(scenario.load->requests_per_connection, 5u);
  ASSERT_TRUE(scenario.load->tls.has_value());
  EXPECT_EQ(scenario.load->tls->ca, "${dir.run}/secrets/ca.pem");
  EXPECT_EQ(scenario.load->tls->cert, "certs/client.crt");
  EXPECT_EQ(scenario.load->tls->key, "certs/client.key");
  EXPECT_EQ(scenario.load->tls->server_name, "app.outrider.test");
  EXPECT_EQ(scenario.load->tls->where.line, 12);
}

// Without the keys: no TLS settings (an https target is then not verified), no limit.
TEST_F(LoaderTest, LoadTlsDefaults) {
  Scenario scenario =
      loadOrFail(withMinimal("[load]\ntarget = \"https://localhost:8443/\"\nrate = 1\n"));
  ASSERT_TRUE(scenario.load.has_value());
  EXPECT_FALSE(scenario.load->tls.has_value());
  EXPECT_EQ(scenario.load->requests_per_connection, 0u);
  Scenario verify_only = loadOrFail(withMinimal(
      "[load]\ntarget = \"https://localhost:8443/\"\nrate = 1\n[load.tls]\nca = \"ca.pem\"\n"));
  ASSERT_TRUE(verify_only.load && verify_only.load->tls);
  EXPECT_EQ(verify_only.load->tls->ca, "ca.pem");
  EXPECT_TRUE(verify_only.load->tls->cert.empty());
  EXPECT_TRUE(verify_only.load->tls->server_name.empty());
}

// The three example faults keep their parameters and get "<kind>-<target>" names.
TEST_F(LoaderTest, SpecExampleFaults) {
  Scenario scenario = loadSpecExample();
  ASSERT_EQ(scenario.faults.size(), 3u);
  const Fault& latency = scenario.faults[0];
  EXPECT_EQ(latency.name, "latency-upstream");
  EXPECT_EQ(latency.kind, FaultKind::Latency);
  EXPECT_EQ(latency.target, "upstream");
  EXPECT_EQ(latency.at, seconds(15));
  EXPECT_EQ(latency.duration, seconds(10));
  EXPECT_EQ(latency.latency, milliseconds(150));
  EXPECT_EQ(latency.jitter, milliseconds(10));
  EXPECT_EQ(latency.probability, 1.0);
  EXPECT_EQ(latency.direction, Direction::Downstream);
  const Fault& abort = scenario.faults[1];
  EXPECT_EQ(abort.name, "http-abort-upstream");
  EXPECT_EQ(abort.kind, FaultKind::HttpAbort);
  EXPECT_EQ(abort.status, 503);
  EXPECT_EQ(abort.probability, 0.5);
  const Fault& kill = scenario.faults[2];
  EXPECT_EQ(kill.name, "kill-proxy");
  EXPECT_EQ(kill.kind, FaultKind::Kill);
  EXPECT_EQ(kill.signal, 9);
  EXPECT_EQ(kill.signal_name, "SIGKILL");
  EXPECT_FALSE(kill.duration.has_value());
}

// SLOs, alerting and gate take the example's values and the spec's defaults.
TEST_F(LoaderTest, SpecExampleObjectives) {
  Scenario scenario = loadSpecExample();
  ASSERT_EQ(scenario.slos.size(), 2u);
  EXPECT_EQ(scenario.slos[0].name, "availability");
  EXPECT_EQ(scenario.slos[0].sli, SliKind::Availability);
  EXPECT_EQ(scenario.slos[0].objective, 0.999);
  EXPECT_EQ(scenario.slos[0].period, hours(24 * 30));
  EXPECT_EQ(scenario.slos[1].sli, SliKind::Latency);
  EXPECT_EQ(scenario.slos[1].threshold, milliseconds(100));
  EXPECT_EQ(scenario.alerting.policy, AlertPolicy::SreWorkbook);
  EXPECT_EQ(scenario.alerting.history, AlertHistory::Clean);
  EXPECT_EQ(scenario.alerting.rules.size(), 4u);
  EXPECT_THAT(scenario.gate.fail_on, ElementsAre(FindingKind::Objective, FindingKind::Page));
  EXPECT_EQ(scenario.gate.max_budget_consumed, 0.05);
  EXPECT_EQ(scenario.gate.min_events, 100u);
}

// Absent keys take the spec's defaults: restart always, start before-app, sre-workbook, 30d.
TEST_F(LoaderTest, MinimalScenarioTakesDefaults) {
  Scenario scenario = loadOrFail(MinimalScenario);
  EXPECT_EQ(scenario.app.restart, RestartPolicy::Always);
  EXPECT_EQ(scenario.app.ready_timeout, seconds(30));
  EXPECT_EQ(scenario.app.termination_grace, seconds(5));
  EXPECT_EQ(scenario.app.restart_backoff, seconds(10));
  EXPECT_FALSE(scenario.seed.has_value());
  EXPECT_FALSE(scenario.load.has_value());
  EXPECT_EQ(scenario.alerting.policy, AlertPolicy::SreWorkbook);
  EXPECT_EQ(scenario.alerting.rules.size(), 4u);
  EXPECT_THAT(scenario.gate.fail_on, ElementsAre(FindingKind::Objective, FindingKind::Page));
  EXPECT_EQ(scenario.gate.min_events, 100u);
}

// The process extensions (timeouts, back-off, env) are read.
TEST_F(LoaderTest, ProcessExtensions) {
  Scenario scenario = loadOrFail(withMinimal(R"(ready_timeout = "2m"
termination_grace = "250ms"
restart_backoff = "1s"
restart = "on-failure"
env = { LOG_LEVEL = "debug", HOME_DIR = "${dir.run}" }
)"));
  EXPECT_EQ(scenario.app.ready_timeout, minutes(2));
  EXPECT_EQ(scenario.app.termination_grace, milliseconds(250));
  EXPECT_EQ(scenario.app.restart_backoff, seconds(1));
  EXPECT_EQ(scenario.app.restart, RestartPolicy::OnFailure);
  EXPECT_THAT(scenario.app.env,
              ElementsAre(Pair("HOME_DIR", "${dir.run}"), Pair("LOG_LEVEL", "debug")));
}

// A with-app sidecar keeps its start mode; processes() lists services, sidecars, then the app.
TEST_F(LoaderTest, ProcessOrder) {
  Scenario scenario = loadOrFail(withMinimal(R"(
[[sidecar]]
name = "late"
command = ["late"]
start = "with-app"

[[service]]
name = "cp"
command = ["cp"]
)"));
  ASSERT_EQ(scenario.sidecars.size(), 1u);
  EXPECT_EQ(scenario.sidecars[0].start, StartMode::WithApp);
  auto processes = scenario.processes();
  ASSERT_EQ(processes.size(), 3u);
  EXPECT_EQ(processes[0]->name, "cp");
  EXPECT_EQ(processes[1]->name, "late");
  EXPECT_EQ(processes[2]->name, "app");
}

// Default fault names are made unique with -2, -3 and avoid explicit names.
TEST_F(LoaderTest, DefaultFaultNamesAreUnique) {
  Scenario scenario = loadOrFail(withMinimal(R"(
[[fault]]
kind = "kill"
target = "app"

[[fault]]
name = "kill-app-2"
kind = "kill"
target = "app"

[[fault]]
kind = "kill"
target = "app"
)"));
  ASSERT_EQ(scenario.faults.size(), 3u);
  EXPECT_EQ(scenario.faults[0].name, "kill-app");
  EXPECT_EQ(scenario.faults[1].name, "kill-app-2");
  EXPECT_EQ(scenario.faults[2].name, "kill-app-3");
}

// A kill signal may be written "SIGTERM", "TERM" or as its number.
TEST_F(LoaderTest, KillSignalSpellings) {
  Scenario scenario = loadOrFail(withMinimal(R"(
[[fault]]
kind = "kill"
target = "app"
signal = "TERM"

[[fault]]
kind = "kill"
target = "app"
signal = 2

[[fault]]
kind = "kill"
target = "app"
signal = "SIGSTOP"
)"));
  ASSERT_EQ(scenario.faults.size(), 3u);
  EXPECT_EQ(scenario.faults[0].signal, 15);
  EXPECT_EQ(scenario.faults[0].signal_name, "SIGTERM");
  EXPECT_EQ(scenario.faults[1].signal, 2);
  EXPECT_EQ(scenario.faults[1].signal_name, "SIGINT");
  EXPECT_EQ(scenario.faults[2].signal_name, "SIGSTOP");
}

// Every link fault kind reads its own parameters.
TEST_F(LoaderTest, LinkFaultParameters) {
  Scenario scenario = loadOrFail(withMinimal(R"(
[[link]]
name = "l"
listen = "127.0.0.1:${port.l}"
to = "127.0.0.1:${port.app}"

[[fault]]
kind = "bandwidth"
target = "l"
rate = "64KiB/s"
direction = "both"

[[fault]]
kind = "reset"
target = "l"
after = "2s"

[[fault]]
kind = "slicer"
target = "l"
average_size = "1KiB"
size_variation = "100B"
delay = "5ms"

[[fault]]
kind = "limit-data"
target = "l"
bytes = "10KB"
direction = "upstream"

[[fault]]
kind = "slow-close"
target = "l"
delay = "3s"

[[fault]]
kind = "blackhole"
target = "l"

[[fault]]
kind = "refuse"
target = "l"
duration = "1s"
)"));
  ASSERT_EQ(scenario.faults.size(), 7u);
  EXPECT_EQ(scenario.faults[0].rate_bytes_per_s, 65536u);
  EXPECT_EQ(scenario.faults[0].direction, Direction::Both);
  EXPECT_EQ(scenario.faults[1].after, seconds(2));
  EXPECT_EQ(scenario.faults[2].average_size, 1024u);
  EXPECT_EQ(scenario.faults[2].size_variation, 100u);
  EXPECT_EQ(scenario.faults[2].delay, milliseconds(5));
  EXPECT_EQ(scenario.faults[3].bytes, 10000u);
  EXPECT_EQ(scenario.faults[3].direction, Direction::Upstream);
  EXPECT_EQ(scenario.faults[4].delay, seconds(3));
  EXPECT_EQ(scenario.faults[5].kind, FaultKind::Blackhole);
  EXPECT_EQ(scenario.faults[6].duration, seconds(1));
}

// Every process, certificate, control-plane and start-up fault reads its parameters.
TEST_F(LoaderTest, ProcessFaultParameters) {
  Scenario scenario = loadOrFail(withMinimal(R"(
[[sidecar]]
name = "proxy"
command = ["proxy"]

[[service]]
name = "control"
command = ["outrider-control"]
metrics = "http://127.0.0.1:7/metrics"

[[fault]]
kind = "oom"
target = "proxy"
limit = "64MiB"

[[fault]]
kind = "cpu-starve"
target = "proxy"
share = 0.1

[[fault]]
kind = "cert-expiry"
target = "control"
ttl = "30s"
duration = "10s"

[[fault]]
kind = "clock-skew"
target = "proxy"
skew = "-5m"

[[fault]]
kind = "control-plane-outage"
target = "control"
mode = "slow"
delay = "2s"

[[fault]]
kind = "startup-race"
target = "proxy"
mode = "sidecar-crash-on-start"
times = 3

[[fault]]
kind = "crashloop"
target = "proxy"
duration = "10s"

[[fault]]
kind = "cert-wrong-ca"
target = "control"
at = "50s"

[[fault]]
kind = "clock-skew"
target = "control"
skew = "+30m"
)"));
  ASSERT_EQ(scenario.faults.size(), 9u);
  EXPECT_EQ(scenario.faults[0].limit_bytes, 64u * 1024 * 1024);
  EXPECT_EQ(scenario.faults[1].share, 0.1);
  EXPECT_EQ(scenario.faults[2].ttl, seconds(30));
  EXPECT_EQ(scenario.faults[3].skew, -minutes(5));
  EXPECT_EQ(scenario.faults[4].control_plane_mode, ControlPlaneMode::Slow);
  EXPECT_EQ(scenario.faults[4].delay, seconds(2));
  EXPECT_EQ(scenario.faults[5].startup_race_mode, StartupRaceMode::SidecarCrashOnStart);
  EXPECT_EQ(scenario.faults[5].times, 3u);
  EXPECT_EQ(scenario.faults[6].duration, seconds(10));
  EXPECT_EQ(scenario.faults[7].kind, FaultKind::CertWrongCa);
  EXPECT_EQ(scenario.faults[8].skew, minutes(30));  // the spec's "+30m"
}

// pod-restart needs no target; app-first and sidecar-exits-first take an optional delay.
TEST_F(LoaderTest, PodRestartAndStartupRaceDelays) {
  Scenario scenario = loadOrFail(withMinimal(R"(
[[sidecar]]
name = "proxy"
command = ["proxy"]

[[fault]]
kind = "pod-restart"
at = "5s"

[[fault]]
kind = "pod-restart"
target = "proxy"

[[fault]]
kind = "startup-race"
target = "proxy"
mode = "app-first"

[[fault]]
kind = "startup-race"
target = "proxy"
mode = "app-first"
delay = "2s"

[[fault]]
kind = "startup-race"
target = "proxy"
mode = "sidecar-exits-first"
delay = "500ms"
)"));
  ASSERT_EQ(scenario.faults.size(), 5u);
  EXPECT_EQ(scenario.faults[0].kind, FaultKind::PodRestart);
  EXPECT_EQ(scenario.faults[0].target, "");
  EXPECT_EQ(scenario.faults[0].name, "pod-restart");
  EXPECT_FALSE(scenario.faults[0].hasSpan());
  EXPECT_EQ(scenario.faults[1].name, "pod-restart-proxy");
  EXPECT_EQ(scenario.faults[2].delay, seconds(0));
  EXPECT_EQ(scenario.faults[3].delay, seconds(2));
  EXPECT_EQ(scenario.faults[4].startup_race_mode, StartupRaceMode::SidecarExitsFirst);
  EXPECT_EQ(scenario.faults[4].delay, milliseconds(500));
}

// A ratio SLI reads its source and selectors.
TEST_F(LoaderTest, RatioSlo) {
  Scenario scenario = loadOrFail(withMinimal(R"(metrics = "http://127.0.0.1:${port.app}/metrics"

[[slo]]
name = "upstream-errors"
sli = "ratio"
source = "app"
bad = "requests_total{code=~\"5..\"}"
total = "requests_total"
objective = 0.99
period = "7d"
)"));
  ASSERT_EQ(scenario.slos.size(), 1u);
  const Slo& slo = scenario.slos[0];
  EXPECT_EQ(slo.sli, SliKind::Ratio);
  EXPECT_EQ(slo.source, "app");
  EXPECT_EQ(slo.bad, "requests_total{code=~\"5..\"}");
  EXPECT_EQ(slo.good, "");
  EXPECT_EQ(slo.total, "requests_total");
  EXPECT_EQ(slo.period, hours(24 * 7));
}

// [[alerting.rule]] without a policy selects the "rules" policy with exactly those rules.
TEST_F(LoaderTest, ExplicitAlertRules) {
  Scenario scenario = loadOrFail(withMinimal(R"(
[alerting]
history = "none"

[[alerting.rule]]
severity = "page"
long = "1h"
short = "5m"
factor = 10
)"));
  EXPECT_EQ(scenario.alerting.policy, AlertPolicy::Rules);
  EXPECT_EQ(scenario.alerting.history, AlertHistory::None);
  ASSERT_EQ(scenario.alerting.rules.size(), 1u);
  EXPECT_EQ(scenario.alerting.rules[0].severity, "page");
  EXPECT_EQ(scenario.alerting.rules[0].long_window, hours(1));
  EXPECT_EQ(scenario.alerting.rules[0].short_window, minutes(5));
  EXPECT_EQ(scenario.alerting.rules[0].factor, 10.0);
}

// [gate] reads fail_on, min_events and the budget bound.
TEST_F(LoaderTest, GateKeys) {
  Scenario scenario = loadOrFail(withMinimal(R"(
[gate]
fail_on = ["ticket", "budget"]
max_budget_consumed = 1
min_events = 5
)"));
  EXPECT_THAT(scenario.gate.fail_on, ElementsAre(FindingKind::Ticket, FindingKind::Budget));
  EXPECT_EQ(scenario.gate.max_budget_consumed, 1.0);
  EXPECT_EQ(scenario.gate.min_events, 5u);
}

// Load headers and body are kept; header order follows the table's key order.
TEST_F(LoaderTest, LoadHeadersAndBody) {
  Scenario scenario = loadOrFail(withMinimal(R"(
[load]
target = "http://127.0.0.1:${port.app}/post"
rate = 2.5
method = "POST"
body = "{}"
headers = { Content-Type = "application/json", Accept = "*/*" }
)"));
  ASSERT_TRUE(scenario.load.has_value());
  EXPECT_EQ(scenario.load->rate, 2.5);
  EXPECT_EQ(scenario.load->method, "POST");
  EXPECT_EQ(scenario.load->body, "{}");
  EXPECT_THAT(scenario.load->headers,
              ElementsAre(Pair("Accept", "*/*"), Pair("Content-Type", "application/json")));
}

// A set environment variable satisfies ${env.NAME}.
TEST_F(LoaderTest, SetEnvironmentVariableIsAccepted) {
  LoadOptions options;
  options.env = test::fakeEnv({{"TOKEN", "abc"}});
  Scenario scenario = loadOrFail(withMinimal("env = { T = \"${env.TOKEN}\" }\n"), options);
  EXPECT_EQ(scenario.app.env.at("T"), "${env.TOKEN}");
}

// A probe whose port comes from an environment variable is checked with that value.
TEST_F(LoaderTest, ProbePortFromEnvironment) {
  LoadOptions options;
  options.env = test::fakeEnv({{"APP_PORT", "8080"}});
  Scenario scenario =
      loadOrFail(withMinimal("ready = \"tcp://127.0.0.1:${env.APP_PORT}\"\n"), options);
  EXPECT_EQ(scenario.app.ready, "tcp://127.0.0.1:${env.APP_PORT}");
}

// A file that does not exist is one diagnostic naming the file.
TEST_F(LoaderTest, MissingFile) {
  auto loaded = loadScenarioFile("tests/golden/scenarios/no-such-file.toml", LoadOptions{});
  ASSERT_FALSE(loaded.has_value());
  ASSERT_EQ(loaded.error().diagnostics.size(), 1u);
  EXPECT_EQ(loaded.error().diagnostics[0].format(),
            "tests/golden/scenarios/no-such-file.toml: error: cannot read file: No such file or "
            "directory");
}

// Diagnostic::format() prints file:line:col: error: key: message.
TEST_F(LoaderTest, DiagnosticFormat) {
  Diagnostic diagnostic{SourceLocation{"a.toml", 12, 9}, "fault[1].duration", "bad"};
  EXPECT_EQ(diagnostic.format(), "a.toml:12:9: error: fault[1].duration: bad");
}

// Loading never throws and keeps no state: the same text gives the same result twice.
TEST_F(LoaderTest, LoadingIsRepeatable) {
  auto first = test::problemsIn("[scenario]\nname = 1\n");
  auto second = test::problemsIn("[scenario]\nname = 1\n");
  EXPECT_EQ(first, second);
  EXPECT_THAT(test::problemsIn(MinimalScenario), IsEmpty());
}

// toml++ 3.3.0 reaches an "unreachable" branch for a code point like U+00E9 after a line-ending
// backslash (marzer/tomlplusplus#190; the fuzz build steps over it, see
// tests/fuzz/sanitizer-ignorelist.txt). The shared library outrider links reads it right.
TEST_F(LoaderTest, NonAsciiAfterLineEndingBackslash) {
  Scenario scenario = loadOrFail(
      "[scenario]\nname = \"t\"\nduration = \"1s\"\ndescription = \"\"\"\\\n   \u00e9t\u00e9 "
      "\u3042\"\"\"\n[app]\ncommand = [\"a\"]\n");
  EXPECT_EQ(scenario.description, "\u00e9t\u00e9 \u3042");
  EXPECT_THAT(test::problemsIn(withMinimal("[a.b\u048b]\n")),
              ElementsAre("t.toml:7:5: error: Error while parsing table header: expected ']', saw "
                          "'\u048b'"));
}

// [load.expect] as written: codes and classes, header names as given, the body substring.
TEST_F(LoaderTest, LoadExpect) {
  Scenario scenario = loadOrFail(withMinimal(R"([load]
target = "http://127.0.0.1:${port.proxy}/"
rate = 10

[load.expect]
status = ["2xx", 304]
headers = {"X-Served-By" = "app", content-type = "text/plain"}
body_contains = "ok"
)"));
  ASSERT_TRUE(scenario.load && scenario.load->expect);
  const LoadExpect& expect = *scenario.load->expect;
  EXPECT_THAT(expect.status, testing::ElementsAre(StatusMatch{0, 2}, StatusMatch{304, 0}));
  ASSERT_EQ(expect.headers.size(), 2u);
  EXPECT_EQ(expect.headers[0].first, "X-Served-By");
  EXPECT_EQ(expect.headers[0].second, "app");
  EXPECT_EQ(expect.headers[1].first, "content-type");
  EXPECT_EQ(expect.body_contains, "ok");
  EXPECT_EQ(expect.where.line, 11);
  // Without the table: nothing is expected (every full reply is correct).
  Scenario plain = loadOrFail(withMinimal("[load]\ntarget = \"http://127.0.0.1:1/\"\nrate = 1\n"));
  ASSERT_TRUE(plain.load.has_value());
  EXPECT_FALSE(plain.load->expect.has_value());
}

}  // namespace
}  // namespace outrider::scenarios
