#include "outrider/scenarios/placeholders.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "loader_test_helpers.h"

namespace outrider::scenarios {
namespace {

using test::fakeEnv;
using test::loadOrFail;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::Pair;

class PlaceholdersTest : public testing::Test {
 protected:
  Scenario scenario_ = loadOrFail(R"([scenario]
name = "p"
description = "logs in ${dir.run}"
duration = "10s"

[app]
command = ["${bin}/echo", "--listen", "127.0.0.1:${port.app}", "--dir", "${dir.scenario}"]
ready = "http://127.0.0.1:${port.app}/healthz"
env = { TOKEN = "${env.TOKEN}" }
metrics = "http://127.0.0.1:${port.app}/metrics"

[[sidecar]]
name = "proxy"
command = ["proxy", "127.0.0.1:${port.proxy}", "127.0.0.1:${port.admin}"]
live = "tcp://127.0.0.1:${port.admin}"

[[link]]
name = "up"
listen = "127.0.0.1:${port.up}"
to = "127.0.0.1:${port.app}"

[load]
target = "http://127.0.0.1:${port.proxy}/"
rate = 10
headers = { X-Run = "${dir.run}" }
body = "${env.TOKEN}"

[[slo]]
name = "r"
sli = "ratio"
source = "app"
good = "ok{port=\"${port.app}\"}"
total = "all"
objective = 0.5
)",
                                  LoadOptions{fakeEnv({{"TOKEN", "t0k"}})});

  PlaceholderContext context() const {
    PlaceholderContext context;
    context.bin = "/opt/outrider/bin";
    context.scenario_dir = "/scenarios";
    context.run_dir = "/runs/p-1";
    context.ports = {{"app", 1001}, {"proxy", 1002}, {"admin", 1003}, {"up", 1004}};
    context.env = fakeEnv({{"TOKEN", "t0k"}});
    return context;
  }
};

// portNames() lists each ${port.NAME} once, sorted, from every field.
TEST_F(PlaceholdersTest, PortNamesAreSortedAndUnique) {
  EXPECT_THAT(portNames(scenario_), ElementsAre("admin", "app", "proxy", "up"));
}

// allocatePorts() gives every name its own non-zero port.
TEST_F(PlaceholdersTest, AllocatedPortsAreDistinctAndNonZero) {
  const std::vector<std::string> names = {"a", "b", "c", "d", "e", "f", "g", "h"};
  auto ports = allocatePorts(names);
  ASSERT_TRUE(ports.has_value()) << ports.error().message;
  ASSERT_EQ(ports->size(), names.size());
  std::set<uint16_t> distinct;
  for (const auto& [name, port] : *ports) {
    EXPECT_NE(port, 0) << name;
    distinct.insert(port);
  }
  EXPECT_EQ(distinct.size(), names.size());
}

// A name listed twice gets one port.
TEST_F(PlaceholdersTest, RepeatedNameGetsOnePort) {
  auto ports = allocatePorts({"x", "x"});
  ASSERT_TRUE(ports.has_value());
  EXPECT_EQ(ports->size(), 1u);
}

// No names, no ports.
TEST_F(PlaceholdersTest, NoNamesNoPorts) {
  auto ports = allocatePorts({});
  ASSERT_TRUE(ports.has_value());
  EXPECT_THAT(*ports, IsEmpty());
}

// Commands, probes and env are substituted.
TEST_F(PlaceholdersTest, ResolvesProcessFields) {
  auto resolved = resolvePlaceholders(scenario_, context());
  ASSERT_TRUE(resolved.has_value()) << resolved.error().message;
  EXPECT_THAT(resolved->app.command, ElementsAre("/opt/outrider/bin/echo", "--listen",
                                                 "127.0.0.1:1001", "--dir", "/scenarios"));
  EXPECT_EQ(resolved->app.ready, "http://127.0.0.1:1001/healthz");
  EXPECT_EQ(resolved->app.metrics, "http://127.0.0.1:1001/metrics");
  EXPECT_THAT(resolved->app.env, ElementsAre(Pair("TOKEN", "t0k")));
  EXPECT_EQ(resolved->sidecars[0].live, "tcp://127.0.0.1:1003");
  EXPECT_EQ(resolved->description, "logs in /runs/p-1");
}

// Links, load and SLO selectors are substituted too.
TEST_F(PlaceholdersTest, ResolvesLinkLoadAndSloFields) {
  auto resolved = resolvePlaceholders(scenario_, context());
  ASSERT_TRUE(resolved.has_value()) << resolved.error().message;
  EXPECT_EQ(resolved->links[0].listen, "127.0.0.1:1004");
  EXPECT_EQ(resolved->links[0].to, "127.0.0.1:1001");
  EXPECT_EQ(resolved->load->target, "http://127.0.0.1:1002/");
  EXPECT_THAT(resolved->load->headers, ElementsAre(Pair("X-Run", "/runs/p-1")));
  EXPECT_EQ(resolved->load->body, "t0k");
  EXPECT_EQ(resolved->slos[0].good, "ok{port=\"1001\"}");
}

// [load.tls] paths get placeholders substituted, and relative ones the scenario's folder.
TEST(PlaceholdersTlsTest, LoadTlsPathsAreResolvedAgainstTheScenarioFolder) {
  Scenario scenario = test::loadOrFail(test::withMinimal(R"([load]
target = "https://127.0.0.1:${port.app}/"
rate = 1
[load.tls]
ca = "${dir.run}/secrets/ca.pem"
cert = "certs/../certs/client.crt"
key = "/abs/client.key"
server_name = "${env.NAME}"
)"),
                                       LoadOptions{fakeEnv({{"NAME", "app.test"}})});
  PlaceholderContext context;
  context.scenario_dir = "/scenarios/tls";
  context.run_dir = "/runs/p-1";
  context.ports = {{"app", 1001}};
  context.env = fakeEnv({{"NAME", "app.test"}});
  auto resolved = resolvePlaceholders(scenario, context);
  ASSERT_TRUE(resolved.has_value()) << resolved.error().message;
  ASSERT_TRUE(resolved->load && resolved->load->tls);
  EXPECT_EQ(resolved->load->tls->ca, "/runs/p-1/secrets/ca.pem");
  EXPECT_EQ(resolved->load->tls->cert, "/scenarios/tls/certs/client.crt");
  EXPECT_EQ(resolved->load->tls->key, "/abs/client.key");
  EXPECT_EQ(resolved->load->tls->server_name, "app.test");
}

// Resolution leaves the input untouched.
TEST_F(PlaceholdersTest, InputIsNotModified) {
  auto resolved = resolvePlaceholders(scenario_, context());
  ASSERT_TRUE(resolved.has_value());
  EXPECT_EQ(scenario_.app.ready, "http://127.0.0.1:${port.app}/healthz");
}

// A port that was not allocated is an error naming the field.
TEST_F(PlaceholdersTest, MissingPortIsAnError) {
  PlaceholderContext partial = context();
  partial.ports.erase("admin");
  auto resolved = resolvePlaceholders(scenario_, partial);
  ASSERT_FALSE(resolved.has_value());
  EXPECT_EQ(resolved.error().message,
            "sidecar[0].command[2]: no port was allocated for ${port.admin}");
}

// A variable unset at run time is an error naming the field.
TEST_F(PlaceholdersTest, UnsetEnvironmentVariableIsAnError) {
  PlaceholderContext no_env = context();
  no_env.env = nullptr;
  auto resolved = resolvePlaceholders(scenario_, no_env);
  ASSERT_FALSE(resolved.has_value());
  EXPECT_EQ(resolved.error().code, ErrorCode::InvalidArgument);
  EXPECT_THAT(resolved.error().message, HasSubstr("app.env.TOKEN: environment variable TOKEN"));
}

// Allocated ports feed resolution end to end: every port placeholder becomes a number.
TEST_F(PlaceholdersTest, AllocateThenResolve) {
  auto ports = allocatePorts(portNames(scenario_));
  ASSERT_TRUE(ports.has_value());
  PlaceholderContext real = context();
  real.ports = *ports;
  auto resolved = resolvePlaceholders(scenario_, real);
  ASSERT_TRUE(resolved.has_value()) << resolved.error().message;
  EXPECT_EQ(resolved->links[0].listen, "127.0.0.1:" + std::to_string(ports->at("up")));
  auto probe = parseProbe(*resolved->app.ready);
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->port, ports->at("app"));
}

}  // namespace
}  // namespace outrider::scenarios
