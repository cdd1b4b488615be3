#include "outrider/scenarios/scenario.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <iterator>
#include <set>

namespace outrider::scenarios {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using testing::ElementsAre;

class ScenarioTest : public testing::Test {
 protected:
  ScenarioTest() {
    scenario_.app.name = "app";
    scenario_.sidecars.push_back(ProcessSpec{});
    scenario_.sidecars.back().name = "proxy";
    scenario_.services.push_back(ProcessSpec{});
    scenario_.services.back().name = "control";
    scenario_.links.push_back(Link{});
    scenario_.links.back().name = "upstream";
  }

  Scenario scenario_;
};

// processes() lists services, then sidecars, then the app: the start order.
TEST_F(ScenarioTest, ProcessesInStartOrder) {
  auto processes = scenario_.processes();
  ASSERT_EQ(processes.size(), 3u);
  EXPECT_EQ(processes[0]->name, "control");
  EXPECT_EQ(processes[1]->name, "proxy");
  EXPECT_EQ(processes[2], &scenario_.app);
}

// findProcess() and findLink() find by name and return null for strangers.
TEST_F(ScenarioTest, FindByName) {
  EXPECT_EQ(scenario_.findProcess("proxy"), &scenario_.sidecars[0]);
  EXPECT_EQ(scenario_.findProcess("app"), &scenario_.app);
  EXPECT_EQ(scenario_.findProcess("upstream"), nullptr);
  EXPECT_EQ(scenario_.findLink("upstream"), &scenario_.links[0]);
  EXPECT_EQ(scenario_.findLink("proxy"), nullptr);
}

// The sre-workbook table is the spec's four rules.
TEST_F(ScenarioTest, SreWorkbookRules) {
  const AlertRule expected[] = {{"page", hours(1), minutes(5), 14.4},
                                {"page", hours(6), minutes(30), 6.0},
                                {"ticket", hours(24), hours(2), 3.0},
                                {"ticket", hours(72), hours(6), 1.0}};
  const auto rules = sreWorkbookRules();
  ASSERT_EQ(rules.size(), std::size(expected));
  for (size_t i = 0; i < rules.size(); ++i) {
    EXPECT_EQ(rules[i].severity, expected[i].severity) << "rule " << i;
    EXPECT_EQ(rules[i].long_window, expected[i].long_window) << "rule " << i;
    EXPECT_EQ(rules[i].short_window, expected[i].short_window) << "rule " << i;
    EXPECT_EQ(rules[i].factor, expected[i].factor) << "rule " << i;
  }
}

// Kind names are spelt as in the spec.
TEST_F(ScenarioTest, FaultKindNames) {
  EXPECT_EQ(toString(FaultKind::HttpAbort), "http-abort");
  EXPECT_EQ(toString(FaultKind::SlowClose), "slow-close");
  EXPECT_EQ(toString(FaultKind::LimitData), "limit-data");
  EXPECT_EQ(toString(FaultKind::CpuStarve), "cpu-starve");
  EXPECT_EQ(toString(FaultKind::CertExpiry), "cert-expiry");
  EXPECT_EQ(toString(FaultKind::CertWrongCa), "cert-wrong-ca");
  EXPECT_EQ(toString(FaultKind::ClockSkew), "clock-skew");
  EXPECT_EQ(toString(FaultKind::ControlPlaneOutage), "control-plane-outage");
  EXPECT_EQ(toString(FaultKind::PodRestart), "pod-restart");
  EXPECT_EQ(toString(FaultKind::StartupRace), "startup-race");
}

// Every kind's name parses back to the kind, and the list holds each kind once.
TEST_F(ScenarioTest, FaultKindRoundTrip) {
  std::set<std::string> names;
  for (FaultKind kind : allFaultKinds()) {
    EXPECT_EQ(parseFaultKind(toString(kind)), kind);
    names.insert(toString(kind));
  }
  EXPECT_EQ(allFaultKinds().size(), 21u);
  EXPECT_EQ(names.size(), 21u);
  EXPECT_EQ(parseFaultKind("Latency"), std::nullopt);
  EXPECT_EQ(parseFaultKind(""), std::nullopt);
}

// Link faults are the ten network kinds; every other kind acts on a process.
TEST_F(ScenarioTest, LinkAndProcessFaults) {
  int links = 0;
  for (FaultKind kind : allFaultKinds()) {
    EXPECT_NE(isLinkFault(kind), isProcessFault(kind)) << toString(kind);
    links += isLinkFault(kind) ? 1 : 0;
  }
  EXPECT_EQ(links, 10);
  EXPECT_TRUE(isLinkFault(FaultKind::HttpAbort));
  EXPECT_TRUE(isLinkFault(FaultKind::Misroute));
  EXPECT_TRUE(isProcessFault(FaultKind::Kill));
  EXPECT_TRUE(isProcessFault(FaultKind::ClockSkew));
}

// Each kind lists its own parameter keys.
TEST_F(ScenarioTest, FaultParameterKeys) {
  EXPECT_THAT(faultParameterKeys(FaultKind::Latency),
              ElementsAre("duration", "direction", "probability", "latency", "jitter"));
  EXPECT_THAT(faultParameterKeys(FaultKind::Kill), ElementsAre("signal"));
  EXPECT_THAT(faultParameterKeys(FaultKind::StartupRace), ElementsAre("mode", "delay", "times"));
  EXPECT_THAT(faultParameterKeys(FaultKind::PodRestart), ::testing::IsEmpty());
}

// Enumerations print as the scenario file spells them.
TEST_F(ScenarioTest, EnumNames) {
  EXPECT_EQ(toString(RestartPolicy::OnFailure), "on-failure");
  EXPECT_EQ(toString(StartMode::BeforeApp), "before-app");
  EXPECT_EQ(toString(ProcessRole::Service), "service");
  EXPECT_EQ(toString(FindingKind::Budget), "budget");
  EXPECT_EQ(toString(LinkProtocol::Http), "http");
  EXPECT_EQ(toString(Direction::Both), "both");
  EXPECT_EQ(toString(ControlPlaneMode::Hang), "hang");
  EXPECT_EQ(toString(StartupRaceMode::SidecarCrashOnStart), "sidecar-crash-on-start");
  EXPECT_EQ(toString(SliKind::Ratio), "ratio");
  EXPECT_EQ(toString(AlertPolicy::SreWorkbook), "sre-workbook");
  EXPECT_EQ(toString(AlertHistory::None), "none");
}

}  // namespace
}  // namespace outrider::scenarios
