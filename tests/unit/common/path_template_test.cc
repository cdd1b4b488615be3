#include "outrider/common/path_template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace outrider {
namespace {

using testing::HasSubstr;

std::string pathOf(const PathTemplate& t, uint64_t index) {
  std::string out;
  t.expand(index, out);
  return out;
}

TEST(PathTemplateTest, APlainPathIsSentAsWritten) {
  auto t = PathTemplate::parse("/items?x=1&y=$2", 7);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_FALSE(t->varies());
  EXPECT_EQ(pathOf(*t, 0), "/items?x=1&y=$2");  // a '$' without '{' is literal
  EXPECT_EQ(pathOf(*t, 99), "/items?x=1&y=$2");
  EXPECT_EQ(t->distinctPaths(), 1u);
}

TEST(PathTemplateTest, SeqIsTheRequestsNumber) {
  auto t = PathTemplate::parse("/r/${seq}/x", 0);
  ASSERT_TRUE(t) << t.error().message;
  EXPECT_TRUE(t->varies());
  EXPECT_EQ(pathOf(*t, 0), "/r/0/x");
  EXPECT_EQ(pathOf(*t, 18446744073709551615ULL), "/r/18446744073709551615/x");
  EXPECT_EQ(t->distinctPaths(), 0u);
  EXPECT_GE(t->maxLength(), std::string("/r/18446744073709551615/x").size());
}

TEST(PathTemplateTest, RandStaysBelowItsBoundAndCoversIt) {
  auto t = PathTemplate::parse("/items/${rand:10}", 42);
  ASSERT_TRUE(t) << t.error().message;
  std::map<std::string, int> seen;
  for (uint64_t i = 0; i < 10000; ++i) {
    ++seen[pathOf(*t, i)];
  }
  ASSERT_EQ(seen.size(), 10u);  // /items/0 .. /items/9, nothing else
  for (const auto& [path, n] : seen) {
    EXPECT_THAT(path, testing::MatchesRegex("/items/[0-9]"));
    EXPECT_NEAR(n, 1000, 150) << path;  // roughly uniform
  }
  EXPECT_EQ(t->distinctPaths(), 10u);
}

TEST(PathTemplateTest, TheSameSeedGivesTheSamePathsAndAnotherSeedOthers) {
  auto a = PathTemplate::parse("/i/${rand:100000}", 1);
  auto b = PathTemplate::parse("/i/${rand:100000}", 1);
  auto c = PathTemplate::parse("/i/${rand:100000}", 2);
  ASSERT_TRUE(a && b && c);
  int differ = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    EXPECT_EQ(pathOf(*a, i), pathOf(*b, i));
    differ += pathOf(*a, i) != pathOf(*c, i) ? 1 : 0;
  }
  EXPECT_GT(differ, 990);
  // Random over requests: 1000 draws of 100000 values are nearly all distinct.
  std::set<std::string> distinct;
  for (uint64_t i = 0; i < 1000; ++i) {
    distinct.insert(pathOf(*a, i));
  }
  EXPECT_GT(distinct.size(), 990u);
}

TEST(PathTemplateTest, TwoRandsDrawIndependently) {
  auto t = PathTemplate::parse("/${rand:1000}/${rand:1000}", 5);
  ASSERT_TRUE(t);
  int equal = 0;
  for (uint64_t i = 0; i < 2000; ++i) {
    const std::string p = pathOf(*t, i);
    const auto slash = p.find('/', 1);
    equal += p.substr(1, slash - 1) == p.substr(slash + 1) ? 1 : 0;
  }
  EXPECT_LT(equal, 10);  // ~2 expected by chance; the same stream would give 2000
  EXPECT_EQ(t->distinctPaths(), 1000000u);
}

TEST(PathTemplateTest, ExpandingReusesTheBuffer) {
  auto t = PathTemplate::parse("/a/${seq}/${rand:1000000000000000000}", 3);
  ASSERT_TRUE(t);
  std::string buffer;
  buffer.reserve(t->maxLength());
  const char* storage = buffer.data();
  for (uint64_t i = 0; i < 1000; ++i) {
    t->expand(i * 7919, buffer);
    ASSERT_LE(buffer.size(), t->maxLength());
  }
  EXPECT_EQ(buffer.data(), storage);  // never grew: no allocation per request
}

TEST(PathTemplateTest, RefusesWhatIsNoRequestPath) {
  struct Case {
    const char* text;
    const char* says;
  };
  for (const Case& c :
       {Case{"", "must start with '/'"}, Case{"items", "must start with '/'"},
        Case{"/a b", "space or control character"}, Case{"/a\tb", "space or control character"},
        Case{"/${seq", "unclosed placeholder"},
        Case{"/${port.app}", "unknown placeholder ${port.app}"},
        Case{"/${rand}", "unknown placeholder ${rand}"}, Case{"/${rand:0}", "${rand:0}: N must be"},
        Case{"/${rand:-5}", "N must be"}, Case{"/${rand:1e3}", "N must be"},
        Case{"/${rand:1000000000000000001}", "N must be"}}) {
    auto t = PathTemplate::parse(c.text, 0);
    ASSERT_FALSE(t) << c.text;
    EXPECT_THAT(t.error().message, HasSubstr(c.says)) << c.text;
  }
}

}  // namespace
}  // namespace outrider
