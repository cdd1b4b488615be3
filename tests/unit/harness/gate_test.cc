#include <gtest/gtest.h>

#include "outrider/harness/commands.h"

namespace outrider::harness {
namespace {

// A gate reports the worst outcome: harness error > usage > invalid > fail > inconclusive > pass.
TEST(GateSeverityTest, OrdersExitCodes) {
  const int worst_first[] = {3, 2, 5, 1, 4, 0};
  for (size_t i = 0; i + 1 < std::size(worst_first); ++i) {
    EXPECT_GT(gateSeverity(worst_first[i]), gateSeverity(worst_first[i + 1]))
        << worst_first[i] << " vs " << worst_first[i + 1];
  }
}

// An exit code the spec does not list is treated as a harness error, never as a pass.
TEST(GateSeverityTest, UnknownCodesCountAsHarnessErrors) {
  EXPECT_EQ(gateSeverity(134), gateSeverity(3));
}

}  // namespace
}  // namespace outrider::harness
