#include "outrider/control/ca.h"

#include <fmt/core.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cctype>
#include <ctime>

#include "openssl_util.h"

namespace outrider::control {
namespace {

using ssl::Ptr;

time_t toTimeT(SystemTime t) {
  return static_cast<time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count());
}

SystemTime fromTimeT(time_t t) { return SystemTime(std::chrono::seconds(t)); }

Result<Ptr<EVP_PKEY>> newP256Key() {
  Ptr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!key) {
    return makeError(ErrorCode::Internal, "P-256 key generation: " + ssl::lastError());
  }
  return key;
}

bool addExtension(X509* cert, X509V3_CTX* ctx, int nid, const char* value) {
  Ptr<X509_EXTENSION> ext(X509V3_EXT_nconf_nid(nullptr, ctx, nid, value));
  return ext && X509_add_ext(cert, ext.get(), -1) == 1;
}

bool setName(X509_NAME* name, const std::string& common_name) {
  return X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                    reinterpret_cast<const unsigned char*>("outrider"), -1, -1,
                                    0) == 1 &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                    reinterpret_cast<const unsigned char*>(common_name.c_str()), -1,
                                    -1, 0) == 1;
}

// A random positive 128-bit serial (its top bit set, so always 128 bits; DER adds a 0 byte).
bool setRandomSerial(X509* cert, std::string& hex) {
  Ptr<BIGNUM> bn(BN_new());
  if (!bn || BN_rand(bn.get(), 128, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1) {
    return false;
  }
  if (BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return false;
  }
  char* text = BN_bn2hex(bn.get());
  if (text == nullptr) {
    return false;
  }
  hex = text;
  OPENSSL_free(text);
  return true;
}

bool setValidity(X509* cert, SystemTime not_before, SystemTime not_after) {
  return ASN1_TIME_set(X509_getm_notBefore(cert), toTimeT(not_before)) != nullptr &&
         ASN1_TIME_set(X509_getm_notAfter(cert), toTimeT(not_after)) != nullptr;
}

bool pushName(GENERAL_NAMES* names, int type, const std::string& value) {
  Ptr<GENERAL_NAME> name(GENERAL_NAME_new());
  Ptr<ASN1_IA5STRING> text(ASN1_IA5STRING_new());
  if (!name || !text ||
      ASN1_STRING_set(text.get(), value.data(), static_cast<int>(value.size())) != 1) {
    return false;
  }
  GENERAL_NAME_set0_value(name.get(), type, text.release());
  return sk_GENERAL_NAME_push(names, name.release()) > 0;
}

bool pushLoopbackIp(GENERAL_NAMES* names) {
  static constexpr unsigned char Loopback[4] = {127, 0, 0, 1};
  Ptr<GENERAL_NAME> name(GENERAL_NAME_new());
  Ptr<ASN1_OCTET_STRING> ip(ASN1_OCTET_STRING_new());
  if (!name || !ip || ASN1_OCTET_STRING_set(ip.get(), Loopback, sizeof(Loopback)) != 1) {
    return false;
  }
  GENERAL_NAME_set0_value(name.get(), GEN_IPADD, ip.release());
  return sk_GENERAL_NAME_push(names, name.release()) > 0;
}

Result<std::string> certToPem(X509* cert) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return makeError(ErrorCode::Internal, "writing a certificate as PEM: " + ssl::lastError());
  }
  return ssl::bioText(bio.get());
}

Result<std::string> keyToPem(EVP_PKEY* key) {
  Ptr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PKCS8PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return makeError(ErrorCode::Internal, "writing a key as PKCS#8 PEM: " + ssl::lastError());
  }
  return ssl::bioText(bio.get());
}

}  // namespace

struct CertificateAuthority::Impl {
  Ptr<X509> cert;
  Ptr<EVP_PKEY> key;
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CertificateAuthority::~CertificateAuthority() = default;

Result<std::unique_ptr<CertificateAuthority>> CertificateAuthority::createRoot(
    const std::string& common_name, SystemTime now, std::chrono::seconds validity) {
  auto key = newP256Key();
  if (!key) {
    return tl::unexpected(key.error());
  }
  Ptr<X509> cert(X509_new());
  std::string serial;
  bool ok = cert && X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            setRandomSerial(cert.get(), serial) &&
            setValidity(cert.get(), now - NotBeforeSlack, now + validity) &&
            setName(X509_get_subject_name(cert.get()), common_name) &&
            X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) == 1 &&
            X509_set_pubkey(cert.get(), key->get()) == 1;
  if (ok) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    // The SKI first: the AKI of a self-signed certificate is computed from it.
    ok = addExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") &&
         addExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign") &&
         addExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash") &&
         addExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always") &&
         X509_sign(cert.get(), key->get(), EVP_sha256()) > 0;
  }
  if (!ok) {
    return makeError(ErrorCode::Internal, "creating the root certificate: " + ssl::lastError());
  }
  auto impl = std::make_unique<Impl>();
  impl->cert = std::move(cert);
  impl->key = std::move(*key);
  auto cert_pem = certToPem(impl->cert.get());
  auto key_pem = keyToPem(impl->key.get());
  if (!cert_pem || !key_pem) {
    return tl::unexpected(cert_pem ? key_pem.error() : cert_pem.error());
  }
  std::unique_ptr<CertificateAuthority> ca(new CertificateAuthority(std::move(impl)));
  ca->cert_pem_ = std::move(*cert_pem);
  ca->key_pem_ = std::move(*key_pem);
  return ca;
}

Result<std::unique_ptr<CertificateAuthority>> CertificateAuthority::load(
    const std::string& cert_pem, const std::string& key_pem) {
  auto impl = std::make_unique<Impl>();
  {
    Ptr<BIO> bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
    impl->cert.reset(bio ? PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  }
  if (!impl->cert) {
    ERR_clear_error();
    return makeError(ErrorCode::InvalidArgument, "not a PEM certificate");
  }
  {
    Ptr<BIO> bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
    // An empty passphrase callback result: an encrypted key is an error, never a prompt.
    impl->key.reset(bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, ssl::noPassphrase, nullptr)
                        : nullptr);
  }
  if (!impl->key) {
    ERR_clear_error();
    return makeError(ErrorCode::InvalidArgument, "not a PEM private key");
  }
  if (X509_check_private_key(impl->cert.get(), impl->key.get()) != 1) {
    ERR_clear_error();
    return makeError(ErrorCode::InvalidArgument, "the CA key does not match the CA certificate");
  }
  if (X509_check_ca(impl->cert.get()) == 0) {
    return makeError(ErrorCode::InvalidArgument, "the certificate is not a CA certificate");
  }
  std::unique_ptr<CertificateAuthority> ca(new CertificateAuthority(std::move(impl)));
  ca->cert_pem_ = cert_pem;
  ca->key_pem_ = key_pem;
  return ca;
}

Result<IssuedCertificate> CertificateAuthority::issue(const LeafRequest& request,
                                                      SystemTime now) const {
  for (const auto& name : request.dns_names) {
    if (!isValidDnsName(name)) {
      return makeError(ErrorCode::InvalidArgument, "not a valid DNS name for a SAN");
    }
  }
  if (request.ttl <= std::chrono::seconds(0)) {
    return makeError(ErrorCode::InvalidArgument, "a certificate lifetime must be positive");
  }
  auto key = newP256Key();
  if (!key) {
    return tl::unexpected(key.error());
  }
  IssuedCertificate out;
  // Backdated for peers whose clocks lag a little, but by at most a tenth of the lifetime: a
  // 10-second certificate backdated 30 s would be three quarters spent (and past its rotation
  // point) as it is issued.
  const auto slack = std::min<std::chrono::nanoseconds>(NotBeforeSlack, request.ttl / 10);
  out.not_before = fromTimeT(toTimeT(now - slack));
  out.not_after = fromTimeT(toTimeT(now + request.ttl));
  Ptr<X509> cert(X509_new());
  Ptr<GENERAL_NAMES> names(sk_GENERAL_NAME_new_null());
  bool ok = cert && names && X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            setRandomSerial(cert.get(), out.serial_hex) &&
            setValidity(cert.get(), out.not_before, out.not_after) &&
            setName(X509_get_subject_name(cert.get()), request.common_name) &&
            X509_set_issuer_name(cert.get(), X509_get_subject_name(impl_->cert.get())) == 1 &&
            X509_set_pubkey(cert.get(), key->get()) == 1;
  if (ok) {
    ok = pushName(names.get(), GEN_URI, request.spiffe_id);
    for (const auto& dns : request.dns_names) {
      ok = ok && pushName(names.get(), GEN_DNS, dns);
    }
    ok = ok && pushLoopbackIp(names.get()) &&
         X509_add1_ext_i2d(cert.get(), NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) ==
             1;
  }
  if (ok) {
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, impl_->cert.get(), cert.get(), nullptr, nullptr, 0);
    ok = addExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
         addExtension(cert.get(), &ctx, NID_key_usage, "critical,digitalSignature") &&
         addExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth") &&
         addExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash") &&
         addExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always") &&
         X509_sign(cert.get(), impl_->key.get(), EVP_sha256()) > 0;
  }
  if (!ok) {
    return makeError(ErrorCode::Internal, "issuing a certificate: " + ssl::lastError());
  }
  auto cert_pem = certToPem(cert.get());
  auto key_pem = keyToPem(key->get());
  if (!cert_pem || !key_pem) {
    return tl::unexpected(cert_pem ? key_pem.error() : cert_pem.error());
  }
  out.cert_pem = std::move(*cert_pem);
  out.key_pem = std::move(*key_pem);
  return out;
}

bool isValidDnsName(std::string_view name) {
  if (name.size() > 2 && name.substr(0, 2) == "*.") {
    name.remove_prefix(2);
  }
  if (name.empty() || name.size() > 253) {
    return false;
  }
  while (!name.empty()) {
    const auto dot = name.find('.');
    const std::string_view label = name.substr(0, dot);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-') {
        return false;
      }
    }
    if (dot == std::string_view::npos) {
      break;
    }
    name.remove_prefix(dot + 1);
    if (name.empty()) {
      return false;  // a trailing dot
    }
  }
  return true;
}

}  // namespace outrider::control
