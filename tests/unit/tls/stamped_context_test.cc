#include "outrider/tls/stamped_context.h"

#include <gmock/gmock.h>

#include "outrider/tls/peer_certificate.h"
#include "tls_test_support.h"

namespace outrider::tls::test {
namespace {

namespace fs = std::filesystem;

// The layout outrider-secrets writes: files behind a `..data` symlink that a rotation swaps.
class StampedContextTest : public TlsFixture {
 protected:
  void install(const outrider::test::PemFiles& leaf, const std::string& set) {
    const fs::path folder = dir_ / "live" / set;
    fs::create_directories(folder);
    fs::copy_file(leaf.cert, folder / "cert.pem", fs::copy_options::overwrite_existing);
    fs::copy_file(leaf.key, folder / "key.pem", fs::copy_options::overwrite_existing);
    const fs::path link = dir_ / "live" / "..data";
    const fs::path staged = dir_ / "live" / "..data.new";
    fs::remove(staged);
    fs::create_directory_symlink(set, staged);
    fs::rename(staged, link);  // atomic, as the writer does
    if (!fs::exists(dir_ / "live" / "cert.pem")) {
      fs::create_symlink("..data/cert.pem", dir_ / "live" / "cert.pem");
      fs::create_symlink("..data/key.pem", dir_ / "live" / "key.pem");
    }
  }
  Files liveFiles() const {
    return {(dir_ / "live" / "cert.pem").string(), (dir_ / "live" / "key.pem").string(), ""};
  }
  SystemTime servedNotAfter(const ContextPtr& server_ctx, const std::string& ca) {
    auto options = at(testNow(), testNow());
    options.keep_session = true;
    const auto result = handshake(client(ca), server_ctx, options);
    EXPECT_TRUE(result.client.done) << result.client.ec.message();
    if (result.session == nullptr) {
      return {};
    }
    const auto validity = validityOf(SSL_SESSION_get0_peer(result.session));
    SSL_SESSION_free(result.session);
    return validity ? validity->not_after : SystemTime{};
  }
};

TEST_F(StampedContextTest, ARotationIsTakenByTheNextConnection) {
  const auto first = pki_->leaf("first", 1h);
  const auto second = pki_->leaf("second", 2h);
  install(first, "set-1");
  auto stamped = StampedContext::create(Role::Server, liveFiles());
  ASSERT_TRUE(stamped) << stamped.error().message;
  const auto before = (*stamped)->current();
  EXPECT_EQ((*stamped)->current(), before);  // unchanged files: the same context, not re-read
  EXPECT_EQ(servedNotAfter(before, first.ca), testNow() + 1h);

  install(second, "set-2");
  const auto after = (*stamped)->current();
  EXPECT_NE(after, before);
  EXPECT_EQ((*stamped)->reloads(), 1u);
  EXPECT_EQ(servedNotAfter(after, second.ca), testNow() + 2h);
  // A live connection keeps the context it began with.
  EXPECT_EQ(servedNotAfter(before, first.ca), testNow() + 1h);
}

TEST_F(StampedContextTest, ABrokenSetKeepsTheLastGoodContext) {
  const auto first = pki_->leaf("first", 1h);
  install(first, "set-1");
  auto stamped = StampedContext::create(Role::Server, liveFiles());
  ASSERT_TRUE(stamped);
  const auto good = (*stamped)->current();
  fs::create_directories(dir_ / "live" / "set-broken");
  outrider::test::TestPki::write((dir_ / "live" / "set-broken" / "cert.pem").string(), "half a ");
  outrider::test::TestPki::write((dir_ / "live" / "set-broken" / "key.pem").string(), "");
  const fs::path staged = dir_ / "live" / "..data.new";
  fs::create_directory_symlink("set-broken", staged);
  fs::rename(staged, dir_ / "live" / "..data");
  EXPECT_EQ((*stamped)->current(), good);
  EXPECT_EQ((*stamped)->reloadFailures(), 1u);
  EXPECT_THAT((*stamped)->lastError(), testing::HasSubstr("cert.pem"));
  // Fixed: taken on the next call.
  install(first, "set-3");
  EXPECT_NE((*stamped)->current(), good);
}

}  // namespace
}  // namespace outrider::tls::test
