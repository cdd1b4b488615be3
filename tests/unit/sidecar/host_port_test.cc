#include "outrider/sidecar/host_port.h"

#include <gtest/gtest.h>

#include <ostream>

namespace outrider::sidecar {
namespace {

struct Parsed {
  const char* name;
  const char* text;
  const char* host;
  uint16_t port;
};

void PrintTo(const Parsed& parsed, std::ostream* out) { *out << parsed.text; }

class HostPortParseTest : public testing::TestWithParam<Parsed> {};

// The host and the port of each accepted spelling.
TEST_P(HostPortParseTest, Parses) {
  auto parsed = parseHostPort(GetParam().text);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, GetParam().host);
  EXPECT_EQ(parsed->port, GetParam().port);
}

INSTANTIATE_TEST_SUITE_P(HostPortTest, HostPortParseTest,
                         testing::Values(
                             // IPv4 literal with a port.
                             Parsed{"Ipv4", "127.0.0.1:8080", "127.0.0.1", 8080},
                             // Port 0 asks the kernel for a port, so it is valid; so are names.
                             Parsed{"PortZeroAndAName", "localhost:0", "localhost", 0},
                             // Bracketed IPv6 loses its brackets.
                             Parsed{"BracketedIpv6", "[::1]:9000", "::1", 9000}),
                         [](const testing::TestParamInfo<Parsed>& param_info) {
                           return param_info.param.name;
                         });

// Missing pieces and out-of-range ports are usage errors.
TEST(HostPortTest, RejectsMalformed) {
  for (const char* text : {"", "8080", ":8080", "host:", "host:70000", "host:8o", "[::1:80"}) {
    auto parsed = parseHostPort(text);
    ASSERT_FALSE(parsed) << text;
    EXPECT_EQ(parsed.error().code, ErrorCode::InvalidArgument) << text;
  }
}

// The announce line format tests parse.
TEST(HostPortTest, FormatsEndpoints) {
  using boost::asio::ip::make_address;
  using boost::asio::ip::tcp;
  EXPECT_EQ(formatEndpoint(tcp::endpoint(make_address("127.0.0.1"), 80)), "127.0.0.1:80");
  EXPECT_EQ(formatEndpoint(tcp::endpoint(make_address("::1"), 443)), "[::1]:443");
}

}  // namespace
}  // namespace outrider::sidecar
