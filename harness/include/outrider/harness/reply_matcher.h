#pragma once

// [load] expect checked against each reply as it is parsed, without allocating per reply: the
// generator's parser hands every header field and body chunk to the matcher, which compares
// names and values in place and searches the body with a searcher prepared once (a match that
// straddles two chunks is found through a small carry buffer each connection keeps).

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "outrider/scenarios/scenario.h"

namespace outrider::harness {

// What a correct reply has (scenarios::LoadExpect, placeholders resolved).
struct ReplyExpectation {
  std::vector<scenarios::StatusMatch> status;                // empty: any
  std::vector<std::pair<std::string, std::string>> headers;  // names case-insensitive, at most 64
  std::string body_contains;                                 // empty: the body is not read
};

// One reply's progress through the checks. Kept per connection and reset for each reply, so its
// carry buffer is allocated once.
struct ReplyCheck {
  uint64_t headers_seen = 0;  // bit i: headers[i] was there with its value
  bool body_found = false;
  std::string carry;  // the body's last body_contains.size() - 1 bytes so far

  void reset() {
    headers_seen = 0;
    body_found = false;
    carry.clear();
  }
};

class ReplyMatcher {
 public:
  explicit ReplyMatcher(ReplyExpectation expectation);
  ReplyMatcher(const ReplyMatcher&) = delete;
  ReplyMatcher& operator=(const ReplyMatcher&) = delete;

  bool readsHeaders() const { return !expectation_.headers.empty(); }
  bool readsBody() const { return !expectation_.body_contains.empty(); }

  void prepare(ReplyCheck& check) const;  // reserves the carry buffer
  void onField(std::string_view name, std::string_view value, ReplyCheck& check) const;
  void onBody(std::string_view chunk, ReplyCheck& check) const;
  // After the whole reply.
  bool matches(int status, const ReplyCheck& check) const;

  const ReplyExpectation& expectation() const { return expectation_; }

 private:
  bool contains(std::string_view text) const;

  ReplyExpectation expectation_;
  uint64_t all_headers_ = 0;
  std::boyer_moore_horspool_searcher<std::string::const_iterator> searcher_;
};

}  // namespace outrider::harness
