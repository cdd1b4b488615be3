// The reader under 1000 real swaps (fsync included): seconds of real I/O, so an integration test.
#include "atomic_writer_fixture.h"

namespace outrider::secrets {
namespace {

using namespace std::chrono_literals;
using test::AtomicWriterTest;

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
