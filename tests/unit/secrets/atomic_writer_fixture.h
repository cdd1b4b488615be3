#pragma once

// The writer tests' fixture: a temp folder, a manual clock and a test PKI.

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
#include "outrider/secrets/atomic_writer.h"
#include "test_dir.h"
#include "test_pki.h"

namespace outrider::secrets::test {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

inline std::string readFile(const fs::path& path) {
  std::ifstream file(path);
  return std::string(std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>());
}

class AtomicWriterTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = outrider::test::freshTestDir("writer"); }
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

}  // namespace outrider::secrets::test
