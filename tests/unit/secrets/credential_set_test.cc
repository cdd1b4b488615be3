#include "outrider/secrets/credential_set.h"

#include <gtest/gtest.h>

#include "test_pki.h"

namespace outrider::secrets {
namespace {

using namespace std::chrono_literals;

const SystemTime Start = SystemTime(std::chrono::hours(24 * 365 * 50));

class CredentialSetTest : public ::testing::Test {
 protected:
  test::TestPki pki_;
};

// A set from the CA parses; serial and window are read from the leaf.
TEST_F(CredentialSetTest, InspectsAValidSet) {
  const auto set = pki_.issue(Start, Start + 1h, 0xABCD);
  auto info = inspectSet(set);
  ASSERT_TRUE(info) << info.error().message;
  EXPECT_EQ(info->serial_hex, "ABCD");
  EXPECT_EQ(info->window.not_before, Start);
  EXPECT_EQ(info->window.not_after, Start + 1h);
}

// An expired set still inspects (assessSet judges time): restart needs to see it.
TEST_F(CredentialSetTest, ExpiredSetStillInspects) {
  EXPECT_TRUE(inspectSet(pki_.issue(Start - 2h, Start - 1h, 5)));
}

// The key of another leaf is refused.
TEST_F(CredentialSetTest, RefusesAKeyThatIsNotTheLeafs) {
  auto set = pki_.issue(Start, Start + 1h, 1);
  set.key_pem = pki_.issue(Start, Start + 1h, 2).key_pem;
  auto info = inspectSet(set);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message.find("does not match"), std::string::npos);
  EXPECT_EQ(info.error().message.find("PRIVATE"), std::string::npos);
}

// A leaf that does not chain to the bundle is refused.
TEST_F(CredentialSetTest, RefusesALeafOfAnotherCa) {
  test::TestPki other("other ca");
  auto set = pki_.issue(Start, Start + 1h, 1);
  set.bundle_pem = other.bundlePem();
  auto info = inspectSet(set);
  ASSERT_FALSE(info);
  EXPECT_NE(info.error().message.find("chain"), std::string::npos);
}

// Empty or garbage PEM is refused, naming the file.
TEST_F(CredentialSetTest, RefusesGarbage) {
  auto set = pki_.issue(Start, Start + 1h, 1);
  auto broken = set;
  broken.cert_pem = "garbage";
  EXPECT_NE(inspectSet(broken).error().message.find("cert.pem"), std::string::npos);
  broken = set;
  broken.key_pem = "";
  EXPECT_NE(inspectSet(broken).error().message.find("key.pem"), std::string::npos);
  broken = set;
  broken.bundle_pem = set.key_pem;
  EXPECT_NE(inspectSet(broken).error().message.find("bundle.pem"), std::string::npos);
}

}  // namespace
}  // namespace outrider::secrets
