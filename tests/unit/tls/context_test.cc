#include "outrider/tls/context.h"

#include <gmock/gmock.h>

#include "outrider/tls/peer_certificate.h"
#include "tls_test_support.h"

namespace outrider::tls::test {
namespace {

using testing::HasSubstr;
using testing::Not;

using ContextTest = TlsFixture;

TEST_F(ContextTest, AMissingFileIsNamed) {
  auto made =
      makeContext(Role::Server, {(dir_ / "nope.crt").string(), (dir_ / "nope.key").string(), ""});
  ASSERT_FALSE(made);
  EXPECT_THAT(made.error().message, HasSubstr("nope.crt"));
}

TEST_F(ContextTest, AServerNeedsACertificateAndAKey) {
  auto made = makeContext(Role::Server, {});
  ASSERT_FALSE(made);
  EXPECT_THAT(made.error().message, HasSubstr("needs a certificate and a key"));
  const auto leaf = pki_->leaf("client");
  EXPECT_FALSE(makeContext(Role::Client, {leaf.cert, "", ""}));
}

TEST_F(ContextTest, GarbageFilesAreRefusedByName) {
  const auto leaf = pki_->leaf("server");
  outrider::test::TestPki::write(leaf.cert, "not a certificate\n");
  auto made = makeContext(Role::Server, {leaf.cert, leaf.key, ""});
  ASSERT_FALSE(made);
  EXPECT_THAT(made.error().message, HasSubstr(leaf.cert));
  EXPECT_THAT(made.error().message, HasSubstr("no PEM certificate"));
}

// A key that is not the certificate's is refused, and the message carries no key material.
TEST_F(ContextTest, AMismatchedKeyIsRefusedWithoutQuotingIt) {
  const auto a = pki_->leaf("a");
  const auto b = pki_->leaf("b");
  auto made = makeContext(Role::Server, {a.cert, b.key, ""});
  ASSERT_FALSE(made);
  EXPECT_THAT(made.error().message, HasSubstr("does not match"));
  EXPECT_THAT(made.error().message, Not(HasSubstr("PRIVATE KEY")));
}

TEST_F(ContextTest, HandshakeNegotiatesHttp11AndShowsTheServedCertificate) {
  const auto leaf = pki_->leaf("server", 1h);
  auto options = at(testNow(), testNow());
  options.server_name = "localhost";
  options.keep_session = true;
  const auto result = handshake(client(leaf.ca), server(leaf), options);
  ASSERT_TRUE(result.client.done) << result.client.ec.message();
  ASSERT_TRUE(result.server.done) << result.server.ec.message();
  EXPECT_EQ(result.alpn, "http/1.1");
  ASSERT_NE(result.session, nullptr);
  const auto validity = validityOf(SSL_SESSION_get0_peer(result.session));
  ASSERT_TRUE(validity);
  EXPECT_EQ(validity->not_after, testNow() + 1h);
  EXPECT_THAT(validity->issuer, HasSubstr("outrider test CA"));
  SSL_SESSION_free(result.session);
}

// mTLS sessions resume (the server has a session id context and tickets), so a load with new
// connections does not pay a full handshake each time unless it wants to.
TEST_F(ContextTest, MutualTlsSessionsResume) {
  const auto server_leaf = pki_->leaf("server");
  const auto client_leaf = pki_->leaf("client");
  auto server_ctx = server(server_leaf, server_leaf.ca);
  auto client_ctx = client(server_leaf.ca, &client_leaf);
  auto options = at(testNow(), testNow());
  options.keep_session = true;
  const auto first = handshake(client_ctx, server_ctx, options);
  ASSERT_TRUE(first.client.done && first.server.done) << first.client.ec.message();
  EXPECT_FALSE(first.resumed);
  EXPECT_EQ(SSL_SESSION_is_resumable(first.session), 1);
  EXPECT_GT(SSL_SESSION_get_ticket_lifetime_hint(first.session), 0u);
  options.resume = first.session;
  const auto second = handshake(client_ctx, server_ctx, options);
  ASSERT_TRUE(second.client.done && second.server.done);
  EXPECT_TRUE(second.resumed);
  SSL_SESSION_free(first.session);
  SSL_SESSION_free(second.session);
}

// TLS 1.0 and 1.1 are not offered: a client limited to TLS 1.1 gets a protocol failure.
TEST_F(ContextTest, OldProtocolVersionsAreRefused) {
  const auto leaf = pki_->leaf("server");
  auto old_client = client(leaf.ca);
  SSL_CTX_set_min_proto_version(old_client->native_handle(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(old_client->native_handle(), TLS1_1_VERSION);
  const auto result = handshake(old_client, server(leaf), at(testNow(), testNow()));
  EXPECT_TRUE(result.server.failed);
  EXPECT_EQ(result.server.failure.reason, "protocol");
}

}  // namespace
}  // namespace outrider::tls::test
