#pragma once

// The certificates an https target presented to the load, read from each successful handshake.
// A certificate fault's evidence is what was actually served (its NotAfter), not what a file on
// disk said, so the fault executor asks this table (through LoadGenerator::servedCertificates()
// during the run, or LoadResult::tls_served after it).

#include <chrono>
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/tls/peer_certificate.h"

namespace outrider::harness {

struct ServedCertificate {
  std::string serial_hex;
  std::string issuer;
  SystemTime not_before{};
  SystemTime not_after{};
  std::chrono::nanoseconds first_seen{0};  // handshake end, from the load's t0
  std::chrono::nanoseconds last_seen{0};
  uint64_t handshakes = 0;
};

// The last MaxKept distinct certificates (by serial and issuer) seen; an older one is forgotten
// when a new one arrives beyond that, and counted in forgotten().
class ServedCertificates {
 public:
  static constexpr size_t MaxKept = 1000;

  ServedCertificates() = default;
  // The index points into entries_, so a copy rebuilds it.
  ServedCertificates(const ServedCertificates& other);
  ServedCertificates& operator=(const ServedCertificates& other);
  ServedCertificates(ServedCertificates&&) = default;
  ServedCertificates& operator=(ServedCertificates&&) = default;

  void record(const tls::CertificateValidity& validity, std::chrono::nanoseconds at);

  // Every certificate kept, in the order first seen.
  std::vector<ServedCertificate> list() const;
  // The certificate of the latest handshake, if any.
  std::optional<ServedCertificate> latest() const;
  // The certificates served at some point of [from, to] (from the load's t0), in the order first
  // seen: what a fault's window was actually given.
  std::vector<ServedCertificate> servedBetween(std::chrono::nanoseconds from,
                                               std::chrono::nanoseconds to) const;
  uint64_t handshakes() const { return handshakes_; }
  uint64_t forgotten() const { return forgotten_; }
  size_t size() const { return entries_.size(); }

 private:
  using Key = std::pair<std::string, std::string>;  // serial, issuer
  // Least recently seen first, so the one to forget is at the front.
  std::list<ServedCertificate> entries_;
  std::map<Key, std::list<ServedCertificate>::iterator> index_;
  uint64_t handshakes_ = 0;
  uint64_t forgotten_ = 0;
};

}  // namespace outrider::harness
