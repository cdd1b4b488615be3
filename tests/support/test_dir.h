#pragma once

// A folder of each test's own: <tmp>/outrider-<prefix>-<pid>-<test name>, so that tests of one
// binary run by ctest in parallel (and reruns after a crash) never share or inherit files.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <string_view>

namespace outrider::test {

// The running test's folder, removed (with anything an earlier run left) but not created.
inline std::filesystem::path freshTestDir(std::string_view prefix) {
  auto dir = std::filesystem::temp_directory_path() /
             ("outrider-" + std::string(prefix) + "-" + std::to_string(::getpid()) + "-" +
              testing::UnitTest::GetInstance()->current_test_info()->name());
  std::filesystem::remove_all(dir);
  return dir;
}

}  // namespace outrider::test
