// parseUrl(): Boost.URL's syntax, then the shape outrider sends to.
#include "outrider/common/url.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace outrider {
namespace {

using testing::HasSubstr;

TEST(UrlTest, SplitsSchemeHostPortAndTarget) {
  auto url = parseUrl("HTTP://127.0.0.1:9901/ready?full=1#top", {"http"});
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->scheme, "http");
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 9901);
  EXPECT_EQ(url->target, "/ready?full=1");  // the fragment is not sent
  EXPECT_TRUE(url->has_path);
}

TEST(UrlTest, Ipv6LiteralLosesItsBrackets) {
  auto url = parseUrl("http://[::1]:8080", {"http"});
  ASSERT_TRUE(url) << url.error().message;
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->target, "/");
  EXPECT_FALSE(url->has_path);
}

TEST(UrlTest, QueryWithoutPathGetsTheRootPath) {
  auto url = parseUrl("http://h:1?x=1", {"http"});
  ASSERT_TRUE(url);
  EXPECT_EQ(url->target, "/?x=1");
  EXPECT_TRUE(url->has_path);
}

TEST(UrlTest, PortIsRequiredUnlessTheSchemeDefaultIsAllowed) {
  EXPECT_EQ(parseUrl("http://127.0.0.1/healthz", {"http"}).error().message,
            "\"http://127.0.0.1/healthz\" names no port");
  EXPECT_EQ(parseUrl("http://localhost", {"http"}, UrlPort::SchemeDefault)->port, 80);
  EXPECT_EQ(parseUrl("https://localhost", {"https"}, UrlPort::SchemeDefault)->port, 443);
  EXPECT_FALSE(parseUrl("http://h:/", {"http"}, UrlPort::SchemeDefault));
}

TEST(UrlTest, NamesWhatIsWrongWithTheWholeUrl) {
  EXPECT_EQ(parseUrl("ftp://h:21/", {"http", "https", "tcp"}).error().message,
            "\"ftp://h:21/\" is not an http://, https:// or tcp:// URL");
  EXPECT_EQ(parseUrl("127.0.0.1:80", {"http"}).error().message,
            "\"127.0.0.1:80\" is not an http:// URL");
  EXPECT_THAT(parseUrl("http://user:pw@h:80/", {"http"}).error().message,
              HasSubstr("carries credentials"));
  EXPECT_THAT(parseUrl("http://h:80/a b", {"http"}).error().message,
              HasSubstr("space or control character"));
  EXPECT_EQ(parseUrl("http://:80/", {"http"}).error().message, "\"http://:80/\" names no host");
  EXPECT_THAT(parseUrl("http://", {"http"}).error().message, HasSubstr("names no host"));
  EXPECT_THAT(parseUrl("http://h:99999/", {"http"}).error().message, HasSubstr("outside 1-65535"));
  EXPECT_THAT(parseUrl("http://h:0/", {"http"}).error().message, HasSubstr("outside 1-65535"));
  EXPECT_THAT(parseUrl("http://h%41:80/", {"http"}).error().message,
              HasSubstr("has an invalid host"));
  EXPECT_THAT(parseUrl("http://h:80/%zz", {"http"}).error().message, HasSubstr("RFC 3986"));
}

}  // namespace
}  // namespace outrider
