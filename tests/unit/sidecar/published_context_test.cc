#include "published_context.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "test_dir.h"
#include "test_pki.h"

namespace outrider::sidecar {
namespace {

namespace fs = std::filesystem;

class PublishedContextTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = outrider::test::freshTestDir("published");
    pki_ = std::make_unique<test::TestPki>(dir_ / "pki", SystemTime(std::chrono::hours(500000)));
    ASSERT_TRUE(pki_->ok());
    first_ = pki_->leaf("first", std::chrono::hours(1));
    second_ = pki_->leaf("second", std::chrono::hours(2));
    fs::create_directories(dir_ / "live");
    files_ = {(dir_ / "live" / "cert.pem").string(), (dir_ / "live" / "key.pem").string(), ""};
    install(first_.cert, first_.key);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Replaces the live files by a rename each (new inodes), as a rotation does.
  void install(const std::string& cert, const std::string& key) {
    for (const auto& [from, to] : {std::pair{cert, files_.cert}, std::pair{key, files_.key}}) {
      fs::copy_file(from, to + ".tmp", fs::copy_options::overwrite_existing);
      fs::rename(to + ".tmp", to);
    }
  }

  fs::path dir_;
  std::unique_ptr<test::TestPki> pki_;
  test::PemFiles first_;
  test::PemFiles second_;
  tls::Files files_;
};

// Unchanged files keep the published context; changed ones publish a new one, whose NotAfter is
// the new certificate's.
TEST_F(PublishedContextTest, PublishesANewContextWhenTheFilesChange) {
  auto published = PublishedContext::create(tls::Role::Server, files_);
  ASSERT_TRUE(published) << published.error().message;
  const tls::ContextPtr before = (*published)->current();
  EXPECT_EQ((*published)->reload(), PublishedContext::Reload::Unchanged);
  EXPECT_EQ((*published)->current(), before);
  install(second_.cert, second_.key);
  EXPECT_EQ((*published)->reload(), PublishedContext::Reload::Reloaded);
  EXPECT_NE((*published)->current(), before);
  EXPECT_EQ(certificateNotAfter((*published)->current()).value_or(0) -
                certificateNotAfter(before).value_or(0),
            3600.0);
}

// A broken set keeps the published context and fails once for that version of the files; the
// next good set is published.
TEST_F(PublishedContextTest, BrokenSetKeepsTheContextAndFailsOnce) {
  auto published = PublishedContext::create(tls::Role::Server, files_);
  ASSERT_TRUE(published) << published.error().message;
  const tls::ContextPtr before = (*published)->current();
  install(second_.cert, first_.key);
  EXPECT_EQ((*published)->reload(), PublishedContext::Reload::Failed);
  EXPECT_NE((*published)->lastError().find("does not match"), std::string::npos)
      << (*published)->lastError();
  EXPECT_EQ((*published)->reload(), PublishedContext::Reload::Unchanged);
  EXPECT_EQ((*published)->current(), before);
  install(second_.cert, second_.key);
  EXPECT_EQ((*published)->reload(), PublishedContext::Reload::Reloaded);
  EXPECT_NE((*published)->current(), before);
}

}  // namespace
}  // namespace outrider::sidecar
