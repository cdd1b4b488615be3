// parseHostPort() and parseProbe() from placeholders.h.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "outrider/scenarios/placeholders.h"

namespace outrider::scenarios {
namespace {

using testing::HasSubstr;

class EndpointTest : public testing::Test {};

// host:port splits into host and port.
TEST_F(EndpointTest, HostPort) {
  auto endpoint = parseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(endpoint.has_value());
  EXPECT_EQ(endpoint->host, "127.0.0.1");
  EXPECT_EQ(endpoint->port, 8080);
}

// A bracketed IPv6 host loses its brackets.
TEST_F(EndpointTest, BracketedIpv6) {
  auto endpoint = parseHostPort("[::1]:443");
  ASSERT_TRUE(endpoint.has_value());
  EXPECT_EQ(endpoint->host, "::1");
  EXPECT_EQ(endpoint->port, 443);
}

// An unbracketed IPv6 address is ambiguous and rejected.
TEST_F(EndpointTest, UnbracketedIpv6IsRejected) {
  auto endpoint = parseHostPort("::1:443");
  ASSERT_FALSE(endpoint.has_value());
  EXPECT_THAT(endpoint.error().message, HasSubstr("brackets"));
}

// Without a port there is nothing to connect to.
TEST_F(EndpointTest, MissingPort) {
  EXPECT_EQ(parseHostPort("localhost").error().message, "\"localhost\" names no port");
  EXPECT_EQ(parseHostPort("localhost:").error().message, "\"localhost:\" names no port");
}

// Ports outside 1-65535, or not numbers, are rejected.
TEST_F(EndpointTest, PortRange) {
  EXPECT_FALSE(parseHostPort("h:0").has_value());
  EXPECT_FALSE(parseHostPort("h:65536").has_value());
  EXPECT_FALSE(parseHostPort("h:99999999999999999999").has_value());
  EXPECT_FALSE(parseHostPort("h:80a").has_value());
  EXPECT_FALSE(parseHostPort("h:-1").has_value());
  EXPECT_EQ(parseHostPort("h:65535")->port, 65535);
}

// A missing host is rejected.
TEST_F(EndpointTest, MissingHost) {
  EXPECT_EQ(parseHostPort(":80").error().message, "\":80\" names no host");
  EXPECT_FALSE(parseHostPort("").has_value());
}

// An http probe keeps its path and query.
TEST_F(EndpointTest, HttpProbe) {
  auto probe = parseProbe("http://127.0.0.1:9901/ready?full=1");
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->kind, ProbeTarget::Kind::Http);
  EXPECT_EQ(probe->host, "127.0.0.1");
  EXPECT_EQ(probe->port, 9901);
  EXPECT_EQ(probe->path, "/ready?full=1");
}

// An https probe without a path asks for "/".
TEST_F(EndpointTest, HttpsProbeDefaultPath) {
  auto probe = parseProbe("https://localhost:8443");
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->kind, ProbeTarget::Kind::Https);
  EXPECT_EQ(probe->path, "/");
}

// A query without a path gets the root path in front of it; a fragment is dropped.
TEST_F(EndpointTest, QueryWithoutPath) {
  EXPECT_EQ(parseProbe("http://h:1?x=1")->path, "/?x=1");
  EXPECT_EQ(parseProbe("http://h:1/a#frag")->path, "/a");
}

// A tcp probe takes only host and port.
TEST_F(EndpointTest, TcpProbe) {
  auto probe = parseProbe("tcp://127.0.0.1:50051");
  ASSERT_TRUE(probe.has_value());
  EXPECT_EQ(probe->kind, ProbeTarget::Kind::Tcp);
  EXPECT_EQ(probe->port, 50051);
  EXPECT_FALSE(parseProbe("tcp://127.0.0.1:50051/health").has_value());
}

// A probe without an explicit port is rejected, whatever its scheme's default.
TEST_F(EndpointTest, ProbeWithoutPort) {
  EXPECT_EQ(parseProbe("http://127.0.0.1/healthz").error().message,
            "\"http://127.0.0.1/healthz\" names no port");
}

// Other schemes, credentials and spaces in paths are rejected.
TEST_F(EndpointTest, ProbeRejects) {
  EXPECT_FALSE(parseProbe("ftp://h:21/").has_value());
  EXPECT_FALSE(parseProbe("127.0.0.1:80").has_value());
  EXPECT_FALSE(parseProbe("http://user:pw@h:80/").has_value());
  EXPECT_FALSE(parseProbe("http://h:80/a b").has_value());
  EXPECT_FALSE(parseProbe("http://:80/").has_value());
  EXPECT_FALSE(parseProbe("http://").has_value());
}

}  // namespace
}  // namespace outrider::scenarios
