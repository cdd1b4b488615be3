#include "outrider/control/ca.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "control_test_support.h"
#include "outrider/common/manual_clock.h"

namespace outrider::control {
namespace {

using namespace std::chrono_literals;
using testing::ElementsAre;

int64_t unixSeconds(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

class CaTest : public testing::Test {
 protected:
  void SetUp() override {
    auto ca = CertificateAuthority::createRoot("test CA", clock_.systemNow());
    ASSERT_TRUE(ca) << ca.error().message;
    ca_ = std::move(*ca);
  }
  LeafRequest leaf(std::chrono::seconds ttl = 3600s) {
    return {"node-a", "spiffe://outrider.local/node/node-a", {"localhost", "node-a.svc"}, ttl};
  }
  ManualClock clock_;
  CertificateAuthorityPtr ca_;
};

// The root is a CA (basicConstraints CA:TRUE, pathlen 0, keyCertSign) whose key matches it.
TEST_F(CaTest, RootIsACaWithPathlenZero) {
  auto root = test::parseCert(ca_->certPem());
  ASSERT_TRUE(root);
  EXPECT_EQ(X509_check_ca(root.get()), 1);
  EXPECT_EQ(X509_get_pathlen(root.get()), 0);
  EXPECT_TRUE(X509_get_key_usage(root.get()) & KU_KEY_CERT_SIGN);
  EXPECT_TRUE(test::keyMatches(ca_->certPem(), ca_->keyPem()));
  EXPECT_NE(ca_->keyPem().find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
}

// A leaf has the SPIFFE URI, the DNS names and 127.0.0.1, and the times of the injected clock.
TEST_F(CaTest, LeafCarriesSansAndClockTimes) {
  auto issued = ca_->issue(leaf(600s), clock_.systemNow());
  ASSERT_TRUE(issued) << issued.error().message;
  auto cert = test::parseCert(issued->cert_pem);
  ASSERT_TRUE(cert);
  EXPECT_THAT(test::subjectAltNames(cert.get()),
              ElementsAre("URI:spiffe://outrider.local/node/node-a", "DNS:localhost",
                          "DNS:node-a.svc", "IP:127.0.0.1"));
  const int64_t now = unixSeconds(clock_.systemNow());
  EXPECT_EQ(test::notBeforeUnix(cert.get()), now - 30);
  EXPECT_EQ(test::notAfterUnix(cert.get()), now + 600);
  EXPECT_EQ(unixSeconds(issued->not_after), now + 600);
  EXPECT_EQ(unixSeconds(issued->not_before), now - 30);
}

// A short-lived leaf is backdated by a tenth of its lifetime only, so it is not spent (nor past
// its rotation point) as it is issued.
TEST_F(CaTest, ShortLivedLeafIsBackdatedByATenth) {
  auto issued = ca_->issue(leaf(10s), clock_.systemNow());
  ASSERT_TRUE(issued) << issued.error().message;
  const int64_t now = unixSeconds(clock_.systemNow());
  EXPECT_EQ(unixSeconds(issued->not_before), now - 1);
  EXPECT_EQ(unixSeconds(issued->not_after), now + 10);
}

// The key handed out is the leaf's, PKCS#8, and the leaf is for servers and clients, not a CA.
TEST_F(CaTest, LeafKeyMatchesAndUsagesAreSet) {
  auto issued = ca_->issue(leaf(), clock_.systemNow());
  ASSERT_TRUE(issued);
  EXPECT_TRUE(test::keyMatches(issued->cert_pem, issued->key_pem));
  EXPECT_FALSE(test::keyMatches(issued->cert_pem, ca_->keyPem()));
  EXPECT_NE(issued->key_pem.find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  auto cert = test::parseCert(issued->cert_pem);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_TRUE(X509_get_key_usage(cert.get()) & KU_DIGITAL_SIGNATURE);
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_SERVER);
  EXPECT_TRUE(X509_get_extended_key_usage(cert.get()) & XKU_SSL_CLIENT);
  EXPECT_NE(X509_get0_subject_key_id(cert.get()), nullptr);
  EXPECT_NE(X509_get0_authority_key_id(cert.get()), nullptr);
  auto root = test::parseCert(ca_->certPem());
  EXPECT_EQ(X509_check_issued(root.get(), cert.get()), X509_V_OK);
}

// Serials are 128-bit, positive and do not repeat.
TEST_F(CaTest, SerialsAreRandom128Bit) {
  std::set<std::string> serials;
  for (int i = 0; i < 20; ++i) {
    auto issued = ca_->issue(leaf(), clock_.systemNow());
    ASSERT_TRUE(issued);
    EXPECT_EQ(issued->serial_hex.size(), 32u) << issued->serial_hex;
    auto cert = test::parseCert(issued->cert_pem);
    EXPECT_EQ(X509_get_serialNumber(cert.get())->type, V_ASN1_INTEGER);  // not negative
    serials.insert(issued->serial_hex);
  }
  EXPECT_EQ(serials.size(), 20u);
}

// A loaded CA is the same CA: what it issues verifies against the original root.
TEST_F(CaTest, LoadedCaIssuesUnderTheSameRoot) {
  auto loaded = CertificateAuthority::load(ca_->certPem(), ca_->keyPem());
  ASSERT_TRUE(loaded) << loaded.error().message;
  auto issued = (*loaded)->issue(leaf(), clock_.systemNow());
  ASSERT_TRUE(issued);
  auto root = test::parseCert(ca_->certPem());
  auto cert = test::parseCert(issued->cert_pem);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(root.get())), 1);
}

// A key of another CA, or text that is not PEM, is refused with a reason.
TEST_F(CaTest, LoadRefusesMismatchAndGarbage) {
  auto other = CertificateAuthority::createRoot("other", clock_.systemNow());
  ASSERT_TRUE(other);
  auto mismatch = CertificateAuthority::load(ca_->certPem(), (*other)->keyPem());
  ASSERT_FALSE(mismatch);
  EXPECT_THAT(mismatch.error().message, testing::HasSubstr("does not match"));
  EXPECT_FALSE(CertificateAuthority::load("garbage", ca_->keyPem()));
  EXPECT_FALSE(CertificateAuthority::load(ca_->certPem(), "garbage"));
}

// Bad DNS names and a non-positive lifetime are refused before anything is signed.
TEST_F(CaTest, IssueRefusesBadNames) {
  auto bad = leaf();
  bad.dns_names = {"a,DNS:evil"};
  EXPECT_FALSE(ca_->issue(bad, clock_.systemNow()));
  EXPECT_FALSE(ca_->issue(leaf(0s), clock_.systemNow()));
}

// Host names: labels of letters, digits and inner hyphens; an optional leading wildcard.
TEST(DnsNameTest, Validity) {
  EXPECT_TRUE(isValidDnsName("localhost"));
  EXPECT_TRUE(isValidDnsName("a-b.example.com"));
  EXPECT_TRUE(isValidDnsName("*.example.com"));
  EXPECT_FALSE(isValidDnsName(""));
  EXPECT_FALSE(isValidDnsName("-a.com"));
  EXPECT_FALSE(isValidDnsName("a..b"));
  EXPECT_FALSE(isValidDnsName("a.b."));
  EXPECT_FALSE(isValidDnsName("a b"));
  EXPECT_FALSE(isValidDnsName(std::string(64, 'a')));
  EXPECT_FALSE(isValidDnsName("*"));
}

}  // namespace
}  // namespace outrider::control

