#pragma once

// unique_ptr deleters and small helpers for the OpenSSL 3 types the control plane uses.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>

namespace outrider::control::ssl {

template <class T>
struct Deleter;
#define OUTRIDER_SSL_DELETER(type, fn)        \
  template <>                                 \
  struct Deleter<type> {                      \
    void operator()(type* p) const { fn(p); } \
  };
OUTRIDER_SSL_DELETER(EVP_PKEY, EVP_PKEY_free)
OUTRIDER_SSL_DELETER(X509, X509_free)
OUTRIDER_SSL_DELETER(X509_EXTENSION, X509_EXTENSION_free)
OUTRIDER_SSL_DELETER(BIO, BIO_free_all)
OUTRIDER_SSL_DELETER(BIGNUM, BN_free)
OUTRIDER_SSL_DELETER(GENERAL_NAME, GENERAL_NAME_free)
OUTRIDER_SSL_DELETER(GENERAL_NAMES, GENERAL_NAMES_free)
OUTRIDER_SSL_DELETER(ASN1_STRING, ASN1_STRING_free)
#undef OUTRIDER_SSL_DELETER

template <class T>
using Ptr = std::unique_ptr<T, Deleter<T>>;

// The oldest queued OpenSSL error as text (and the queue cleared), for messages.
inline std::string lastError() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) {
    return "unknown OpenSSL error";
  }
  char text[256];
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

inline std::string bioText(BIO* bio) {
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio, &data);
  return size > 0 ? std::string(data, static_cast<std::size_t>(size)) : std::string{};
}

// A PEM passphrase callback that supplies none, so an encrypted key fails instead of prompting.
inline int noPassphrase(char*, int, int, void*) { return 0; }

}  // namespace outrider::control::ssl
