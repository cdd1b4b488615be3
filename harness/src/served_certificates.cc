#include "outrider/harness/served_certificates.h"

#include <algorithm>

namespace outrider::harness {

void ServedCertificates::record(const tls::CertificateValidity& validity,
                                std::chrono::nanoseconds at) {
  ++handshakes_;
  Key key{validity.serial_hex, validity.issuer};
  if (auto found = index_.find(key); found != index_.end()) {
    auto entry = found->second;
    entry->last_seen = std::max(entry->last_seen, at);
    ++entry->handshakes;
    entries_.splice(entries_.end(), entries_, entry);
    return;
  }
  if (entries_.size() >= MaxKept) {
    index_.erase(Key{entries_.front().serial_hex, entries_.front().issuer});
    entries_.pop_front();
    ++forgotten_;
  }
  entries_.push_back(ServedCertificate{validity.serial_hex, validity.issuer, validity.not_before,
                                       validity.not_after, at, at, 1});
  index_.emplace(std::move(key), std::prev(entries_.end()));
}

std::vector<ServedCertificate> ServedCertificates::list() const {
  std::vector<ServedCertificate> out(entries_.begin(), entries_.end());
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.first_seen < b.first_seen; });
  return out;
}

std::optional<ServedCertificate> ServedCertificates::latest() const {
  if (entries_.empty()) {
    return std::nullopt;
  }
  return entries_.back();
}

std::vector<ServedCertificate> ServedCertificates::servedBetween(
    std::chrono::nanoseconds from, std::chrono::nanoseconds to) const {
  std::vector<ServedCertificate> out;
  for (const auto& entry : list()) {
    if (entry.first_seen <= to && entry.last_seen >= from) {
      out.push_back(entry);
    }
  }
  return out;
}

ServedCertificates::ServedCertificates(const ServedCertificates& other)
    : entries_(other.entries_), handshakes_(other.handshakes_), forgotten_(other.forgotten_) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    index_.emplace(Key{it->serial_hex, it->issuer}, it);
  }
}

ServedCertificates& ServedCertificates::operator=(const ServedCertificates& other) {
  if (this != &other) {
    ServedCertificates copy(other);
    *this = std::move(copy);
  }
  return *this;
}

}  // namespace outrider::harness
