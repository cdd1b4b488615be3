#include <gtest/gtest.h>

#include "outrider/admin/admin_server.h"

namespace outrider::admin {
namespace {

// Values are percent- and '+'-decoded; the first match wins; absent names are empty.
TEST(QueryValueTest, Decodes) {
  EXPECT_EQ(queryValue("mode=slow&latency=250ms", "latency"), "250ms");
  EXPECT_EQ(queryValue("a=1&a=2", "a"), "1");
  EXPECT_EQ(queryValue("v=a%20b%2Bc+d", "v"), "a b+c d");
  EXPECT_EQ(queryValue("v=%zz%4", "v"), "%zz%4");
  EXPECT_EQ(queryValue("flag&x=1", "flag"), "");
  EXPECT_EQ(queryValue("x=1", "y"), "");
  EXPECT_EQ(queryValue("", "y"), "");
  EXPECT_EQ(queryValue("m%6fde=down", "mode"), "down");
}

}  // namespace
}  // namespace outrider::admin
