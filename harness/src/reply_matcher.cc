#include "outrider/harness/reply_matcher.h"

#include <algorithm>
#include <cctype>

namespace outrider::harness {

namespace {

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

ReplyMatcher::ReplyMatcher(ReplyExpectation expectation)
    : expectation_(std::move(expectation)),
      searcher_(expectation_.body_contains.begin(), expectation_.body_contains.end()) {
  // The loader allows at most 64 headers (one bit each); more would never all be seen.
  const size_t headers = expectation_.headers.size();
  all_headers_ = headers >= 64 ? ~uint64_t{0} : (uint64_t{1} << headers) - 1;
}

void ReplyMatcher::prepare(ReplyCheck& check) const {
  if (readsBody()) {
    check.carry.reserve(2 * expectation_.body_contains.size());
  }
}

void ReplyMatcher::onField(std::string_view name, std::string_view value, ReplyCheck& check) const {
  const size_t count = std::min<size_t>(expectation_.headers.size(), 64);
  for (size_t i = 0; i < count; ++i) {
    const auto& [expected_name, expected_value] = expectation_.headers[i];
    if (value == expected_value && equalsIgnoreCase(name, expected_name)) {
      check.headers_seen |= uint64_t{1} << i;
    }
  }
}

bool ReplyMatcher::contains(std::string_view text) const {
  return std::search(text.begin(), text.end(), searcher_) != text.end();
}

void ReplyMatcher::onBody(std::string_view chunk, ReplyCheck& check) const {
  if (check.body_found || !readsBody() || chunk.empty()) {
    return;
  }
  const size_t keep = expectation_.body_contains.size() - 1;
  // A match across the previous chunk's end: the carry and this chunk's first bytes.
  if (!check.carry.empty()) {
    check.carry.append(chunk.substr(0, keep));
    if (contains(check.carry)) {
      check.body_found = true;
      return;
    }
  }
  if (contains(chunk)) {
    check.body_found = true;
    return;
  }
  if (keep == 0) {
    return;
  }
  if (chunk.size() >= keep) {
    check.carry.assign(chunk.substr(chunk.size() - keep));
  } else {
    if (check.carry.empty()) {
      check.carry.assign(chunk);  // else the whole chunk was appended above
    }
    if (check.carry.size() > keep) {
      check.carry.erase(0, check.carry.size() - keep);
    }
  }
}

bool ReplyMatcher::matches(int status, const ReplyCheck& check) const {
  if (!expectation_.status.empty() &&
      std::none_of(
          expectation_.status.begin(), expectation_.status.end(),
          [status](const scenarios::StatusMatch& match) { return match.matches(status); })) {
    return false;
  }
  if ((check.headers_seen & all_headers_) != all_headers_) {
    return false;
  }
  return !readsBody() || check.body_found;
}

}  // namespace outrider::harness
