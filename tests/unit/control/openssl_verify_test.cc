// The CA's output checked by the openssl program itself (a child process: integration).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>

#include "control_test_support.h"
#include "outrider/common/manual_clock.h"
#include "outrider/control/ca.h"

namespace outrider::control {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) {
    return "popen failed";
  }
  char buffer[4096];
  while (std::fgets(buffer, sizeof(buffer), pipe) != nullptr) {
    out += buffer;
  }
  const int status = ::pclose(pipe);
  return out + "exit=" + std::to_string(WEXITSTATUS(status));
}

// A leaf issued at a ManualClock time verifies against the root at that time (openssl verify
// -attime), not an hour past NotAfter, and openssl reads back the SANs and usages.
TEST(OpensslVerifyTest, LeafVerifiesAgainstRoot) {
  ManualClock clock;
  test::TempDir dir;
  auto ca = CertificateAuthority::createRoot("outrider local CA", clock.systemNow());
  ASSERT_TRUE(ca);
  auto issued = (*ca)->issue(
      {"node-a", "spiffe://outrider.local/node/node-a", {"localhost", "node-a.svc"}, 3600s},
      clock.systemNow());
  ASSERT_TRUE(issued);
  test::writeText(dir / "root.pem", (*ca)->certPem());
  test::writeText(dir / "leaf.pem", issued->cert_pem);
  test::writeText(dir / "leaf.key", issued->key_pem);
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(clock.systemNow().time_since_epoch())
          .count();
  const std::string verify = "openssl verify -CAfile " + (dir / "root.pem").string();
  EXPECT_THAT(run(verify + " -attime " + std::to_string(now) + " " + (dir / "leaf.pem").string()),
              HasSubstr(": OK\nexit=0"));
  EXPECT_THAT(
      run(verify + " -attime " + std::to_string(now + 7200) + " " + (dir / "leaf.pem").string()),
      HasSubstr("certificate has expired"));
  EXPECT_THAT(run(verify + " -attime " + std::to_string(now) + " -purpose sslserver " +
                  (dir / "leaf.pem").string()),
              HasSubstr(": OK"));
  EXPECT_THAT(run(verify + " -attime " + std::to_string(now) + " -purpose sslclient " +
                  (dir / "leaf.pem").string()),
              HasSubstr(": OK"));
  const auto text = run("openssl x509 -noout -text -in " + (dir / "leaf.pem").string());
  EXPECT_THAT(text, HasSubstr("URI:spiffe://outrider.local/node/node-a"));
  EXPECT_THAT(text, HasSubstr("DNS:localhost, DNS:node-a.svc"));
  EXPECT_THAT(text, HasSubstr("IP Address:127.0.0.1"));
  EXPECT_THAT(text, HasSubstr("TLS Web Server Authentication, TLS Web Client Authentication"));
  EXPECT_THAT(text, HasSubstr("Digital Signature"));
  EXPECT_THAT(text, HasSubstr("ASN1 OID: prime256v1"));
  const auto root_text = run("openssl x509 -noout -text -in " + (dir / "root.pem").string());
  EXPECT_THAT(root_text, HasSubstr("CA:TRUE, pathlen:0"));
  EXPECT_THAT(root_text, HasSubstr("Certificate Sign"));
  // The key file is PKCS#8 and belongs to the certificate (same public key).
  EXPECT_EQ(run("openssl pkey -in " + (dir / "leaf.key").string() + " -pubout"),
            run("openssl x509 -in " + (dir / "leaf.pem").string() + " -noout -pubkey"));
}

}  // namespace
}  // namespace outrider::control
