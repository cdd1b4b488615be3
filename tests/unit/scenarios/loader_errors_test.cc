#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <initializer_list>
#include <sstream>
#include <utility>

#include "loader_test_helpers.h"
#include "outrider/scenarios/loader.h"

namespace outrider::scenarios {
namespace {

using test::problemsIn;
using test::withMinimal;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;

// outrider-control (its admin listener behind a metrics URL), a service without one and a link
// in front of the control plane: the targets of the control-plane faults' tests.
constexpr const char* ControlPlanePod =
    "[[service]]\nname = \"control\"\ncommand = [\"c\"]\nmetrics = \"http://127.0.0.1:7/m\"\n"
    "[[service]]\nname = \"bare\"\ncommand = [\"c\"]\n"
    "[[link]]\nname = \"to-control\"\nlisten = \"127.0.0.1:1\"\nto = \"127.0.0.1:2\"\n";

// Line 7 is the first line after MinimalScenario, which ends inside [app].
class LoaderErrorsTest : public testing::Test {
 protected:
  // For each (keys, problem): MinimalScenario, then `common`, then those keys has that one
  // problem and no other.
  static void expectEachAlone(const std::string& common,
                              std::initializer_list<std::pair<std::string, std::string>> cases) {
    for (const auto& [keys, problem] : cases) {
      EXPECT_THAT(problemsIn(withMinimal(common + keys)), ElementsAre(problem)) << keys;
    }
  }
};

// A TOML syntax error is reported at toml++'s position in the same format.
TEST_F(LoaderErrorsTest, SyntaxError) {
  EXPECT_THAT(problemsIn("[scenario]\nname = \n"),
              ElementsAre("t.toml:2:8: error: Error while parsing key-value pair: expected "
                          "value, saw '\\n'"));
}

// A misspelt key is unknown and the closest valid key is suggested, at the key itself.
TEST_F(LoaderErrorsTest, UnknownKeyWithSuggestion) {
  EXPECT_THAT(problemsIn("[scenario]\nname = \"t\"\ndurration = \"60s\"\n[app]\ncommand = "
                         "[\"a\"]\n"),
              ElementsAre("t.toml:1:1: error: scenario.duration: missing required key",
                          "t.toml:3:1: error: scenario.durration: unknown key (did you mean "
                          "'duration'?)"));
}

// A key far from every valid key gets no suggestion.
TEST_F(LoaderErrorsTest, UnknownKeyWithoutSuggestion) {
  EXPECT_THAT(problemsIn(withMinimal("colour = \"blue\"\n")),
              ElementsAre("t.toml:7:1: error: app.colour: unknown key"));
}

// An unknown top-level table is an unknown key too.
TEST_F(LoaderErrorsTest, UnknownSection) {
  EXPECT_THAT(problemsIn(withMinimal("[[slos]]\nname = \"x\"\n")),
              ElementsAre("t.toml:7:3: error: slos: unknown key (did you mean 'slo'?)"));
}

// A number where a duration belongs names both the expectation and what was found.
TEST_F(LoaderErrorsTest, DurationTypeError) {
  EXPECT_THAT(problemsIn("[scenario]\nname = \"t\"\nduration = 10\n[app]\ncommand = [\"a\"]\n"),
              ElementsAre("t.toml:3:1: error: scenario.duration: expected a duration like "
                          "\"10s\", got integer 10"));
}

// A duration string without a unit is rejected with the accepted units.
TEST_F(LoaderErrorsTest, DurationWithoutUnit) {
  EXPECT_THAT(problemsIn("[scenario]\nname = \"t\"\nduration = \"60\"\n[app]\ncommand = "
                         "[\"a\"]\n"),
              ElementsAre("t.toml:3:1: error: scenario.duration: invalid duration \"60\" (a "
                          "number and a unit: ns, us, ms, s, m, h or d, like \"1m30s\")"));
}

// [scenario] and [app] are required; their absence is reported at the top of the file.
TEST_F(LoaderErrorsTest, MissingRequiredTables) {
  EXPECT_THAT(problemsIn("[gate]\nmin_events = 1\n"),
              ElementsAre("t.toml:1:1: error: scenario: missing required table [scenario]",
                          "t.toml:1:1: error: app: missing required table [app]"));
}

// The scenario name must be lowercase letters, digits and '-'.
TEST_F(LoaderErrorsTest, InvalidScenarioName) {
  EXPECT_THAT(problemsIn("[scenario]\nname = \"Quick Start\"\nduration = \"1s\"\n[app]\n"
                         "command = [\"a\"]\n"),
              ElementsAre("t.toml:2:1: error: scenario.name: invalid name \"Quick Start\" (use "
                          "lowercase letters, digits and '-', like \"quickstart\")"));
}

// A command must be a non-empty array of strings; a wrong element is located at itself.
TEST_F(LoaderErrorsTest, CommandShape) {
  EXPECT_THAT(problemsIn("[scenario]\nname = \"t\"\nduration = \"1s\"\n[app]\ncommand = "
                         "[\"a\", 2]\n[[sidecar]]\nname = \"s\"\ncommand = []\n"),
              ElementsAre("t.toml:5:17: error: app.command[1]: expected a string, got integer 2",
                          "t.toml:8:1: error: sidecar[0].command: must name a program, like "
                          "[\"${bin}/outrider-echo\"]"));
}

// A probe must have an explicit port; a placeholder counts as one.
TEST_F(LoaderErrorsTest, ProbeWithoutPort) {
  EXPECT_THAT(problemsIn(withMinimal("ready = \"http://127.0.0.1:${port.app}/healthz\"\n"
                                     "[[sidecar]]\nname = \"p\"\ncommand = [\"p\"]\n"
                                     "ready = \"http://127.0.0.1/ready\"\n")),
              ElementsAre("t.toml:11:1: error: sidecar[0].ready: \"http://127.0.0.1/ready\" "
                          "names no port"));
}

// A probe with another scheme is rejected.
TEST_F(LoaderErrorsTest, ProbeScheme) {
  EXPECT_THAT(problemsIn(withMinimal("live = \"udp://127.0.0.1:9\"\n")),
              ElementsAre("t.toml:7:1: error: app.live: \"udp://127.0.0.1:9\" is not an http://, "
                          "https:// or tcp:// URL"));
}

// Metrics are scraped over HTTP, so a tcp:// metrics URL is an error.
TEST_F(LoaderErrorsTest, MetricsNeedHttp) {
  EXPECT_THAT(problemsIn(withMinimal("metrics = \"tcp://127.0.0.1:${port.m}\"\n")),
              ElementsAre("t.toml:7:1: error: app.metrics: expected an http:// or https:// URL "
                          "for metrics, got \"tcp://127.0.0.1:${port.m}\""));
}

// Unknown placeholders and unset environment variables are errors at their key.
TEST_F(LoaderErrorsTest, PlaceholderErrors) {
  EXPECT_THAT(
      problemsIn(withMinimal("env = { A = \"${prot.app}\", B = \"${env.NOPE}\", C = \"${bin\" "
                             "}\n")),
      ElementsAre("t.toml:7:9: error: app.env.A: unknown placeholder '${prot.app}' (expected "
                  "${port.NAME}, ${bin}, ${dir.scenario}, ${dir.run} or ${env.NAME})",
                  "t.toml:7:28: error: app.env.B: environment variable NOPE is not set (used as "
                  "${env.NOPE})",
                  "t.toml:7:47: error: app.env.C: unterminated placeholder '${bin' (expected "
                  "${port.NAME}, ${bin}, ${dir.scenario}, ${dir.run} or ${env.NAME})"));
}

// An enum value near a valid one gets "did you mean"; a far one lists the choices.
TEST_F(LoaderErrorsTest, InvalidChoice) {
  EXPECT_THAT(problemsIn(withMinimal("restart = \"alwas\"\n[[sidecar]]\nname = \"s\"\n"
                                     "command = [\"s\"]\nstart = \"later\"\n")),
              ElementsAre("t.toml:7:1: error: app.restart: invalid value \"alwas\" (did you mean "
                          "'always'?)",
                          "t.toml:11:1: error: sidecar[0].start: invalid value \"later\" "
                          "(expected before-app or with-app)"));
}

// Sizes and CPU limits are checked.
TEST_F(LoaderErrorsTest, ResourceLimits) {
  EXPECT_THAT(problemsIn(withMinimal("memory_limit = \"256M\"\ncpu_limit = 0\n")),
              ElementsAre("t.toml:7:1: error: app.memory_limit: invalid size \"256M\" (a number "
                          "and a unit: B, KB, MB, GB, KiB, MiB, GiB or TiB, like \"256MiB\")",
                          "t.toml:8:1: error: app.cpu_limit: must be greater than 0 cores, got 0"));
}

// A fault target that names nothing suggests the closest link.
TEST_F(LoaderErrorsTest, UnknownFaultTarget) {
  EXPECT_THAT(problemsIn(withMinimal("[[link]]\nname = \"upstream\"\nlisten = \"127.0.0.1:1\"\n"
                                     "to = \"127.0.0.1:2\"\n[[fault]]\nkind = \"latency\"\n"
                                     "target = \"upstrem\"\nlatency = \"1s\"\n")),
              ElementsAre("t.toml:13:1: error: fault[0].target: no link or process named "
                          "'upstrem' (did you mean 'upstream'?)"));
}

// A link fault aimed at a process is an error.
TEST_F(LoaderErrorsTest, LinkFaultOnProcess) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"latency\"\ntarget = \"app\"\n"
                                     "latency = \"1s\"\n")),
              ElementsAre("t.toml:9:1: error: fault[0].target: fault kind 'latency' acts on a "
                          "link, but 'app' is the app"));
}

// A process fault aimed at a link is an error.
TEST_F(LoaderErrorsTest, ProcessFaultOnLink) {
  EXPECT_THAT(problemsIn(withMinimal("[[link]]\nname = \"l\"\nlisten = \"127.0.0.1:1\"\n"
                                     "to = \"127.0.0.1:2\"\n[[fault]]\nkind = \"kill\"\n"
                                     "target = \"l\"\n")),
              ElementsAre("t.toml:13:1: error: fault[0].target: fault kind 'kill' acts on a "
                          "process, but 'l' is a link"));
}

// http-abort needs an http link.
TEST_F(LoaderErrorsTest, HttpAbortOnTcpLink) {
  EXPECT_THAT(problemsIn(withMinimal("[[link]]\nname = \"l\"\nlisten = \"127.0.0.1:1\"\n"
                                     "to = \"127.0.0.1:2\"\n[[fault]]\nkind = \"http-abort\"\n"
                                     "target = \"l\"\n")),
              ElementsAre("t.toml:13:1: error: fault[0].target: fault kind 'http-abort' needs an "
                          "http link, but link 'l' has protocol = \"tcp\""));
}

// misroute needs its `to`, as host:port, and a tcp link (it moves whole connections).
TEST_F(LoaderErrorsTest, MisrouteNeedsToAnAddress) {
  const std::string link =
      "[[link]]\nname = \"l\"\nlisten = \"127.0.0.1:1\"\nto = \"127.0.0.1:2\"\n";
  EXPECT_THAT(problemsIn(withMinimal(link + "[[fault]]\nkind = \"misroute\"\ntarget = \"l\"\n")),
              ElementsAre("t.toml:11:1: error: fault[0].to: missing required key"));
  EXPECT_THAT(problemsIn(withMinimal(
                  link + "[[fault]]\nkind = \"misroute\"\ntarget = \"l\"\nto = \"x\"\n")),
              ElementsAre("t.toml:14:1: error: fault[0].to: \"x\" names no port (expected "
                          "host:port, like \"127.0.0.1:${port.app}\")"));
  EXPECT_THAT(problemsIn(withMinimal(link + "[[fault]]\nkind = \"misroute\"\ntarget = \"l\"\n"
                                            "to = \"localhost:${port.app}\"\n")),
              ElementsAre("t.toml:14:1: error: fault[0].to: misroute sends traffic to an IP "
                          "address and port, not a name (\"localhost\")"));
  // On an http link it misroutes requests: accepted.
  EXPECT_THAT(
      problemsIn(withMinimal("[[link]]\nname = \"l\"\nlisten = \"127.0.0.1:1\"\n"
                             "to = \"127.0.0.1:2\"\nprotocol = \"http\"\n[[fault]]\n"
                             "kind = \"misroute\"\ntarget = \"l\"\nto = \"127.0.0.1:3\"\n")),
      IsEmpty());
}

// A key of another fault kind does not apply.
TEST_F(LoaderErrorsTest, KeyOfAnotherFaultKind) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"kill\"\ntarget = \"app\"\n"
                                     "jitter = \"1s\"\n")),
              ElementsAre("t.toml:10:1: error: fault[0].jitter: key 'jitter' does not apply to "
                          "fault kind 'kill'"));
}

// A fault's own required parameter is missing: reported at its [[fault]] header.
TEST_F(LoaderErrorsTest, MissingFaultParameter) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"oom\"\ntarget = \"app\"\n")),
              ElementsAre("t.toml:7:1: error: fault[0].limit: missing required key"));
}

// A fault that starts at or after the end of the run is an error.
TEST_F(LoaderErrorsTest, FaultAtEndOfRun) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"pause\"\ntarget = \"app\"\n"
                                     "at = \"60s\"\nduration = \"1h\"\n")),
              ElementsAre("t.toml:10:1: error: fault[0].at: 1m is not before the end of the run "
                          "(duration = 1m)"));
}

// A fault's duration may run past the end of the run: it is clipped, not rejected.
TEST_F(LoaderErrorsTest, FaultDurationPastEndIsAllowed) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"pause\"\ntarget = \"app\"\n"
                                     "at = \"59s\"\nduration = \"1h\"\n")),
              IsEmpty());
}

// Probability must lie in [0, 1].
TEST_F(LoaderErrorsTest, ProbabilityRange) {
  EXPECT_THAT(problemsIn(withMinimal("[[link]]\nname = \"l\"\nlisten = \"127.0.0.1:1\"\n"
                                     "to = \"127.0.0.1:2\"\n[[fault]]\nkind = \"blackhole\"\n"
                                     "target = \"l\"\nprobability = 1.5\n")),
              ElementsAre("t.toml:14:1: error: fault[0].probability: must be between 0 and 1 "
                          "(inclusive), got 1.5"));
}

// A kill signal that names no signal is an error.
TEST_F(LoaderErrorsTest, UnknownSignal) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"kill\"\ntarget = \"app\"\n"
                                     "signal = \"SIGFOO\"\n")),
              ElementsAre("t.toml:10:1: error: fault[0].signal: unknown signal "
                          "\"SIGFOO\" (expected a name like \"SIGTERM\" or \"KILL\", or a "
                          "number)"));
}

// Mode-specific keys of startup-race only apply to their mode.
TEST_F(LoaderErrorsTest, StartupRaceModeKeys) {
  EXPECT_THAT(problemsIn(withMinimal("[[sidecar]]\nname = \"s\"\ncommand = [\"s\"]\n"
                                     "[[fault]]\nkind = \"startup-race\"\ntarget = \"s\"\n"
                                     "mode = \"app-first\"\ntimes = 2\n")),
              ElementsAre("t.toml:14:1: error: fault[0].times: key 'times' does not apply to "
                          "mode \"app-first\" (only to mode \"sidecar-crash-on-start\")"));
}

// oom's `rate` belongs to mode "pressure", cpu-starve's `workers` to mode "hog"; each is checked.
TEST_F(LoaderErrorsTest, ResourceFaultModeKeys) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"oom\"\ntarget = \"app\"\n"
                                     "limit = \"64MiB\"\nrate = \"1MiB/s\"\n")),
              ElementsAre("t.toml:11:1: error: fault[0].rate: key 'rate' does not apply to mode "
                          "\"cap\" (only to mode \"pressure\")"));
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"oom\"\ntarget = \"app\"\n"
                                     "limit = \"64MiB\"\nmode = \"pressure\"\nrate = \"0B/s\"\n")),
              ElementsAre("t.toml:12:1: error: fault[0].rate: must be greater than 0B/s"));
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"oom\"\ntarget = \"app\"\n"
                                     "limit = \"64MiB\"\nmode = \"leak\"\n")),
              ElementsAre(HasSubstr("fault[0].mode: ")));
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"cpu-starve\"\ntarget = \"app\"\n"
                                     "share = 0.5\nworkers = 2\n")),
              ElementsAre("t.toml:11:1: error: fault[0].workers: key 'workers' does not apply to "
                          "mode \"quota\" (only to mode \"hog\")"));
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"cpu-starve\"\ntarget = \"app\"\n"
                                     "share = 0.5\nmode = \"hog\"\nworkers = 0\n")),
              ElementsAre("t.toml:12:1: error: fault[0].workers: must be between 1 and 64, got 0"));
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"cpu-starve\"\ntarget = \"app\"\n"
                                     "share = 0.5\nmode = \"hog\"\nworkers = 3\n")),
              IsEmpty());
}

// bad_status lists codes and classes, always with 5xx, and belongs to request SLIs only.
TEST_F(LoaderErrorsTest, BadStatus) {
  const std::string slo = "[[slo]]\nname = \"a\"\nsli = \"availability\"\nobjective = 0.99\n";
  EXPECT_THAT(problemsIn(withMinimal(slo + "bad_status = [401]\n")),
              ElementsAre("t.toml:11:1: error: slo[0].bad_status: must include \"5xx\": a server "
                          "error is never a good reply (list what is bad besides it, like "
                          "[\"5xx\", 401])"));
  EXPECT_THAT(problemsIn(withMinimal(slo + "bad_status = [\"5xx\", 700, \"6xx\", \"5xx\"]\n")),
              ElementsAre(HasSubstr("t.toml:11:22: error: slo[0].bad_status[1]: expected a status "
                                    "code 100..599"),
                          HasSubstr("t.toml:11:27: error: slo[0].bad_status[2]: expected"),
                          HasSubstr("slo[0].bad_status[3]: \"5xx\" is listed twice")));
  EXPECT_THAT(problemsIn(withMinimal(slo + "bad_status = \"401\"\n")),
              ElementsAre(HasSubstr("slo[0].bad_status: expected an array")));
  EXPECT_THAT(problemsIn(withMinimal(slo + "bad_status = [\"5xx\", 401, \"429\", \"4xx\"]\n")),
              IsEmpty());
  EXPECT_THAT(problemsIn(withMinimal(
                  "[[slo]]\nname = \"r\"\nsli = \"ratio\"\nobjective = 0.99\nsource = \"app\"\n"
                  "total = \"x\"\nbad = \"y\"\nbad_status = [\"5xx\"]\n")),
              testing::Contains(HasSubstr("key 'bad_status' applies to sli = \"availability\"")));
}

// control-plane-outage: error needs outrider-control's own switch; on a process it needs the
// admin listener (its metrics URL); never the app.
TEST_F(LoaderErrorsTest, ControlPlaneOutageTargets) {
  const std::string control = ControlPlanePod;
  const std::string fault = "[[fault]]\nkind = \"control-plane-outage\"\n";
  EXPECT_THAT(
      problemsIn(withMinimal(control + fault + "target = \"to-control\"\nmode = \"error\"\n")),
      ElementsAre(HasSubstr("fault[0].mode: mode \"error\" needs the control plane's own "
                            "switch")));
  EXPECT_THAT(problemsIn(withMinimal(control + fault + "target = \"bare\"\n")),
              ElementsAre(HasSubstr("fault[0].target: control-plane-outage on process 'bare' "
                                    "works through outrider-control's admin listener")));
  EXPECT_THAT(problemsIn(withMinimal(control + fault + "target = \"app\"\n")),
              ElementsAre(HasSubstr("but 'app' is the app")));
  EXPECT_THAT(problemsIn(withMinimal(control + fault + "target = \"control\"\nat = \"5s\"\n" +
                                     "duration = \"10s\"\n" + fault +
                                     "target = \"control\"\nat = \"10s\"\n")),
              ElementsAre(HasSubstr("fault[1].at: overlaps fault[0]")));
  for (const char* ok :
       {"target = \"to-control\"\nmode = \"hang\"\n", "target = \"control\"\nmode = \"error\"\n",
        "target = \"to-control\"\nmode = \"slow\"\ndelay = \"1s\"\n"}) {
    EXPECT_THAT(problemsIn(withMinimal(control + fault + ok)), IsEmpty()) << ok;
  }
}

// cert-expiry and cert-wrong-ca: on outrider-control's admin listener only (a service with an
// http metrics URL), one issuance switch at a time; a ttl X.509 can carry.
TEST_F(LoaderErrorsTest, IssuanceFaultTargets) {
  const std::string control = ControlPlanePod;
  const std::string expiry = "[[fault]]\nkind = \"cert-expiry\"\nttl = \"10s\"\n";
  const std::string wrong = "[[fault]]\nkind = \"cert-wrong-ca\"\n";
  EXPECT_THAT(problemsIn(withMinimal(control + expiry + "target = \"bare\"\n")),
              ElementsAre(HasSubstr("fault[0].target: cert-expiry on process 'bare' works "
                                    "through outrider-control's admin listener")));
  EXPECT_THAT(
      problemsIn(withMinimal(control + wrong + "target = \"app\"\n")),
      ElementsAre(HasSubstr("fault kind 'cert-wrong-ca' acts on the control plane (a "
                            "[[service]] running outrider-control), but 'app' is the app")));
  EXPECT_THAT(problemsIn(withMinimal(control + wrong + "target = \"to-control\"\n")),
              ElementsAre(HasSubstr("but 'to-control' is a link")));
  EXPECT_THAT(
      problemsIn(withMinimal(control + "[[fault]]\nkind = \"cert-expiry\"\nttl = \"1500ms\"\n"
                                       "target = \"control\"\n")),
      ElementsAre(HasSubstr("fault[0].ttl: must be at least 2s")));
  // Both kinds share the one switch: overlapping windows would undo each other.
  EXPECT_THAT(problemsIn(withMinimal(control + expiry +
                                     "target = \"control\"\nat = \"5s\"\nduration = \"10s\"\n" +
                                     wrong + "target = \"control\"\nat = \"10s\"\n")),
              ElementsAre(HasSubstr("one cert-expiry or cert-wrong-ca at a time on 'control'")));
  EXPECT_THAT(problemsIn(withMinimal(control + expiry +
                                     "target = \"control\"\nat = \"5s\"\nduration = \"10s\"\n" +
                                     wrong + "target = \"control\"\nat = \"15s\"\n")),
              IsEmpty());
}

// clock-skew: "+30m" and "-2h" alike; two windows on one target would undo each other.
TEST_F(LoaderErrorsTest, ClockSkewSignsAndOverlaps) {
  const std::string skew = "[[fault]]\nkind = \"clock-skew\"\ntarget = \"app\"\n";
  EXPECT_THAT(problemsIn(withMinimal(skew + "skew = \"+30m\"\n")), IsEmpty());
  EXPECT_THAT(problemsIn(withMinimal(skew + "skew = \"-2h\"\n")), IsEmpty());
  EXPECT_THAT(problemsIn(withMinimal(skew + "skew = \"+-2h\"\n")),
              ElementsAre(HasSubstr("fault[0].skew: invalid duration \"+-2h\"")));
  EXPECT_THAT(problemsIn(withMinimal(skew + "skew = \"1h\"\nat = \"5s\"\nduration = \"10s\"\n" +
                                     skew + "skew = \"2h\"\nat = \"8s\"\n")),
              ElementsAre(HasSubstr("one clock-skew at a time on 'app'")));
}

// Two windows of one stateful kind on one target would undo each other; back to back is fine,
// and so are different kinds or targets.
TEST_F(LoaderErrorsTest, OverlappingStatefulFaults) {
  const std::string oom = "[[fault]]\nkind = \"oom\"\ntarget = \"app\"\nlimit = \"64MiB\"\n";
  EXPECT_THAT(
      problemsIn(withMinimal(oom + "at = \"10s\"\nduration = \"10s\"\n" + oom + "at = \"15s\"\n")),
      ElementsAre("t.toml:13:1: error: fault[1].at: overlaps fault[0] ('oom-app', 10s .. "
                  "20s): one oom at a time on 'app', or the first one's end would undo "
                  "the second"));
  EXPECT_THAT(
      problemsIn(withMinimal(oom + "at = \"10s\"\nduration = \"10s\"\n" + oom + "at = \"20s\"\n")),
      IsEmpty());
  EXPECT_THAT(problemsIn(withMinimal(oom + "at = \"10s\"\n" +
                                     "[[fault]]\nkind = \"pause\"\ntarget = \"app\"\n"
                                     "at = \"12s\"\n")),
              IsEmpty());
}

// delay belongs to app-first, sidecar-slow and sidecar-exits-first, not to crash-on-start.
TEST_F(LoaderErrorsTest, StartupRaceDelayOnCrashOnStart) {
  EXPECT_THAT(problemsIn(withMinimal("[[sidecar]]\nname = \"s\"\ncommand = [\"s\"]\n"
                                     "[[fault]]\nkind = \"startup-race\"\ntarget = \"s\"\n"
                                     "mode = \"sidecar-crash-on-start\"\ndelay = \"1s\"\n")),
              ElementsAre("t.toml:14:1: error: fault[0].delay: key 'delay' does not apply to "
                          "mode \"sidecar-crash-on-start\" (only to modes \"app-first\", "
                          "\"sidecar-slow\" and \"sidecar-exits-first\")"));
}

// A rollout replaces the pod; a service is outside it.
TEST_F(LoaderErrorsTest, PodRestartOnAService) {
  EXPECT_THAT(problemsIn(withMinimal("[[service]]\nname = \"db\"\ncommand = [\"db\"]\n"
                                     "[[fault]]\nkind = \"pod-restart\"\ntarget = \"db\"\n")),
              ElementsAre("t.toml:12:1: error: fault[0].target: fault kind 'pod-restart' "
                          "restarts the pod (the app and its sidecars), but 'db' is a service, "
                          "outside the pod"));
}

// pod-restart takes no parameters of its own.
TEST_F(LoaderErrorsTest, PodRestartTakesNoDuration) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"pod-restart\"\nduration = \"5s\"\n")),
              ElementsAre("t.toml:9:1: error: fault[0].duration: key 'duration' does not apply "
                          "to fault kind 'pod-restart'"));
}

// A startup race is about a sidecar; aiming it at the app is an error.
TEST_F(LoaderErrorsTest, StartupRaceOnApp) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nkind = \"startup-race\"\ntarget = \"app\"\n"
                                     "mode = \"app-first\"\n")),
              ElementsAre("t.toml:9:1: error: fault[0].target: fault kind 'startup-race' acts on "
                          "a sidecar, but 'app' is the app"));
}

// The warmup must leave time to measure.
TEST_F(LoaderErrorsTest, WarmupCoversDuration) {
  EXPECT_THAT(problemsIn(withMinimal("[load]\ntarget = \"http://127.0.0.1:1/\"\nrate = 1\n"
                                     "warmup = \"60s\"\n")),
              ElementsAre("t.toml:10:1: error: load.warmup: 1m leaves nothing to measure in a 1m "
                          "scenario"));
}

// Load needs an http(s):// target, a positive rate and at least one connection.
TEST_F(LoaderErrorsTest, LoadValues) {
  EXPECT_THAT(problemsIn(withMinimal("[load]\ntarget = \"ftp://127.0.0.1:1/\"\nrate = 0\n"
                                     "connections = 0\n")),
              ElementsAre("t.toml:8:1: error: load.target: expected an http:// or https:// URL, "
                          "got \"ftp://127.0.0.1:1/\"",
                          "t.toml:9:1: error: load.rate: must be greater than 0 requests per "
                          "second, got 0",
                          "t.toml:10:1: error: load.connections: must be between 1 and 65535, got "
                          "0"));
}

// requests_per_connection is an integer of at least 1.
TEST_F(LoaderErrorsTest, RequestsPerConnection) {
  expectEachAlone("[load]\ntarget = \"http://127.0.0.1:1/\"\nrate = 1\n",
                  {{"requests_per_connection = 0\n",
                    "t.toml:10:1: error: load.requests_per_connection: must be 1 or more (leave it "
                    "out for no limit), got 0"},
                   {"requests_per_connection = \"5\"\n",
                    "t.toml:10:1: error: load.requests_per_connection: expected an integer, got "
                    "string \"5\""}});
}

// [load] path: a request path whose ${seq} and ${rand:N} are kept for the generator (the
// scenario's placeholders are not expanded in it); a bad one is refused at its key.
TEST_F(LoaderErrorsTest, LoadPath) {
  expectEachAlone(
      "[load]\ntarget = \"http://127.0.0.1:1/\"\nrate = 1\n",
      {{"path = \"items\"\n", "t.toml:10:1: error: load.path: a request path must start with '/'"},
       {"path = \"/i/${rand:0}\"\n",
        "t.toml:10:1: error: load.path: ${rand:0}: N must be a whole number from 1 to "
        "10^18"},
       {"path = \"/i/${port.app}\"\n",
        "t.toml:10:1: error: load.path: unknown placeholder ${port.app} in a request "
        "path (want ${seq} or ${rand:N})"},
       {"path = \"/a b\"\n",
        "t.toml:10:1: error: load.path: a request path cannot hold a space or control "
        "character (at offset 2)"}});
  auto scenario =
      test::loadOrFail(withMinimal("[load]\ntarget = \"http://127.0.0.1:1/\"\nrate = 1\npath = "
                                   "\"/items/${rand:100000}/${seq}\"\n"));
  ASSERT_TRUE(scenario.load);
  EXPECT_EQ(scenario.load->path, "/items/${rand:100000}/${seq}");
}

// max_series is a count of at least 1, max_series_growth a count per span of time; fail_on =
// ["cardinality"] needs one of them.
TEST_F(LoaderErrorsTest, CardinalityLimits) {
  expectEachAlone(
      "[gate]\n",
      {{"max_series = 0\n", "t.toml:8:1: error: gate.max_series: must be 1 or more series, got 0"},
       {"max_series_growth = \"100\"\n",
        "t.toml:8:1: error: gate.max_series_growth: invalid series growth \"100\" (a "
        "count per span of time greater than 0, like \"100/min\")"},
       {"fail_on = [\"cardinality\"]\n",
        "t.toml:8:12: error: gate.fail_on[0]: \"cardinality\" needs gate.max_series "
        "or gate.max_series_growth"}});
  auto scenario = test::loadOrFail(withMinimal(
      "[gate]\nmax_series = 2000\nmax_series_growth = \"100/min\"\nfail_on = [\"cardinality\"]\n"));
  EXPECT_EQ(scenario.gate.max_series, 2000u);
  ASSERT_TRUE(scenario.gate.max_series_growth_per_s);
  EXPECT_DOUBLE_EQ(*scenario.gate.max_series_growth_per_s, 100.0 / 60);
  EXPECT_THAT(scenario.gate.fail_on, ElementsAre(FindingKind::Cardinality));
}

// [load.tls] on a plain-http target is refused at its header.
TEST_F(LoaderErrorsTest, LoadTlsNeedsAnHttpsTarget) {
  EXPECT_THAT(problemsIn(withMinimal("[load]\ntarget = \"http://127.0.0.1:${port.app}/\"\n"
                                     "rate = 1\n[load.tls]\nca = \"ca.pem\"\n")),
              ElementsAre("t.toml:10:1: error: load.tls: [load.tls] applies to an https:// "
                          "target, but load.target is \"http://127.0.0.1:${port.app}/\""));
}

// A client certificate needs its key (and the other way round); files may not be empty.
TEST_F(LoaderErrorsTest, LoadTlsCertAndKeyGoTogether) {
  expectEachAlone("[load]\ntarget = \"https://127.0.0.1:1/\"\nrate = 1\n[load.tls]\n",
                  {{"cert = \"c.pem\"\n",
                    "t.toml:11:1: error: load.tls.cert: cert and key go together (a "
                    "client certificate needs its key)"},
                   {"key = \"k.pem\"\n",
                    "t.toml:11:1: error: load.tls.key: cert and key go together (a "
                    "client certificate needs its key)"},
                   {"ca = \"\"\n",
                    "t.toml:11:1: error: load.tls.ca: must name a file (leave the key out "
                    "instead)"}});
}

// Unknown keys in [load.tls], a bad server_name and a non-table tls are located and named.
TEST_F(LoaderErrorsTest, LoadTlsUnknownKeysAndTypes) {
  const std::string load = "[load]\ntarget = \"https://127.0.0.1:1/\"\nrate = 1\n";
  EXPECT_THAT(problemsIn(withMinimal(load + "[load.tls]\ncerts = \"c.pem\"\n"
                                            "server_name = \"a b\"\nca = 3\n")),
              ElementsAre("t.toml:11:1: error: load.tls.certs: unknown key (did you mean 'cert'?)",
                          "t.toml:12:1: error: load.tls.server_name: expected a host name or an "
                          "address, got \"a b\"",
                          "t.toml:13:1: error: load.tls.ca: expected a string, got integer 3"));
  EXPECT_THAT(problemsIn(withMinimal(load + "tls = true\n")),
              ElementsAre("t.toml:10:1: error: load.tls: expected a table [load.tls], got "
                          "boolean true"));
}

// Link endpoints must be host:port.
TEST_F(LoaderErrorsTest, LinkEndpoints) {
  EXPECT_THAT(problemsIn(withMinimal("[[link]]\nname = \"l\"\nlisten = \"127.0.0.1\"\n"
                                     "to = \"127.0.0.1:99999\"\n")),
              ElementsAre("t.toml:9:1: error: link[0].listen: \"127.0.0.1\" names no port "
                          "(expected host:port, like \"127.0.0.1:${port.app}\")",
                          "t.toml:10:1: error: link[0].to: \"127.0.0.1:99999\" has port 99999, "
                          "outside 1-65535 (expected host:port, like \"127.0.0.1:${port.app}\")"));
}

// Duplicate names are reported at the later use, and processes share names with links.
TEST_F(LoaderErrorsTest, DuplicateNames) {
  EXPECT_THAT(problemsIn(withMinimal("[[sidecar]]\nname = \"p\"\ncommand = [\"p\"]\n"
                                     "[[sidecar]]\nname = \"p\"\ncommand = [\"p\"]\n"
                                     "[[link]]\nname = \"app\"\nlisten = \"127.0.0.1:1\"\n"
                                     "to = \"127.0.0.1:2\"\n")),
              ElementsAre("t.toml:11:1: error: sidecar[1].name: name 'p' is already used by "
                          "sidecar[0]",
                          "t.toml:14:1: error: link[0].name: name 'app' is already used by the "
                          "app"));
}

// Two faults with the same explicit name are an error.
TEST_F(LoaderErrorsTest, DuplicateFaultNames) {
  EXPECT_THAT(problemsIn(withMinimal("[[fault]]\nname = \"f\"\nkind = \"kill\"\n"
                                     "target = \"app\"\n[[fault]]\nname = \"f\"\n"
                                     "kind = \"kill\"\ntarget = \"app\"\n")),
              ElementsAre("t.toml:12:1: error: fault[1].name: name 'f' is already used by "
                          "fault[0]"));
}

// An objective must lie strictly between 0 and 1.
TEST_F(LoaderErrorsTest, ObjectiveRange) {
  EXPECT_THAT(problemsIn(withMinimal("[[slo]]\nname = \"a\"\nsli = \"availability\"\n"
                                     "objective = 1.0\n")),
              ElementsAre("t.toml:10:1: error: slo[0].objective: must be between 0 and 1 "
                          "(exclusive), got 1"));
}

// A latency SLO needs a threshold, and only a latency SLO takes one.
TEST_F(LoaderErrorsTest, LatencyThreshold) {
  EXPECT_THAT(problemsIn(withMinimal("[[slo]]\nname = \"l\"\nsli = \"latency\"\n"
                                     "objective = 0.9\n[[slo]]\nname = \"a\"\n"
                                     "sli = \"availability\"\nobjective = 0.9\n"
                                     "threshold = \"1s\"\n")),
              ElementsAre("t.toml:7:1: error: slo[0].threshold: missing required key",
                          "t.toml:15:1: error: slo[1].threshold: key 'threshold' applies only to "
                          "sli = \"latency\", not \"availability\""));
}

// A ratio SLI needs a process with metrics, total, and exactly one of good or bad.
TEST_F(LoaderErrorsTest, RatioSli) {
  EXPECT_THAT(problemsIn(withMinimal("[[slo]]\nname = \"r\"\nsli = \"ratio\"\n"
                                     "objective = 0.9\nsource = \"app\"\ngood = \"g\"\n"
                                     "bad = \"b\"\n")),
              ElementsAre("t.toml:7:1: error: slo[0].total: missing required key",
                          "t.toml:11:1: error: slo[0].source: process 'app' has no metrics "
                          "endpoint to read from",
                          "t.toml:13:1: error: slo[0].bad: give either 'good' or 'bad', not "
                          "both"));
}

// validate refuses selectors that do not parse, at the selector's own column when the string
// has no escapes, else at the string; and a source without metrics.
TEST_F(LoaderErrorsTest, RatioSelectorsMustParse) {
  const std::string sidecar =
      "[[sidecar]]\nname = \"proxy\"\ncommand = [\"p\"]\n"
      "metrics = \"http://127.0.0.1:9/metrics\"\n";
  EXPECT_THAT(
      problemsIn(withMinimal(sidecar + "[[slo]]\nname = \"r\"\nsli = \"ratio\"\nobjective = 0.9\n"
                                       "source = \"proxy\"\n"
                                       "total = 'reqs_total{code=\"2xx\"'\n"
                                       "bad = \"reqs_total{code=~\\\"5(\\\"}\"\n")),
      ElementsAre("t.toml:16:31: error: slo[0].total: invalid metric selector: column 22: "
                  "expected ',' or '}' after a matcher, got the end",
                  "t.toml:17:7: error: slo[0].bad: invalid metric selector: column 18: invalid "
                  "regular expression \"5(\": Unmatched marking parenthesis ( or \\(."));
  EXPECT_THAT(
      problemsIn(withMinimal(sidecar + "[[slo]]\nname = \"r\"\nsli = \"ratio\"\nobjective = "
                                       "0.9\nsource = \"proxy\"\ntotal = \"rate(x[5m])\"\n"
                                       "good = \"x{code=\\\"2xx\\\"}\"\n")),
      ElementsAre("t.toml:16:14: error: slo[0].total: invalid metric selector: column 5: "
                  "unexpected '(' after the selector"));
}

// A valid ratio SLO loads its selectors as written.
TEST_F(LoaderErrorsTest, RatioSliLoads) {
  auto scenario = test::loadOrFail(withMinimal(
      "[[sidecar]]\nname = \"proxy\"\ncommand = [\"p\"]\n"
      "metrics = \"http://127.0.0.1:9/metrics\"\n[[slo]]\nname = \"r\"\nsli = \"ratio\"\n"
      "objective = 0.9\nsource = \"proxy\"\ntotal = \"reqs_total\"\n"
      "bad = 'reqs_total{code=\"5xx\"}'\n"));
  ASSERT_EQ(scenario.slos.size(), 1u);
  EXPECT_EQ(scenario.slos[0].total, "reqs_total");
  EXPECT_EQ(scenario.slos[0].bad, "reqs_total{code=\"5xx\"}");
  EXPECT_EQ(scenario.slos[0].source, "proxy");
}

// An uptime SLI names a pod process, metrics or not, and takes no selectors.
TEST_F(LoaderErrorsTest, UptimeSli) {
  EXPECT_THAT(problemsIn(withMinimal("[[slo]]\nname = \"u\"\nsli = \"uptime\"\n"
                                     "objective = 0.9\nsource = \"apq\"\ntotal = \"x\"\n")),
              ElementsAre("t.toml:11:1: error: slo[0].source: no process named 'apq' (did you "
                          "mean 'app'?)",
                          "t.toml:12:1: error: slo[0].total: key 'total' does not apply to sli = "
                          "\"uptime\" (its events are the seconds its source was ready)"));
  EXPECT_THAT(problemsIn(withMinimal("[[slo]]\nname = \"u\"\nsli = \"uptime\"\n"
                                     "objective = 0.9\n")),
              ElementsAre("t.toml:7:1: error: slo[0].source: missing required key"));
  auto scenario = test::loadOrFail(
      withMinimal("[[slo]]\nname = \"u\"\nsli = \"uptime\"\nobjective = 0.99\nsource = \"app\"\n"));
  ASSERT_EQ(scenario.slos.size(), 1u);
  EXPECT_EQ(scenario.slos[0].sli, SliKind::Uptime);
  EXPECT_EQ(scenario.slos[0].source, "app");
}

// max_memory_growth is a size per span of time; fail_on = ["leak"] needs it.
TEST_F(LoaderErrorsTest, MaxMemoryGrowth) {
  EXPECT_THAT(problemsIn(withMinimal("[gate]\nmax_memory_growth = \"20MiB\"\n")),
              ElementsAre("t.toml:8:1: error: gate.max_memory_growth: invalid memory growth "
                          "\"20MiB\" (a size per span of time greater than 0, like "
                          "\"20MiB/min\")"));
  EXPECT_THAT(problemsIn(withMinimal("[gate]\nfail_on = [\"leak\"]\n")),
              ElementsAre("t.toml:8:12: error: gate.fail_on[0]: \"leak\" needs "
                          "gate.max_memory_growth"));
  auto scenario = test::loadOrFail(withMinimal(
      "[gate]\nmax_memory_growth = \"20MiB/min\"\nfail_on = [\"objective\", \"leak\"]\n"));
  ASSERT_TRUE(scenario.gate.max_memory_growth_bytes_per_s);
  EXPECT_DOUBLE_EQ(*scenario.gate.max_memory_growth_bytes_per_s, 20.0 * 1024 * 1024 / 60);
  EXPECT_EQ(scenario.gate.max_memory_growth, "20MiB/min");
  EXPECT_THAT(scenario.gate.fail_on, ElementsAre(FindingKind::Objective, FindingKind::Leak));
}

// user and group are resolved on this machine when the scenario is loaded: an unknown name, a
// group without a user and a bare uid without a group are refused at the key.
TEST_F(LoaderErrorsTest, RunAsErrors) {
  expectEachAlone(
      "",
      {
          {"user = \"no-such-user-xyz\"\n",
           "t.toml:7:1: error: app.user: no user named 'no-such-user-xyz' on this machine"},
          {"user = 65534\n", "t.toml:7:1: error: app.user: expected a string, got integer 65534"},
          {"group = \"nogroup\"\n",
           "t.toml:7:1: error: app.group: key 'group' needs 'user' (the identity the process runs "
           "as)"},
          {"user = \"4000000\"\n",
           "t.toml:7:1: error: app.user: uid 4000000 has no entry in the user database: give "
           "`group` too"},
          {"user = \"nobody\"\ngroup = \"no-such-group-xyz\"\n",
           "t.toml:8:1: error: app.group: no group named 'no-such-group-xyz' on this machine"},
          {"user = \"\"\n", "t.toml:7:1: error: app.user: must name a user, like \"nobody\""},
      });
  // A sidecar's and a service's keys are checked the same way.
  EXPECT_THAT(problemsIn(withMinimal("[[sidecar]]\nname = \"s\"\ncommand = [\"s\"]\n"
                                     "user = \"nobodyy\"\n[[service]]\nname = \"v\"\n"
                                     "command = [\"v\"]\ngroup = \"nogroup\"\n")),
              ElementsAre("t.toml:10:1: error: sidecar[0].user: no user named 'nobodyy' on this "
                          "machine",
                          "t.toml:14:1: error: service[0].group: key 'group' needs 'user' (the "
                          "identity the process runs as)"));
}

// user alone takes the user's primary group; group replaces it; bare ids need no entry.
TEST_F(LoaderErrorsTest, RunAsResolved) {
  auto scenario = test::loadOrFail(withMinimal(
      "user = \"nobody\"\n[[sidecar]]\nname = \"s\"\ncommand = [\"s\"]\nuser = \"nobody\"\n"
      "group = \"root\"\n[[service]]\nname = \"v\"\ncommand = [\"v\"]\nuser = \"4000000\"\n"
      "group = \"4000001\"\n[[sidecar]]\nname = \"r\"\ncommand = [\"r\"]\n"));
  ASSERT_TRUE(scenario.app.run_as);
  EXPECT_EQ(*scenario.app.run_as, (RunAs{"nobody", "nogroup", 65534, 65534}));
  ASSERT_EQ(scenario.sidecars.size(), 2u);
  ASSERT_TRUE(scenario.sidecars[0].run_as);
  EXPECT_EQ(*scenario.sidecars[0].run_as, (RunAs{"nobody", "root", 65534, 0}));
  EXPECT_FALSE(scenario.sidecars[1].run_as);
  ASSERT_TRUE(scenario.services[0].run_as);
  EXPECT_EQ(*scenario.services[0].run_as, (RunAs{"4000000", "4000001", 4000000, 4000001}));
}

// A variant's group alone keeps its sidecar's user; its user alone takes that user's group.
TEST_F(LoaderErrorsTest, RunAsInVariant) {
  auto scenario = test::loadOrFail(
      withMinimal("[[sidecar]]\nname = \"s\"\ncommand = [\"s\"]\nuser = \"nobody\"\n"
                  "[[variant]]\nname = \"g\"\nsidecar = \"s\"\ngroup = \"root\"\n"
                  "[[variant]]\nname = \"u\"\nsidecar = \"s\"\nuser = \"root\"\n"));
  ASSERT_EQ(scenario.variants.size(), 2u);
  ASSERT_TRUE(scenario.variants[0].process.run_as);
  EXPECT_EQ(*scenario.variants[0].process.run_as, (RunAs{"nobody", "root", 65534, 0}));
  ASSERT_TRUE(scenario.variants[1].process.run_as);
  EXPECT_EQ(*scenario.variants[1].process.run_as, (RunAs{"root", "root", 0, 0}));
}

// fail_on may name audit (the privilege and secret audit's high and medium problems).
TEST_F(LoaderErrorsTest, FailOnAudit) {
  auto scenario = test::loadOrFail(withMinimal("[gate]\nfail_on = [\"audit\"]\n"));
  EXPECT_THAT(scenario.gate.fail_on, ElementsAre(FindingKind::Audit));
}

// Alert rules need a known severity and a short window inside the long one.
TEST_F(LoaderErrorsTest, AlertRuleValues) {
  EXPECT_THAT(problemsIn(withMinimal("[[alerting.rule]]\nseverity = \"warn\"\nlong = \"5m\"\n"
                                     "short = \"1h\"\nfactor = 2\n")),
              ElementsAre("t.toml:8:1: error: alerting.rule[0].severity: invalid value \"warn\" "
                          "(expected page or ticket)",
                          "t.toml:10:1: error: alerting.rule[0].short: the short window must be "
                          "shorter than the long window"));
}

// The engine keeps one bucket per second: a window of 1500ms is refused here, at its line,
// not when a run has already started.
TEST_F(LoaderErrorsTest, AlertWindowsAreWholeSeconds) {
  EXPECT_THAT(problemsIn(withMinimal("[[alerting.rule]]\nseverity = \"page\"\nlong = \"1500ms\"\n"
                                     "short = \"500ms\"\nfactor = 2\n")),
              ElementsAre("t.toml:9:1: error: alerting.rule[0].long: must be whole seconds (the "
                          "burn rate is evaluated each second), got 1500ms",
                          "t.toml:10:1: error: alerting.rule[0].short: must be whole seconds (the "
                          "burn rate is evaluated each second), got 500ms"));
}

// Rules with policy = "sre-workbook" contradict each other.
TEST_F(LoaderErrorsTest, RulesNeedRulesPolicy) {
  EXPECT_THAT(problemsIn(withMinimal("[alerting]\npolicy = \"sre-workbook\"\n"
                                     "[[alerting.rule]]\nseverity = \"page\"\nlong = \"1h\"\n"
                                     "short = \"5m\"\nfactor = 2\n")),
              ElementsAre("t.toml:9:12: error: alerting.rule: [[alerting.rule]] needs policy = "
                          "\"rules\", not \"sre-workbook\""));
}

// fail_on takes only the four findings, and "budget" needs its bound.
TEST_F(LoaderErrorsTest, GateFailOn) {
  EXPECT_THAT(problemsIn(withMinimal("[gate]\nfail_on = [\"objectve\", \"budget\"]\n"
                                     "max_budget_consumed = 0\n")),
              ElementsAre("t.toml:8:12: error: gate.fail_on[0]: invalid value \"objectve\" (did "
                          "you mean 'objective'?)",
                          "t.toml:9:1: error: gate.max_budget_consumed: must be a fraction of the "
                          "budget in (0, 1], got 0"));
}

// A section of the wrong shape is reported once, not crashed on.
TEST_F(LoaderErrorsTest, WrongSectionShapes) {
  EXPECT_THAT(problemsIn("sidecar = \"proxy\"\n" + std::string(test::MinimalScenario) + "[load]\n"),
              ElementsAre("t.toml:1:1: error: sidecar: expected an array of tables [[sidecar]], "
                          "got string \"proxy\"",
                          "t.toml:8:1: error: load.target: missing required key",
                          "t.toml:8:1: error: load.rate: missing required key"));
  EXPECT_THAT(problemsIn("scenario = 1\napp = []\n"),
              ElementsAre("t.toml:1:1: error: scenario: expected a table [scenario], got "
                          "integer 1",
                          "t.toml:2:1: error: app: expected a table [app], got an array"));
}

// Problems from different sections come out sorted by position, all at once.
TEST_F(LoaderErrorsTest, AllProblemsSortedByPosition) {
  auto problems = problemsIn(
      "[gate]\nmin_events = -1\n[scenario]\nname = \"t\"\nduration = 1\n"
      "[app]\ncommand = \"a\"\n");
  EXPECT_THAT(problems,
              ElementsAre("t.toml:2:1: error: gate.min_events: must be 0 or more, got -1",
                          "t.toml:5:1: error: scenario.duration: expected a duration like "
                          "\"10s\", got integer 1",
                          "t.toml:7:1: error: app.command: expected an array of strings, got "
                          "string \"a\""));
}

// Every truncation of the spec example either loads or fails with located diagnostics.
TEST_F(LoaderErrorsTest, EveryPrefixOfTheSpecExampleIsHandled) {
  std::ifstream in("tests/golden/scenarios/spec-example.toml", std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  const std::string full = text.str();
  ASSERT_FALSE(full.empty());
  for (size_t length = 0; length <= full.size(); ++length) {
    auto loaded = loadScenario(std::string_view(full).substr(0, length), "t.toml", LoadOptions{});
    if (!loaded) {
      ASSERT_FALSE(loaded.error().diagnostics.empty()) << "prefix " << length;
      for (const auto& diagnostic : loaded.error().diagnostics) {
        ASSERT_GT(diagnostic.where.line, 0u) << "prefix " << length << ": " << diagnostic.format();
      }
    }
  }
}

// [load.expect]: each key's problem at the key, unknown keys refused, the table itself a table.
TEST_F(LoaderErrorsTest, LoadExpect) {
  expectEachAlone(
      "[load]\ntarget = \"http://127.0.0.1:1/\"\nrate = 1\n[load.expect]\n",
      {{"status = [\"6xx\"]\n",
        "t.toml:11:11: error: load.expect.status[0]: expected a status code 100..599 (401) or a "
        "class \"1xx\"..\"5xx\""},
       {"status = []\n",
        "t.toml:11:1: error: load.expect.status: must name at least one status (leave it out for "
        "any)"},
       {"status = 200\n",
        "t.toml:11:1: error: load.expect.status: expected an array of status codes and classes, "
        "like [\"5xx\", 401, 429]"},
       {"status = [200, 200]\n",
        "t.toml:11:16: error: load.expect.status[1]: \"200\" is listed twice"},
       {"headers = {\"X Bad\" = \"a\"}\n",
        "t.toml:11:12: error: load.expect.headers.X Bad: invalid HTTP header name 'X Bad'"},
       {"headers = {X-Served-By = 7}\n",
        "t.toml:11:12: error: load.expect.headers.X-Served-By: expected a string, got integer 7"},
       {"body_contains = \"\"\n",
        "t.toml:11:1: error: load.expect.body_contains: must not be empty (leave it out to ignore "
        "the body)"},
       {"body_contains = 3\n",
        "t.toml:11:1: error: load.expect.body_contains: expected a string, got integer 3"},
       {"bodycontains = \"ok\"\n",
        "t.toml:11:1: error: load.expect.bodycontains: unknown key (did you mean "
        "'body_contains'?)"}});
  EXPECT_THAT(problemsIn(withMinimal("[load]\ntarget = \"http://127.0.0.1:1/\"\nrate = 1\n"
                                     "expect = \"2xx\"\n")),
              ElementsAre("t.toml:10:1: error: load.expect: expected a table [load.expect], got "
                          "string \"2xx\""));
  // A reply to HEAD has no body.
  EXPECT_THAT(problemsIn(withMinimal("[load]\ntarget = \"http://127.0.0.1:1/\"\nrate = 1\n"
                                     "method = \"HEAD\"\n[load.expect]\nbody_contains = "
                                     "\"ok\"\n")),
              ElementsAre("t.toml:12:1: error: load.expect.body_contains: a reply to HEAD has no "
                          "body to look in"));
}

}  // namespace
}  // namespace outrider::scenarios
