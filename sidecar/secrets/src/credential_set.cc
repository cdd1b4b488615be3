#include "outrider/secrets/credential_set.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <ctime>
#include <memory>
#include <vector>

namespace outrider::secrets {

namespace {

struct Free {
  void operator()(BIO* p) const { BIO_free(p); }
  void operator()(X509* p) const { X509_free(p); }
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(X509_STORE* p) const { X509_STORE_free(p); }
  void operator()(X509_STORE_CTX* p) const { X509_STORE_CTX_free(p); }
  void operator()(STACK_OF(X509) * p) const { sk_X509_pop_free(p, X509_free); }
  void operator()(BIGNUM* p) const { BN_free(p); }
  void operator()(char* p) const { OPENSSL_free(p); }
};
template <class T>
using Owned = std::unique_ptr<T, Free>;

Owned<BIO> memoryBio(const std::string& text) {
  return Owned<BIO>(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Every certificate of a PEM text, in order.
std::vector<Owned<X509>> readCertificates(const std::string& pem) {
  std::vector<Owned<X509>> certs;
  auto bio = memoryBio(pem);
  while (bio) {
    Owned<X509> cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
      break;
    }
    certs.push_back(std::move(cert));
  }
  ERR_clear_error();  // the end of the text reads as an error
  return certs;
}

bool toSystemTime(const ASN1_TIME* asn1, SystemTime& out) {
  struct tm parts {};
  if (asn1 == nullptr || ASN1_TIME_to_tm(asn1, &parts) != 1) {
    return false;
  }
  out = std::chrono::system_clock::from_time_t(timegm(&parts));
  return true;
}

tl::unexpected<Error> invalid(std::string message) {
  ERR_clear_error();
  return makeError(ErrorCode::InvalidArgument, std::move(message));
}

}  // namespace

Result<SetInfo> inspectSet(const CredentialSet& set, ChainCheck chain_check) {
  auto chain = readCertificates(set.cert_pem);
  if (chain.empty()) {
    return invalid("cert.pem holds no certificate");
  }
  auto bundle = readCertificates(set.bundle_pem);
  if (bundle.empty()) {
    return invalid("bundle.pem holds no certificate");
  }
  auto key_bio = memoryBio(set.key_pem);
  Owned<EVP_PKEY> key(PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  if (!key) {
    return invalid("key.pem holds no private key");
  }
  X509* leaf = chain.front().get();
  if (X509_check_private_key(leaf, key.get()) != 1) {
    return invalid("key.pem does not match the certificate in cert.pem");
  }

  // The leaf chains to the bundle. Time is judged apart (assessSet, on the injected clock).
  Owned<X509_STORE> store(X509_STORE_new());
  for (auto& ca : bundle) {
    X509_STORE_add_cert(store.get(), ca.get());
  }
  Owned<STACK_OF(X509)> intermediates(sk_X509_new_null());
  for (size_t i = 1; i < chain.size(); ++i) {
    X509_up_ref(chain[i].get());
    sk_X509_push(intermediates.get(), chain[i].get());
  }
  Owned<X509_STORE_CTX> verify(X509_STORE_CTX_new());
  if (!verify || X509_STORE_CTX_init(verify.get(), store.get(), leaf, intermediates.get()) != 1) {
    return invalid("cannot set up certificate verification");
  }
  X509_STORE_CTX_set_flags(verify.get(), X509_V_FLAG_NO_CHECK_TIME);
  if (chain_check == ChainCheck::Bundle && X509_verify_cert(verify.get()) != 1) {
    const int code = X509_STORE_CTX_get_error(verify.get());
    return invalid(std::string("cert.pem does not chain to bundle.pem: ") +
                   X509_verify_cert_error_string(code));
  }

  SetInfo info;
  if (!toSystemTime(X509_get0_notBefore(leaf), info.window.not_before) ||
      !toSystemTime(X509_get0_notAfter(leaf), info.window.not_after)) {
    return invalid("cert.pem has an unreadable validity period");
  }
  if (info.window.not_after <= info.window.not_before) {
    return invalid("cert.pem's NotAfter is not after its NotBefore");
  }
  Owned<BIGNUM> serial(ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), nullptr));
  if (serial) {
    Owned<char> hex(BN_bn2hex(serial.get()));
    info.serial_hex = hex ? hex.get() : "";
  }
  Owned<char> subject(X509_NAME_oneline(X509_get_subject_name(leaf), nullptr, 0));
  info.subject = subject ? subject.get() : "";
  ERR_clear_error();
  return info;
}

}  // namespace outrider::secrets
