#include "outrider/tls/context.h"

#include <fmt/format.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <boost/asio/ip/address.hpp>
#include <cstring>
#include <fstream>
#include <sstream>

namespace outrider::tls {
namespace {

namespace ssl = boost::asio::ssl;

// A set being swapped while it is read gives a cert of one set and a key of the next; reading
// again a few times gets one whole set (the writer swaps one symlink, so the window is tiny).
constexpr int MismatchAttempts = 5;

// OpenSSL's queued errors as one line, and the queue cleared.
std::string opensslErrors() {
  std::string text;
  while (const unsigned long code = ERR_get_error()) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof buffer);
    if (!text.empty()) {
      text += "; ";
    }
    text += buffer;
  }
  return text.empty() ? "no detail from OpenSSL" : text;
}

Result<std::string> readFile(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return makeError(ErrorCode::NotFound,
                     fmt::format("{} file {}: {}", what, path, std::strerror(errno)));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return makeError(ErrorCode::Io, fmt::format("{} file {}: read failed", what, path));
  }
  return text.str();
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

// The chain (leaf first) and key into the context; InvalidArgument when either does not parse or
// the key is not the leaf's, Io-like NotFound when a file cannot be read.
Result<void> useCertificateAndKey(SSL_CTX* ctx, const Files& files) {
  auto chain = readFile(files.cert, "certificate");
  if (!chain) {
    return tl::unexpected(chain.error());
  }
  auto key_pem = readFile(files.key, "key");
  if (!key_pem) {
    return tl::unexpected(key_pem.error());
  }
  std::unique_ptr<BIO, BioFree> chain_bio(
      BIO_new_mem_buf(chain->data(), static_cast<int>(chain->size())));
  std::unique_ptr<X509, X509Free> leaf(
      PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr));
  if (!leaf) {
    ERR_clear_error();
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("certificate file {}: no PEM certificate in it", files.cert));
  }
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("certificate file {}: {}", files.cert, opensslErrors()));
  }
  SSL_CTX_clear_chain_certs(ctx);
  while (X509* extra = PEM_read_bio_X509(chain_bio.get(), nullptr, nullptr, nullptr)) {
    SSL_CTX_add0_chain_cert(ctx, extra);  // owned by the context now
  }
  ERR_clear_error();  // the end of the PEM stream reads as an error
  std::unique_ptr<BIO, BioFree> key_bio(
      BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr));
  // The key's bytes are not needed past this point; do not keep a copy around.
  OPENSSL_cleanse(key_pem->data(), key_pem->size());
  if (!key) {
    ERR_clear_error();  // its message may quote the file; say only that it did not parse
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("key file {}: not a PEM private key (or encrypted)", files.key));
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return makeError(
        ErrorCode::InvalidArgument,
        fmt::format("key file {} does not match certificate file {}", files.key, files.cert));
  }
  return {};
}

int selectHttp11(SSL*, const unsigned char** out, unsigned char* out_length,
                 const unsigned char* in, unsigned int in_length, void*) {
  static const unsigned char Offer[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_length, Offer, sizeof Offer, in, in_length) ==
      OPENSSL_NPN_NEGOTIATED) {
    *out = selected;
    return SSL_TLSEXT_ERR_OK;
  }
  // A client that offers only other protocols (h2) goes on without ALPN, as nginx does.
  return SSL_TLSEXT_ERR_NOACK;
}

Result<ContextPtr> build(Role role, const Files& files) {
  auto context = std::make_shared<ssl::context>(role == Role::Server ? ssl::context::tls_server
                                                                     : ssl::context::tls_client);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
                               (role == Role::Server ? SSL_OP_CIPHER_SERVER_PREFERENCE : 0));
  if (SSL_CTX_set_cipher_list(ctx, Tls12Ciphers) != 1) {
    return makeError(ErrorCode::Internal, "TLS 1.2 cipher list: " + opensslErrors());
  }
  if (role == Role::Server && (files.cert.empty() || files.key.empty())) {
    return makeError(ErrorCode::InvalidArgument, "a TLS server needs a certificate and a key");
  }
  if (files.cert.empty() != files.key.empty()) {
    return makeError(ErrorCode::InvalidArgument,
                     "a certificate and its key go together (one of them is missing)");
  }
  if (!files.cert.empty()) {
    if (auto used = useCertificateAndKey(ctx, files); !used) {
      return tl::unexpected(used.error());
    }
  }
  if (!files.ca.empty()) {
    if (SSL_CTX_load_verify_locations(ctx, files.ca.c_str(), nullptr) != 1) {
      return makeError(ErrorCode::InvalidArgument,
                       fmt::format("CA file {}: {}", files.ca, opensslErrors()));
    }
    SSL_CTX_set_verify(
        ctx,
        role == Role::Server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER,
        nullptr);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  }
  if (role == Role::Server) {
    // Resumption with client certificates needs a session id context (OpenSSL refuses to resume
    // without one when verifying peers).
    static const unsigned char SessionContext[] = "outrider";
    SSL_CTX_set_session_id_context(ctx, SessionContext, sizeof SessionContext - 1);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
    SSL_CTX_set_alpn_select_cb(ctx, selectHttp11, nullptr);
  } else {
    static const unsigned char Offer[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    SSL_CTX_set_alpn_protos(ctx, Offer, sizeof Offer);
  }
  return context;
}

}  // namespace

Result<ContextPtr> makeContext(Role role, const Files& files) {
  for (int attempt = 1;; ++attempt) {
    auto context = build(role, files);
    const bool mismatch =
        !context && context.error().message.find("does not match") != std::string::npos;
    if (context || !mismatch || attempt == MismatchAttempts) {
      return context;
    }
  }
}

void setVerificationTime(SSL* ssl, SystemTime now) {
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  X509_VERIFY_PARAM_set_time(SSL_get0_param(ssl), static_cast<time_t>(seconds));
}

bool setServerName(SSL* ssl, const std::string& name) {
  if (name.empty()) {
    return true;
  }
  boost::system::error_code ec;
  boost::asio::ip::make_address(name, ec);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  if (!ec) {
    return X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str()) == 1;
  }
  return SSL_set_tlsext_host_name(ssl, name.c_str()) == 1 &&
         X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size()) == 1;
}

}  // namespace outrider::tls
