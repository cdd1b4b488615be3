#include "outrider/tls/handshake_failure.h"

#include <gmock/gmock.h>

#include <boost/asio/error.hpp>

#include "tls_test_support.h"

namespace outrider::tls::test {
namespace {

using HandshakeFailureTest = TlsFixture;

// The server's certificate ran out: the client says expired, and so does the server (the alert).
TEST_F(HandshakeFailureTest, AnExpiredServerCertificate) {
  const auto leaf = pki_->leaf("server", 60s);
  const auto result = handshake(client(leaf.ca), server(leaf), at(testNow() + 61s, testNow()));
  ASSERT_TRUE(result.client.failed);
  EXPECT_EQ(result.client.failure.reason, "expired");
  EXPECT_FALSE(result.client.failure.by_peer);
  ASSERT_TRUE(result.server.failed);
  EXPECT_EQ(result.server.failure.reason, "expired");
  EXPECT_TRUE(result.server.failure.by_peer);
}

// One second before NotAfter it is still good: the reason starts at NotAfter, not before.
TEST_F(HandshakeFailureTest, ValidUntilNotAfter) {
  const auto leaf = pki_->leaf("server", 60s);
  const auto result = handshake(client(leaf.ca), server(leaf), at(testNow() + 59s, testNow()));
  EXPECT_TRUE(result.client.done) << result.client.ec.message();
}

// A client whose clock runs behind NotBefore (clock-skew) finds the certificate not yet valid.
TEST_F(HandshakeFailureTest, AClientBeforeTheValidityWindow) {
  const auto leaf = pki_->leaf("server", 1h);
  const auto result = handshake(client(leaf.ca), server(leaf), at(testNow() - 2h, testNow()));
  ASSERT_TRUE(result.client.failed);
  EXPECT_EQ(result.client.failure.reason, "not-yet-valid");
}

// A server certificate from a CA the client does not trust (cert-wrong-ca).
TEST_F(HandshakeFailureTest, AServerFromAnotherCa) {
  const auto rogue = other_->leaf("server");
  const auto trusted = pki_->leaf("unused");
  const auto result = handshake(client(trusted.ca), server(rogue), at(testNow(), testNow()));
  ASSERT_TRUE(result.client.failed);
  EXPECT_EQ(result.client.failure.reason, "unknown-ca");
  ASSERT_TRUE(result.server.failed);
  EXPECT_EQ(result.server.failure.reason, "unknown-ca");
  EXPECT_TRUE(result.server.failure.by_peer);
}

TEST_F(HandshakeFailureTest, AServerCertificateForAnotherName) {
  const auto leaf = pki_->leaf("server");
  auto options = at(testNow(), testNow());
  options.server_name = "elsewhere.example";
  const auto result = handshake(client(leaf.ca), server(leaf), options);
  ASSERT_TRUE(result.client.failed);
  EXPECT_EQ(result.client.failure.reason, "hostname-mismatch");
}

// mTLS: a client without a certificate, with one from another CA, with an expired one.
TEST_F(HandshakeFailureTest, MutualTlsRefusesClientsByReason) {
  const auto server_leaf = pki_->leaf("server");
  auto server_ctx = server(server_leaf, server_leaf.ca);

  const auto none = handshake(client(server_leaf.ca), server_ctx, at(testNow(), testNow()));
  ASSERT_TRUE(none.server.failed);
  EXPECT_EQ(none.server.failure.reason, "no-certificate");
  ASSERT_TRUE(none.client.failed);  // TLS 1.3: the alert comes on the client's first read
  EXPECT_EQ(none.client.failure.reason, "no-certificate");
  EXPECT_TRUE(none.client.failure.by_peer);

  const auto rogue_leaf = other_->leaf("client");
  const auto rogue =
      handshake(client(server_leaf.ca, &rogue_leaf), server_ctx, at(testNow(), testNow()));
  ASSERT_TRUE(rogue.server.failed);
  EXPECT_EQ(rogue.server.failure.reason, "unknown-ca");
  EXPECT_EQ(rogue.client.failure.reason, "unknown-ca");

  const auto old_leaf = pki_->leaf("old-client", 60s, -120s);
  const auto expired =
      handshake(client(server_leaf.ca, &old_leaf), server_ctx, at(testNow(), testNow()));
  ASSERT_TRUE(expired.server.failed);
  EXPECT_EQ(expired.server.failure.reason, "expired");
  EXPECT_EQ(expired.client.failure.reason, "expired");
}

TEST_F(HandshakeFailureTest, GarbageInsteadOfAClientHelloIsAProtocolFailure) {
  const auto leaf = pki_->leaf("server");
  const auto side = garbageToServer(server(leaf), "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(side.failed);
  EXPECT_EQ(side.failure.reason, "protocol");
  const auto random =
      garbageToServer(server(leaf), std::string("\x16\x03\x01\xff\xff") + std::string(64, '\x7f'));
  ASSERT_TRUE(random.failed);
  EXPECT_EQ(random.failure.reason, "protocol");
}

TEST(HandshakeFailureReasonTest, TimeoutsAndClosesAreTheirOwnReasons) {
  EXPECT_EQ(classifyHandshakeFailure(boost::asio::error::operation_aborted, nullptr, true).reason,
            "handshake-timeout");
  EXPECT_EQ(classifyHandshakeFailure(boost::asio::error::eof, nullptr, false).reason, "connection");
  EXPECT_EQ(classifyHandshakeFailure(boost::asio::error::connection_reset, nullptr, false).reason,
            "connection");
}

}  // namespace
}  // namespace outrider::tls::test
