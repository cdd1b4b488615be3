#include <gtest/gtest.h>

#include <utility>

#include "control_test_support.h"
#include "outrider/common/manual_clock.h"
#include "outrider/control/join_tokens.h"
#include "outrider/control/request_validation.h"
#include "outrider/control/session.h"

namespace outrider::control {
namespace {

using namespace std::chrono_literals;

// A session minted with a key verifies with it until it expires, and names its node.
TEST(SessionTest, VerifiesUntilExpiry) {
  ManualClock clock;
  const SessionSigner signer("k1");
  const auto credential = signer.mint("node-a", clock.systemNow() + 10s);
  auto session = signer.verify(credential, clock.systemNow());
  ASSERT_TRUE(session);
  EXPECT_EQ(session->node_name, "node-a");
  EXPECT_FALSE(signer.verify(credential, clock.systemNow() + 10s));
}

// Another key, an edited node name or expiry, and garbage are all refused.
TEST(SessionTest, RefusesForgeries) {
  ManualClock clock;
  const SessionSigner signer("k1");
  const auto credential = signer.mint("node-a", clock.systemNow() + 10s);
  EXPECT_FALSE(SessionSigner("k2").verify(credential, clock.systemNow()));
  auto renamed = credential.substr(0, credential.size() - 1) + "b";
  EXPECT_FALSE(signer.verify(renamed, clock.systemNow()));
  auto later = credential;
  later[3] = later[3] == '9' ? '8' : '9';
  EXPECT_FALSE(signer.verify(later, clock.systemNow()));
  EXPECT_FALSE(signer.verify("", clock.systemNow()));
  EXPECT_FALSE(signer.verify("v1.", clock.systemNow()));
  EXPECT_FALSE(signer.verify("v1.x.y.z", clock.systemNow()));
}

// "Bearer <credential>" only.
TEST(SessionTest, BearerCredential) {
  EXPECT_EQ(bearerCredential("Bearer abc"), "abc");
  EXPECT_EQ(bearerCredential("Bearer "), "");
  EXPECT_EQ(bearerCredential("Basic abc"), "");
  EXPECT_EQ(bearerCredential("abc"), "");
}

// One token a line; blank lines, comments and surrounding blanks do not count.
TEST(JoinTokensTest, ParsesLinesAndComments) {
  const auto tokens = JoinTokens::parse("# comment\n\n  tok-1  \r\ntok-2\n#tok-3\n");
  EXPECT_EQ(tokens.size(), 2u);
  EXPECT_TRUE(tokens.accepts("tok-1"));
  EXPECT_TRUE(tokens.accepts("tok-2"));
  EXPECT_FALSE(tokens.accepts("tok-3"));
  EXPECT_FALSE(tokens.accepts("#tok-3"));
  EXPECT_FALSE(tokens.accepts(""));
  EXPECT_FALSE(tokens.accepts("tok-"));
}

// A file without tokens, or none at all, is an error naming it.
TEST(JoinTokensTest, LoadErrorsNameTheFile) {
  test::TempDir dir;
  test::writeText(dir / "empty", "# nothing\n\n");
  auto empty = JoinTokens::load(dir / "empty");
  ASSERT_FALSE(empty);
  EXPECT_NE(empty.error().message.find("empty"), std::string::npos);
  EXPECT_FALSE(JoinTokens::load(dir / "missing"));
}

// Node names [a-z0-9.-]{1,63}; tokens present and bounded.
TEST(RequestValidationTest, Join) {
  v1::JoinRequest request;
  request.set_token("t");
  request.set_node_name("node-1.zone");
  EXPECT_FALSE(validateJoin(request));
  request.set_node_name("Node");
  EXPECT_TRUE(validateJoin(request));
  request.set_node_name(std::string(64, 'a'));
  EXPECT_TRUE(validateJoin(request));
  request.set_node_name("");
  EXPECT_TRUE(validateJoin(request));
  request.set_node_name("ok");
  request.set_token("");
  EXPECT_TRUE(validateJoin(request));
  request.set_token(std::string(MaxTokenSize + 1, 't'));
  EXPECT_TRUE(validateJoin(request));
}

// At most 16 DNS names, each a host name; the message does not echo the bad name.
TEST(RequestValidationTest, FetchX509) {
  v1::FetchX509Request request;
  EXPECT_FALSE(validateFetchX509(request));
  request.add_dns_names("localhost");
  EXPECT_FALSE(validateFetchX509(request));
  request.add_dns_names("bad name\n");
  auto invalid = validateFetchX509(request);
  ASSERT_TRUE(invalid);
  EXPECT_EQ(invalid->find("bad name"), std::string::npos);
  request.clear_dns_names();
  for (int i = 0; i < 17; ++i) {
    request.add_dns_names("a" + std::to_string(i));
  }
  EXPECT_TRUE(validateFetchX509(request));
}

// A secret's name is required and is a path of name characters.
TEST(RequestValidationTest, FetchSecret) {
  EXPECT_TRUE(validateFetchSecret(v1::FetchSecretRequest()));
  for (const auto& [name, refused] :
       {std::pair{"db/password_1.v2", false}, std::pair{"a b", true}}) {
    v1::FetchSecretRequest request;
    request.set_name(name);
    EXPECT_EQ(validateFetchSecret(request).has_value(), refused) << name;
  }
}

}  // namespace
}  // namespace outrider::control
