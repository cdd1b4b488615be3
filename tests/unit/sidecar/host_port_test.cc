#include "outrider/sidecar/host_port.h"

#include <gtest/gtest.h>

namespace outrider::sidecar {
namespace {

// IPv4 literal with a port.
TEST(HostPortTest, ParsesIpv4) {
  auto parsed = parseHostPort("127.0.0.1:8080");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, "127.0.0.1");
  EXPECT_EQ(parsed->port, 8080);
}

// Port 0 asks the kernel for a port, so it is valid.
TEST(HostPortTest, AcceptsPortZeroAndNames) {
  auto parsed = parseHostPort("localhost:0");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, "localhost");
  EXPECT_EQ(parsed->port, 0);
}

// Bracketed IPv6 loses its brackets.
TEST(HostPortTest, ParsesBracketedIpv6) {
  auto parsed = parseHostPort("[::1]:9000");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->host, "::1");
  EXPECT_EQ(parsed->port, 9000);
}

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
