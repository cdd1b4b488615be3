#include "outrider/harness/reply_matcher.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace outrider::harness {
namespace {

using scenarios::StatusMatch;

// Feeds a reply's fields and body (in the chunks given) and says whether it matched.
bool check(const ReplyMatcher& matcher, int status,
           std::initializer_list<std::pair<std::string_view, std::string_view>> fields,
           std::initializer_list<std::string_view> chunks) {
  ReplyCheck state;
  matcher.prepare(state);
  for (const auto& [name, value] : fields) {
    matcher.onField(name, value, state);
  }
  for (std::string_view chunk : chunks) {
    matcher.onBody(chunk, state);
  }
  return matcher.matches(status, state);
}

// Nothing expected: every reply matches, whatever its status.
TEST(ReplyMatcherTest, EmptyExpectationMatchesAll) {
  ReplyMatcher matcher(ReplyExpectation{});
  EXPECT_FALSE(matcher.readsHeaders());
  EXPECT_FALSE(matcher.readsBody());
  EXPECT_TRUE(check(matcher, 200, {}, {}));
  EXPECT_TRUE(check(matcher, 503, {}, {}));
}

// Codes and classes: any of them.
TEST(ReplyMatcherTest, StatusCodesAndClasses) {
  ReplyMatcher matcher(ReplyExpectation{{StatusMatch{0, 2}, StatusMatch{304, 0}}, {}, {}});
  EXPECT_TRUE(check(matcher, 200, {}, {}));
  EXPECT_TRUE(check(matcher, 299, {}, {}));
  EXPECT_TRUE(check(matcher, 304, {}, {}));
  EXPECT_FALSE(check(matcher, 301, {}, {}));
  EXPECT_FALSE(check(matcher, 404, {}, {}));
  EXPECT_FALSE(check(matcher, 500, {}, {}));
}

// Header names are case-insensitive, values exact; every expected header must be there.
TEST(ReplyMatcherTest, HeadersExactValuesAnyCaseNames) {
  ReplyMatcher matcher(
      ReplyExpectation{{}, {{"X-Served-By", "app"}, {"Content-Type", "text/plain"}}, {}});
  EXPECT_TRUE(check(matcher, 200, {{"x-served-by", "app"}, {"CONTENT-TYPE", "text/plain"}}, {}));
  EXPECT_FALSE(check(matcher, 200, {{"X-Served-By", "other"}, {"Content-Type", "text/plain"}}, {}));
  EXPECT_FALSE(check(matcher, 200, {{"X-Served-By", "App"}, {"Content-Type", "text/plain"}}, {}));
  EXPECT_FALSE(check(matcher, 200, {{"X-Served-By", "app "}, {"Content-Type", "text/plain"}}, {}));
  EXPECT_FALSE(check(matcher, 200, {{"Content-Type", "text/plain"}}, {}));  // one missing
  EXPECT_FALSE(
      check(matcher, 200, {{"X-Served-By-Not", "app"}, {"Content-Type", "text/plain"}}, {}));
}

// The body substring is found in one chunk, across chunk boundaries, and not where it is not.
TEST(ReplyMatcherTest, BodyContainsAcrossChunks) {
  ReplyMatcher matcher(ReplyExpectation{{}, {}, "needle"});
  EXPECT_TRUE(check(matcher, 200, {}, {"hay needle hay"}));
  EXPECT_TRUE(check(matcher, 200, {}, {"hay nee", "dle hay"}));
  EXPECT_TRUE(check(matcher, 200, {}, {"n", "e", "e", "d", "l", "e"}));
  EXPECT_TRUE(check(matcher, 200, {}, {"xxne", "e", "dlexx"}));
  EXPECT_TRUE(check(matcher, 200, {}, {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaan", "eedle"}));
  EXPECT_FALSE(check(matcher, 200, {}, {}));
  EXPECT_FALSE(check(matcher, 200, {}, {"needl"}));
  EXPECT_FALSE(check(matcher, 200, {}, {"need", "xle"}));
  EXPECT_FALSE(check(matcher, 200, {}, {"neee", "dle"}));
  ReplyMatcher one(ReplyExpectation{{}, {}, "x"});
  EXPECT_TRUE(check(one, 200, {}, {"ab", "cx"}));
  EXPECT_FALSE(check(one, 200, {}, {"ab", "cd"}));
}

// Every check must hold at once; a connection's state is reset between replies and its carry
// buffer keeps the capacity it was given (no allocation per reply).
TEST(ReplyMatcherTest, AllTogetherAndResetKeepsCapacity) {
  ReplyMatcher matcher(
      ReplyExpectation{{StatusMatch{200, 0}}, {{"X-Served-By", "app"}}, "hello world"});
  ReplyCheck state;
  matcher.prepare(state);
  const size_t capacity = state.carry.capacity();
  EXPECT_GE(capacity, 2 * std::string_view("hello world").size());
  const char* data = state.carry.data();
  for (int round = 0; round < 3; ++round) {
    state.reset();
    matcher.onField("X-Served-By", "app", state);
    matcher.onBody("say hello w", state);
    matcher.onBody("orld!", state);
    EXPECT_TRUE(matcher.matches(200, state));
    EXPECT_FALSE(matcher.matches(201, state));
    EXPECT_EQ(state.carry.capacity(), capacity);
    EXPECT_EQ(state.carry.data(), data);
  }
  state.reset();
  matcher.onField("X-Served-By", "app", state);
  matcher.onBody("say hello", state);
  EXPECT_FALSE(matcher.matches(200, state));
}

}  // namespace
}  // namespace outrider::harness
