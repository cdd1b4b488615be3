#include "outrider/control/state_dir.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "control_test_support.h"
#include "outrider/common/manual_clock.h"

namespace outrider::control {
namespace {

mode_t modeOf(const std::filesystem::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

class StateDirTest : public testing::Test {
 protected:
  ManualClock clock_;
  test::TempDir dir_;
};

// A new state dir gets a CA and a session key; the keys are 0600.
TEST_F(StateDirTest, CreatesKeysWithMode0600) {
  auto state = StateDir::open(dir_ / "state", clock_);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_TRUE((*state)->created());
  EXPECT_EQ(modeOf(dir_ / "state" / "ca.key"), 0600u);
  EXPECT_EQ(modeOf(dir_ / "state" / "session.key"), 0600u);
  EXPECT_EQ(modeOf(dir_ / "state"), 0700u);
  EXPECT_EQ(test::readText(dir_ / "state" / "ca.pem"), (*state)->ca().certPem());
}

// Opened again, it is the same CA, the same session key and the issuance count goes on.
TEST_F(StateDirTest, SurvivesReopen) {
  std::string cert;
  std::string session_key;
  {
    auto state = StateDir::open(dir_.path(), clock_);
    ASSERT_TRUE(state);
    ASSERT_TRUE((*state)->recordIssued("AB01"));
    ASSERT_TRUE((*state)->recordIssued("AB02"));
    cert = (*state)->ca().certPem();
    session_key = (*state)->sessionKey();
  }
  auto state = StateDir::open(dir_.path(), clock_);
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_FALSE((*state)->created());
  EXPECT_EQ((*state)->ca().certPem(), cert);
  EXPECT_EQ((*state)->sessionKey(), session_key);
  EXPECT_EQ((*state)->issuedCount(), 2u);
  EXPECT_NE(test::readText(dir_ / "issued.json").find("AB02"), std::string::npos);
}

// The wrong CA is made on first use only, kept beside the real one (key 0600) and loaded again.
TEST_F(StateDirTest, WrongCaIsMadeOnceAndKept) {
  std::string wrong_pem;
  {
    auto state = StateDir::open(dir_.path(), clock_);
    ASSERT_TRUE(state);
    EXPECT_FALSE(std::filesystem::exists(dir_ / "wrong-ca.pem"));
    auto wrong = (*state)->wrongCa(clock_.systemNow());
    ASSERT_TRUE(wrong) << wrong.error().message;
    wrong_pem = (*wrong)->certPem();
    EXPECT_NE(wrong_pem, (*state)->ca().certPem());
    EXPECT_EQ((*(*state)->wrongCa(clock_.systemNow()))->certPem(), wrong_pem);
    EXPECT_EQ(modeOf(dir_ / "wrong-ca.key"), 0600u);
    EXPECT_EQ(test::readText(dir_ / "wrong-ca.pem"), wrong_pem);
  }
  auto state = StateDir::open(dir_.path(), clock_);
  ASSERT_TRUE(state);
  EXPECT_EQ((*(*state)->wrongCa(clock_.systemNow()))->certPem(), wrong_pem);
  // Half of it missing is named, like the real CA.
  std::filesystem::remove(dir_ / "wrong-ca.key");
  auto reopened = StateDir::open(dir_.path(), clock_);
  ASSERT_TRUE(reopened);
  auto broken = (*reopened)->wrongCa(clock_.systemNow());
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("wrong-ca.key"), std::string::npos);
}

// Each corrupt file is an error that names it.
TEST_F(StateDirTest, CorruptFilesAreNamed) {
  ASSERT_TRUE(StateDir::open(dir_.path(), clock_));
  for (const std::string name : {"ca.pem", "ca.key", "session.key", "issued.json"}) {
    const auto path = dir_ / name;
    const std::string good = test::readText(path);
    test::writeText(path, "corrupt");
    auto state = StateDir::open(dir_.path(), clock_);
    ASSERT_FALSE(state) << name;
    EXPECT_NE(state.error().message.find(path.string()), std::string::npos)
        << state.error().message;
    if (good.empty()) {
      std::filesystem::remove(path);
    } else {
      test::writeText(path, good);
    }
  }
}

// Half a CA (the certificate without its key) is an error naming the missing file.
TEST_F(StateDirTest, HalfACaIsAnError) {
  ASSERT_TRUE(StateDir::open(dir_.path(), clock_));
  std::filesystem::remove(dir_ / "ca.key");
  auto state = StateDir::open(dir_.path(), clock_);
  ASSERT_FALSE(state);
  EXPECT_NE(state.error().message.find("ca.key"), std::string::npos);
}

}  // namespace
}  // namespace outrider::control
