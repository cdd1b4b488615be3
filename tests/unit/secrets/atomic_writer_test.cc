#include "outrider/secrets/atomic_writer.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "outrider/common/manual_clock.h"
#include "test_pki.h"

namespace outrider::secrets {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string readFile(const fs::path& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

class AtomicWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("outrider-writer-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::vector<std::string> setFolders() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      const auto name = entry.path().filename().string();
      if (name.rfind("..", 0) == 0 && name != DataLink && !entry.is_symlink()) {
        names.push_back(name);
      }
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  std::unique_ptr<AtomicWriter> writer(AtomicWriterOptions options = {}) {
    auto created = AtomicWriter::create(dir_, clock_, options);
    EXPECT_TRUE(created);
    return std::move(*created);
  }

  fs::path dir_;
  ManualClock clock_;
  test::TestPki pki_;
  const SystemTime start_ = clock_.systemNow();
};

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

// Rotation gap = 0 (SS-2): a reader polling through ..data as fast as it can while the writer
// swaps 1000 times never misses a file nor pairs a key with another set's certificate.
TEST_F(AtomicWriterTest, ReaderUnderRotationSeesOnlyWholeSets) {
  constexpr int Sets = 8;
  constexpr int Swaps = 1000;
  std::vector<CredentialSet> sets;
  std::map<std::string, std::string> key_of_cert;
  for (int i = 0; i < Sets; ++i) {
    sets.push_back(pki_.issue(start_, start_ + 1h, 1000 + i));
    key_of_cert[sets.back().cert_pem] = sets.back().key_pem;
  }
  auto w = writer();
  ASSERT_TRUE(w->write(sets[0]));

  std::atomic<bool> done{false};
  std::atomic<uint64_t> reads{0}, missing{0}, mismatched{0}, checked_with_openssl{0};
  unsigned restarted = 0;  // reads that found their folder pruned and began again from ..data
  std::thread reader([&] {
    while (!done.load(std::memory_order_relaxed)) {
      auto set = readSet(dir_, &restarted);
      reads.fetch_add(1, std::memory_order_relaxed);
      if (!set) {
        missing.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      const auto known = key_of_cert.find(set->cert_pem);
      if (known == key_of_cert.end() || known->second != set->key_pem ||
          set->bundle_pem != pki_.bundlePem()) {
        mismatched.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      // Every 64th read also asks OpenSSL whether the key is the certificate's.
      if (reads.load(std::memory_order_relaxed) % 64 == 0) {
        auto info = inspectSet(*set);
        if (!info) {
          mismatched.fetch_add(1, std::memory_order_relaxed);
        }
        checked_with_openssl.fetch_add(1, std::memory_order_relaxed);
      }
    }
  });
  const auto began = std::chrono::steady_clock::now();
  int swaps = 0;
  for (; swaps < Swaps; ++swaps) {
    clock_.advance(1ms);
    if (!w->write(sets[static_cast<size_t>(swaps + 1) % Sets])) {
      break;
    }
    // Bounded in time: a slow disk ends the test early rather than late.
    if (std::chrono::steady_clock::now() - began > 60s) {
      break;
    }
  }
  const auto took = std::chrono::steady_clock::now() - began;
  done = true;
  reader.join();
  std::printf(
      "reader under rotation: %d swaps in %.2fs, %llu reads (%llu checked with OpenSSL), "
      "%llu missing, %llu mismatched, %u restarted from ..data\n",
      swaps, std::chrono::duration<double>(took).count(),
      static_cast<unsigned long long>(reads.load()),
      static_cast<unsigned long long>(checked_with_openssl.load()),
      static_cast<unsigned long long>(missing.load()),
      static_cast<unsigned long long>(mismatched.load()), restarted);
  EXPECT_EQ(swaps, Swaps);
  EXPECT_GT(reads.load(), static_cast<uint64_t>(Swaps));
  EXPECT_EQ(missing.load(), 0U);
  EXPECT_EQ(mismatched.load(), 0U);
  EXPECT_EQ(setFolders().size(), 2U);
}

}  // namespace
}  // namespace outrider::secrets
