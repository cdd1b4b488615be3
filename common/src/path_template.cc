#include "outrider/common/path_template.h"

#include <charconv>
#include <limits>

#include "outrider/common/splitmix.h"

namespace outrider {
namespace {

constexpr uint64_t MaxBound = 1'000'000'000'000'000'000ULL;  // 10^18: 19 digits at most
constexpr size_t MaxDigits = 20;                             // any uint64_t

size_t digitsOf(uint64_t v) {
  size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

void appendNumber(std::string& out, uint64_t v) {
  char digits[MaxDigits];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, v);
  out.append(digits, end);
}

// Uniform in [0, bound): the high half of a 64x64 product (Lemire), without a division.
uint64_t below(uint64_t x, uint64_t bound) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(x) * bound) >> 64);
}

}  // namespace

Result<PathTemplate> PathTemplate::parse(std::string_view text, uint64_t seed) {
  auto refuse = [&](const std::string& why) -> Result<PathTemplate> {
    return makeError(ErrorCode::InvalidArgument, why);
  };
  if (text.empty() || text.front() != '/') {
    return refuse("a request path must start with '/'");
  }
  PathTemplate out;
  out.text_ = std::string(text);
  out.seed_ = seed;
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) {
      out.max_length_ += literal.size();
      out.pieces_.push_back(Piece{Piece::Kind::Literal, std::move(literal), 0, 0});
      literal.clear();
    }
  };
  uint64_t rand_count = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c <= 0x20 || c == 0x7f) {
      return refuse("a request path cannot hold a space or control character (at offset " +
                    std::to_string(i) + ")");
    }
    if (c != '$' || i + 1 >= text.size() || text[i + 1] != '{') {
      literal += static_cast<char>(c);  // a lone '$' is literal text
      ++i;
      continue;
    }
    const size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return refuse("unclosed placeholder at offset " + std::to_string(i) +
                    " (want ${seq} or ${rand:N})");
    }
    const std::string_view name = text.substr(i + 2, close - i - 2);
    flush();
    if (name == "seq") {
      out.max_length_ += MaxDigits;
      out.pieces_.push_back(Piece{Piece::Kind::Seq, {}, 0, 0});
      out.distinct_ = 0;
    } else if (name.substr(0, 5) == "rand:") {
      const std::string_view digits = name.substr(5);
      uint64_t bound = 0;
      auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bound);
      if (digits.empty() || ec != std::errc() || end != digits.data() + digits.size() ||
          bound < 1 || bound > MaxBound) {
        return refuse("${" + std::string(name) + "}: N must be a whole number from 1 to 10^18");
      }
      out.max_length_ += digitsOf(bound - 1);
      out.pieces_.push_back(Piece{Piece::Kind::Rand, {}, bound, rand_count++});
      if (out.distinct_ != 0) {
        out.distinct_ = bound > std::numeric_limits<uint64_t>::max() / out.distinct_
                            ? std::numeric_limits<uint64_t>::max()
                            : out.distinct_ * bound;
      }
    } else {
      return refuse("unknown placeholder ${" + std::string(name) +
                    "} in a request path (want ${seq} or ${rand:N})");
    }
    out.has_placeholder_ = true;
    i = close + 1;
  }
  flush();
  return out;
}

void PathTemplate::appendTo(uint64_t index, std::string& out) const {
  for (const auto& piece : pieces_) {
    switch (piece.kind) {
      case Piece::Kind::Literal:
        out += piece.literal;
        break;
      case Piece::Kind::Seq:
        appendNumber(out, index);
        break;
      case Piece::Kind::Rand:
        appendNumber(out, below(mixKeys(mixKeys(seed_, piece.stream), index), piece.bound));
        break;
    }
  }
}

}  // namespace outrider
