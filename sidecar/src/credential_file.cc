#include "outrider/sidecar/credential_file.h"

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>

#include "outrider/common/time_format.h"

namespace outrider::sidecar {
namespace {

std::optional<int64_t> unixSeconds(const ASN1_TIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    return std::nullopt;
  }
  return static_cast<int64_t>(timegm(&tm));
}

std::string utc(int64_t unix_seconds) {
  return formatUtc(SystemTime(std::chrono::seconds(unix_seconds)));
}

}  // namespace

CredentialCheck CredentialFile::check() {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    return {false, fmt::format("{}: {}", path_, std::strerror(errno))};
  }
  const Identity now_seen{
      st.st_dev, st.st_ino, st.st_size,
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec};
  std::lock_guard lock(mutex_);
  if (!parsed_ || !(now_seen == seen_)) {
    seen_ = now_seen;
    parsed_ = true;
    parse_error_.clear();
    std::ifstream in(path_, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    const std::string pem = text.str();
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
    std::unique_ptr<X509, decltype(&X509_free)> cert(
        bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr, &X509_free);
    if (!cert) {
      parse_error_ = fmt::format("{}: no PEM certificate in it", path_);
    } else {
      auto from = unixSeconds(X509_get0_notBefore(cert.get()));
      auto to = unixSeconds(X509_get0_notAfter(cert.get()));
      if (!from || !to) {
        parse_error_ = fmt::format("{}: unreadable validity period", path_);
      } else {
        not_before_ = *from;
        not_after_ = *to;
      }
    }
  }
  if (!parse_error_.empty()) {
    return {false, parse_error_};
  }
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.systemNow().time_since_epoch())
          .count();
  if (now < not_before_) {
    return {false, "certificate not valid before " + utc(not_before_)};
  }
  if (now >= not_after_) {
    return {false, "certificate expired at " + utc(not_after_)};
  }
  return {true, {}};
}

}  // namespace outrider::sidecar
