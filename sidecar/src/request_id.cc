#include "outrider/sidecar/request_id.h"

namespace outrider::sidecar {
namespace {

// The splitmix64 finaliser: a bijection on 64 bits, so distinct inputs give distinct ids.
uint64_t mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

}  // namespace

RequestIdGenerator::RequestIdGenerator(uint64_t seed, uint16_t stream)
    : base_(seed + (static_cast<uint64_t>(stream) << 48)) {}

RequestId RequestIdGenerator::next() {
  static constexpr char Hex[] = "0123456789abcdef";
  // Wraps the counter inside the stream's 2^48 slot so streams never collide.
  uint64_t value = mix(base_ + (counter_++ & ((uint64_t{1} << 48) - 1)));
  RequestId id;
  char* out = id.data();
  for (std::size_t i = RequestId::Length; i > 0; --i) {
    out[i - 1] = Hex[value & 0xf];
    value >>= 4;
  }
  return id;
}

}  // namespace outrider::sidecar
