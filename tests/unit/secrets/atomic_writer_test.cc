#include "atomic_writer_fixture.h"

namespace outrider::secrets {
namespace {

using test::AtomicWriterTest;
using test::readFile;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

// One write: the set's folder, ..data onto it, the user-visible links, key.pem 0600.
TEST_F(AtomicWriterTest, WritesOneSetBehindDataLink) {
  const auto set = pki_.issue(start_, start_ + 1h, 1);
  auto w = writer();
  auto folder = w->write(set);
  ASSERT_TRUE(folder) << folder.error().message;
  EXPECT_EQ(*folder, "..2019_12_20_00_00_00.000000000");
  EXPECT_EQ(fs::read_symlink(dir_ / DataLink), *folder);
  for (const char* name : {CertFile, KeyFile, BundleFile}) {
    EXPECT_EQ(fs::read_symlink(dir_ / name), fs::path(DataLink) / name);
  }
  struct stat key_stat {};
  ASSERT_EQ(::stat((dir_ / KeyFile).c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600U);
  struct stat cert_stat {};
  ASSERT_EQ(::stat((dir_ / CertFile).c_str(), &cert_stat), 0);
  EXPECT_EQ(cert_stat.st_mode & 0777, 0644U);
  auto read = readSet(dir_);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->cert_pem, set.cert_pem);
  EXPECT_EQ(read->key_pem, set.key_pem);
  EXPECT_EQ(read->bundle_pem, set.bundle_pem);
  EXPECT_FALSE(fs::exists(fs::symlink_status(dir_ / "..data_tmp")));
}

// The key stays 0600 under a permissive umask too.
TEST_F(AtomicWriterTest, KeyIsPrivateWhateverTheUmask) {
  const mode_t old = ::umask(0);
  auto w = writer();
  ASSERT_TRUE(w->write(pki_.issue(start_, start_ + 1h, 1)));
  ::umask(old);
  struct stat key_stat {};
  ASSERT_EQ(::stat((dir_ / KeyFile).c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600U);
}

// Five writes leave the current set and the previous one; older ones are pruned.
TEST_F(AtomicWriterTest, KeepsCurrentAndPreviousPrunesOlder) {
  auto w = writer();
  std::vector<std::string> folders;
  for (int i = 0; i < 5; ++i) {
    clock_.advance(1s);
    auto folder = w->write(pki_.issue(start_, start_ + 1h, 10 + i));
    ASSERT_TRUE(folder);
    folders.push_back(*folder);
  }
  EXPECT_EQ(setFolders(), (std::vector<std::string>{folders[3], folders[4]}));
  EXPECT_EQ(w->currentFolder(), folders[4]);
}

// A writer restarted over an existing folder keeps that set as the previous one and never
// deletes the current set, also when the clock went backwards.
TEST_F(AtomicWriterTest, RestartKeepsTheCurrentSet) {
  const auto first = pki_.issue(start_, start_ + 1h, 1);
  std::string old_folder;
  {
    auto w = writer();
    clock_.advance(10s);
    old_folder = *w->write(first);
  }
  ManualClock behind;  // earlier than the folder's name
  auto w = AtomicWriter::create(dir_, behind);
  ASSERT_TRUE(w);
  auto folder = (*w)->write(pki_.issue(start_, start_ + 1h, 2));
  ASSERT_TRUE(folder);
  EXPECT_EQ(setFolders(), (std::vector<std::string>{*folder, old_folder}));
  // Two writes in the same clock tick get distinct folders.
  auto again = (*w)->write(pki_.issue(start_, start_ + 1h, 3));
  ASSERT_TRUE(again);
  EXPECT_NE(*again, *folder);
  EXPECT_EQ(fs::read_symlink(dir_ / DataLink), *again);
  EXPECT_EQ(setFolders().size(), 2U);
}

// A stale ..data_tmp (a crash between symlink and rename) and plain files at the user names
// (an older, non-atomic writer) are replaced.
TEST_F(AtomicWriterTest, ReplacesLeftovers) {
  fs::create_directories(dir_);
  fs::create_symlink("..nowhere", dir_ / "..data_tmp");
  { std::ofstream(dir_ / CertFile) << "old"; }
  auto w = writer();
  const auto set = pki_.issue(start_, start_ + 1h, 1);
  ASSERT_TRUE(w->write(set));
  EXPECT_EQ(readFile(dir_ / CertFile), set.cert_pem);
}

}  // namespace
}  // namespace outrider::secrets
