#pragma once

// `[load] path` (spec/scenario.md, "Traffic variety"): a request path with `${seq}` (the
// request's number in the schedule, from 0) and `${rand:N}` (a seeded draw in [0, N)). Parsed
// once before the run into literal pieces and placeholders; expanding a request's path is then a
// few integer formats into a buffer the caller reuses, with no allocation once it has grown to
// maxLength(). A draw is a pure function of (seed, request number, placeholder), so the same seed
// gives the same paths whatever order the connections send them in.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/common/result.h"

namespace outrider {

class PathTemplate {
 public:
  // Refuses an empty path, one not starting with '/', a space or control character, an unknown
  // or malformed ${...} and N outside [1, 10^18]. The message names the placeholder; the
  // caller adds where it was written. The scenario's other placeholders (${port.x}, ...) are not
  // taken here: a request path is sent as written.
  static Result<PathTemplate> parse(std::string_view text, uint64_t seed);

  // Writes request `index`'s path into out (cleared first); appendTo adds it at out's end.
  void expand(uint64_t index, std::string& out) const {
    out.clear();
    appendTo(index, out);
  }
  void appendTo(uint64_t index, std::string& out) const;

  // True when some placeholder makes paths differ between requests.
  bool varies() const { return !pieces_.empty() && has_placeholder_; }
  // The longest path expand() can write (for a buffer reserved once).
  size_t maxLength() const { return max_length_; }
  // How many different paths the template can give: the product of its ${rand:N} (saturating);
  // 0 when ${seq} makes every request's path new.
  uint64_t distinctPaths() const { return distinct_; }
  const std::string& text() const { return text_; }

 private:
  struct Piece {
    enum class Kind { Literal, Seq, Rand };
    Kind kind = Kind::Literal;
    std::string literal;  // Literal
    uint64_t bound = 0;   // Rand: N
    uint64_t stream = 0;  // Rand: its own sub-seed, so two ${rand:N} draw independently
  };
  std::string text_;
  uint64_t seed_ = 0;
  std::vector<Piece> pieces_;
  bool has_placeholder_ = false;
  size_t max_length_ = 0;
  uint64_t distinct_ = 1;
};

}  // namespace outrider
