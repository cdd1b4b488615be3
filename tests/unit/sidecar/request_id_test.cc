#include "outrider/sidecar/request_id.h"

#include <string>
#include <unordered_set>

#include <gtest/gtest.h>

namespace outrider::sidecar {
namespace {

// Ids are 16 lowercase hex characters.
TEST(RequestIdGeneratorTest, IsSixteenHexCharacters) {
  RequestIdGenerator ids(42, 0);
  const auto id = ids.next();
  ASSERT_EQ(id.view().size(), 16u);
  for (const char c : id.view()) {
    EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id.view();
  }
}

// The same seed and stream give the same sequence (tests and replays are deterministic).
TEST(RequestIdGeneratorTest, IsDeterministicForASeed) {
  RequestIdGenerator a(7, 3);
  RequestIdGenerator b(7, 3);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(a.next().view(), b.next().view());
  }
  EXPECT_NE(RequestIdGenerator(7, 3).next().view(), RequestIdGenerator(8, 3).next().view());
}

// No collisions within a stream or across the streams of different event loops.
TEST(RequestIdGeneratorTest, IsUniqueAcrossStreams) {
  std::unordered_set<std::string> seen;
  for (uint16_t stream = 0; stream < 4; ++stream) {
    RequestIdGenerator ids(0x1234, stream);
    for (int i = 0; i < 50000; ++i) {
      ASSERT_TRUE(seen.emplace(ids.next().view()).second);
    }
  }
}

}  // namespace
}  // namespace outrider::sidecar
