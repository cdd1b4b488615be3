#include "outrider/tls/handshake_failure.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

namespace outrider::tls {
namespace {

// OpenSSL reports a received alert as reason SSL_AD_REASON_OFFSET + the alert's number.
constexpr int AlertReasonOffset = 1000;

std::string_view reasonOfVerifyResult(long result) {
  switch (result) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return "expired";
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "not-yet-valid";
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
      return "unknown-ca";
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      return "hostname-mismatch";
    default:
      return "bad-certificate";
  }
}

std::string_view reasonOfAlert(int alert) {
  switch (alert) {
    case SSL_AD_CERTIFICATE_EXPIRED:
      return "expired";
    case SSL_AD_UNKNOWN_CA:
      return "unknown-ca";
    case SSL_AD_BAD_CERTIFICATE:
    case SSL_AD_UNSUPPORTED_CERTIFICATE:
    case SSL_AD_CERTIFICATE_REVOKED:
    case SSL_AD_CERTIFICATE_UNKNOWN:
      return "bad-certificate";
    case SSL_AD_CERTIFICATE_REQUIRED:
      return "no-certificate";
    default:
      return "protocol";
  }
}

}  // namespace

HandshakeFailure classifyHandshakeFailure(const boost::system::error_code& ec, const SSL* ssl,
                                          bool timed_out) {
  if (timed_out) {
    return {"handshake-timeout", false};
  }
  if (ec.category() == boost::asio::error::get_ssl_category()) {
    const auto code = static_cast<unsigned long>(ec.value());
    const int reason = ERR_GET_REASON(code);
    if (ERR_GET_LIB(code) != ERR_LIB_SSL) {
      return {"protocol", false};
    }
    if (reason == SSL_R_CERTIFICATE_VERIFY_FAILED) {
      const long result = ssl != nullptr ? SSL_get_verify_result(ssl) : X509_V_OK;
      return {result == X509_V_OK ? "bad-certificate" : reasonOfVerifyResult(result), false};
    }
    if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE) {
      return {"no-certificate", false};
    }
    if (reason > AlertReasonOffset) {
      return {reasonOfAlert(reason - AlertReasonOffset), true};
    }
    return {"protocol", false};
  }
  return {"connection", false};
}

}  // namespace outrider::tls
