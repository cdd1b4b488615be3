#include "message_rules.h"

#include <gtest/gtest.h>

#include <boost/beast/http/message.hpp>

namespace outrider::sidecar {
namespace {

namespace http = boost::beast::http;

http::request_header<> requestWith(std::string_view target, std::string_view host) {
  http::request_header<> head;
  head.method(http::verb::get);
  head.target(target);
  head.version(11);
  if (!host.empty()) {
    head.set(http::field::host, host);
  }
  return head;
}

unsigned statusOf(const std::optional<Refusal>& refusal) { return refusal ? refusal->status : 0; }

// Absolute-form targets go upstream as origin-form, an empty path becoming "/".
TEST(MessageRulesTest, UpstreamTargetIsOriginForm) {
  EXPECT_EQ(upstreamTarget("/a?b"), "/a?b");
  EXPECT_EQ(upstreamTarget("*"), "*");
  EXPECT_EQ(upstreamTarget("http://x:80/a/b?c=d"), "/a/b?c=d");
  EXPECT_EQ(upstreamTarget("http://x"), "/");
  EXPECT_EQ(upstreamTarget("http://x?q"), "/?q");  // found by proxy_request_fuzz
}

// The authority must agree with Host, with digits for a port and an absolute path (Boost.URL
// 1.81 reads "http://x:A0/p" as host x with the path "A0/p"; found by proxy_request_fuzz).
TEST(MessageRulesTest, AbsoluteFormIsStrict) {
  EXPECT_EQ(statusOf(checkRequestHead(requestWith("http://x/p", "x"))), 0u);
  EXPECT_EQ(statusOf(checkRequestHead(requestWith("http://x:80/p", "x"))), 0u);
  EXPECT_EQ(statusOf(checkRequestHead(requestWith("http://x:A0/p", "x"))), 400u);
  EXPECT_EQ(statusOf(checkRequestHead(requestWith("http://x:81/p", "x"))), 400u);
  EXPECT_EQ(statusOf(checkRequestHead(requestWith("http://y/p", "x"))), 400u);
  EXPECT_EQ(statusOf(checkRequestHead(requestWith("http://x/p#f", "x"))), 400u);
  EXPECT_EQ(statusOf(checkRequestHead(requestWith("/p", "x:8o"))), 400u);
  EXPECT_EQ(statusOf(checkRequestHead(requestWith("/p", "x:80"))), 0u);
  EXPECT_EQ(statusOf(checkRequestHead(requestWith("/p", ""))), 400u);
}

// One final chunked coding and nothing else; Content-Length beside it is always 400.
TEST(MessageRulesTest, TransferEncodingRules) {
  auto head = requestWith("/", "x");
  head.set(http::field::transfer_encoding, "chunked");
  EXPECT_EQ(statusOf(checkRequestHead(head)), 0u);
  head.set(http::field::transfer_encoding, "gzip, chunked");
  EXPECT_EQ(statusOf(checkRequestHead(head)), 501u);
  head.set(http::field::transfer_encoding, "chunked, chunked");
  EXPECT_EQ(statusOf(checkRequestHead(head)), 400u);
  head.set(http::field::transfer_encoding, "gzip");
  head.set(http::field::content_length, "5");
  EXPECT_EQ(statusOf(checkRequestHead(head)), 400u);

  http::response_header<> response;
  response.result(200);
  response.version(11);
  response.set(http::field::transfer_encoding, "gzip, chunked");
  EXPECT_EQ(statusOf(checkResponseHead(response)), 502u);
  response.version(10);
  response.set(http::field::transfer_encoding, "chunked");
  EXPECT_EQ(statusOf(checkResponseHead(response)), 502u);
}

}  // namespace
}  // namespace outrider::sidecar
