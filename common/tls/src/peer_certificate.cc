#include "outrider/tls/peer_certificate.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>

#include <ctime>

namespace outrider::tls {
namespace {

std::optional<SystemTime> toSystemTime(const ASN1_TIME* time) {
  std::tm parts{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &parts) != 1) {
    return std::nullopt;
  }
  return SystemTime(std::chrono::seconds(timegm(&parts)));
}

}  // namespace

std::optional<CertificateValidity> validityOf(const X509* certificate) {
  if (certificate == nullptr) {
    return std::nullopt;
  }
  const auto not_before = toSystemTime(X509_get0_notBefore(certificate));
  const auto not_after = toSystemTime(X509_get0_notAfter(certificate));
  if (!not_before || !not_after) {
    return std::nullopt;
  }
  CertificateValidity validity{*not_before, *not_after, {}, {}};
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(certificate), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      validity.serial_hex = hex;
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(bio, X509_get_issuer_name(certificate), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio, &data);
    validity.issuer.assign(data, static_cast<std::size_t>(size));
    BIO_free(bio);
  }
  return validity;
}

std::optional<CertificateValidity> peerValidity(const SSL* ssl) {
  return ssl == nullptr ? std::nullopt : validityOf(SSL_get0_peer_certificate(ssl));
}

}  // namespace outrider::tls
