#pragma once

// Test certificates made with the OpenSSL 3 API: a self-signed ECDSA P-256 CA and leaves it
// signs, with any validity window, as PEM text (the outrider-control CA is not used here).

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/secrets/credential_set.h"

namespace outrider::secrets::test {

struct PkiFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, PkiFree>;
using CertPtr = std::unique_ptr<X509, PkiFree>;

inline KeyPtr newP256Key() { return KeyPtr(EVP_EC_gen("P-256")); }

inline std::string toPem(X509* cert) {
  std::unique_ptr<BIO, PkiFree> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

inline std::string toPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, PkiFree> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);  // PKCS#8
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

inline void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

inline time_t unixTime(SystemTime t) { return std::chrono::system_clock::to_time_t(t); }

class TestPki {
 public:
  explicit TestPki(const std::string& name = "outrider test ca",
                   SystemTime not_before = SystemTime(std::chrono::hours(24 * 365 * 40)))
      : ca_key_(newP256Key()), ca_cert_(X509_new()) {
    X509* cert = ca_cert_.get();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), 1);
    ASN1_TIME_set(X509_getm_notBefore(cert), unixTime(not_before));
    ASN1_TIME_set(X509_getm_notAfter(cert),
                  unixTime(not_before + std::chrono::hours(24 * 365 * 60)));
    X509_NAME* subject = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert, subject);
    X509_set_pubkey(cert, ca_key_.get());
    addExtension(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
    addExtension(cert, cert, NID_subject_key_identifier, "hash");
    X509_sign(cert, ca_key_.get(), EVP_sha256());
    bundle_pem_ = toPem(cert);
  }

  const std::string& bundlePem() const { return bundle_pem_; }

  // A leaf for `spiffe_id` valid [not_before, not_after], signed by this CA, with its key.
  CredentialSet issue(SystemTime not_before, SystemTime not_after, uint64_t serial,
                      const std::string& spiffe_id = "spiffe://outrider.test/node/workload",
                      const std::vector<std::string>& dns_names = {"localhost"}) {
    KeyPtr key = newP256Key();
    CertPtr leaf(X509_new());
    X509* cert = leaf.get();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert), serial);
    ASN1_TIME_set(X509_getm_notBefore(cert), unixTime(not_before));
    ASN1_TIME_set(X509_getm_notAfter(cert), unixTime(not_after));
    X509_NAME* subject = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("outrider"), -1, -1, 0);
    X509_set_issuer_name(cert, X509_get_subject_name(ca_cert_.get()));
    X509_set_pubkey(cert, key.get());
    addExtension(cert, ca_cert_.get(), NID_basic_constraints, "critical,CA:FALSE");
    std::string san = "URI:" + spiffe_id + ",IP:127.0.0.1";
    for (const auto& name : dns_names) {
      san += ",DNS:" + name;
    }
    addExtension(cert, ca_cert_.get(), NID_subject_alt_name, san.c_str());
    X509_sign(cert, ca_key_.get(), EVP_sha256());
    return CredentialSet{toPem(cert), toPem(key.get()), bundle_pem_};
  }

 private:
  KeyPtr ca_key_;
  CertPtr ca_cert_;
  std::string bundle_pem_;
};

}  // namespace outrider::secrets::test
