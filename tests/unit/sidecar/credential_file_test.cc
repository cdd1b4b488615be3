// outrider-echo --credential-file: valid only inside the certificate's validity period on the
// injected clock; re-read when the file is replaced; a missing or unreadable file is invalid.
#include "outrider/sidecar/credential_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "outrider/common/manual_clock.h"
#include "test_dir.h"

namespace outrider::sidecar {
namespace {

using std::chrono::seconds;
using testing::HasSubstr;

// tests/golden/credentials/cert.pem: notBefore 2026-12-01T21:57:41Z, notAfter a year later.
constexpr int64_t NotBefore = 1796162261;
constexpr int64_t NotAfter = NotBefore + 365 * 86400;

class CredentialFileTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = outrider::test::freshTestDir("credential");
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static ManualClock clockAt(int64_t unix_seconds) {
    return ManualClock(MonotonicTime(std::chrono::hours(1)), SystemTime(seconds(unix_seconds)));
  }

  std::filesystem::path dir_;
  const std::string golden_ = "tests/golden/credentials/cert.pem";
};

TEST_F(CredentialFileTest, ValidOnlyInsideTheValidityPeriod) {
  {
    auto clock = clockAt(NotBefore + 10);
    EXPECT_TRUE(CredentialFile(golden_, clock).check().valid);
  }
  {
    auto clock = clockAt(NotBefore - 1);
    auto check = CredentialFile(golden_, clock).check();
    EXPECT_FALSE(check.valid);
    EXPECT_EQ(check.reason, "certificate not valid before 2026-12-01T21:57:41Z");
  }
  {
    auto clock = clockAt(NotAfter);
    auto check = CredentialFile(golden_, clock).check();
    EXPECT_FALSE(check.valid);
    EXPECT_EQ(check.reason, "certificate expired at 2027-12-01T21:57:41Z");
  }
}

TEST_F(CredentialFileTest, FollowsTheFileAsItIsReplaced) {
  auto clock = clockAt(NotBefore + 10);
  const auto path = (dir_ / "cert.pem").string();
  CredentialFile file(path, clock);
  auto missing = file.check();
  EXPECT_FALSE(missing.valid);
  EXPECT_THAT(missing.reason, HasSubstr("No such file"));

  std::ofstream(dir_ / "garbage.pem") << "-----BEGIN CERTIFICATE-----\nnot base64\n";
  std::filesystem::rename(dir_ / "garbage.pem", path);
  auto garbage = file.check();
  EXPECT_FALSE(garbage.valid);
  EXPECT_THAT(garbage.reason, HasSubstr("no PEM certificate"));

  // A new file renamed over the path (a new inode, as a ..data swap gives) is read again.
  std::filesystem::copy_file(golden_, dir_ / "next.pem");
  std::filesystem::rename(dir_ / "next.pem", path);
  EXPECT_TRUE(file.check().valid);
  clock.advance(seconds(NotAfter - NotBefore));
  EXPECT_FALSE(file.check().valid);
}

}  // namespace
}  // namespace outrider::sidecar
