#pragma once

// Golden-file comparison for renderers: OUTRIDER_UPDATE_GOLDEN=1 (re)writes the file first.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include <gtest/gtest.h>

namespace outrider::test {

inline void expectMatchesGolden(const std::string& rendered, const std::string& golden_path) {
  if (std::getenv("OUTRIDER_UPDATE_GOLDEN") != nullptr) {
    std::filesystem::create_directories(std::filesystem::path(golden_path).parent_path());
    std::ofstream(golden_path) << rendered;
  }
  std::ifstream file(golden_path);
  ASSERT_TRUE(file) << "missing " << golden_path << " (OUTRIDER_UPDATE_GOLDEN=1 writes it)";
  std::string golden((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(rendered, golden);
}

}  // namespace outrider::test
