#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace outrider::sidecar {

// 16 lowercase hex characters; held inline so generating an id never allocates.
class RequestId {
 public:
  static constexpr std::size_t Length = 16;

  std::string_view view() const { return {text_.data(), text_.size()}; }
  char* data() { return text_.data(); }

 private:
  std::array<char, Length> text_{};
};

// Generates X-Request-Id values: a bijective 64-bit mix of (seed, stream, counter), so ids are
// unique per process for 2^48 ids on each of 2^16 streams and look random in logs. The seed comes
// from main (random_device is read there only); each event loop owns one stream, no locking.
class RequestIdGenerator {
 public:
  RequestIdGenerator(uint64_t seed, uint16_t stream);

  RequestId next();

 private:
  uint64_t base_;
  uint64_t counter_ = 0;
};

}  // namespace outrider::sidecar
