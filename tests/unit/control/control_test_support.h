#pragma once

// Shared by the control plane's tests: a temporary directory, certificate inspection through
// the OpenSSL API and the switches' refused queries.

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

namespace outrider::control::test {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ =
        std::filesystem::temp_directory_path() /
        ("outrider-control-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// `parse` (an admin switch's query parser) refuses every one of `queries`.
template <class Parse>
testing::AssertionResult refusesEvery(Parse parse, std::initializer_list<const char*> queries) {
  std::string accepted;
  for (const char* query : queries) {
    if (parse(query)) {
      accepted += std::string(accepted.empty() ? "" : ", ") + "'" + query + "'";
    }
  }
  if (!accepted.empty()) {
    return testing::AssertionFailure() << "accepted " << accepted;
  }
  return testing::AssertionSuccess();
}

inline void writeText(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

inline std::string readText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

inline X509Ptr parseCert(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return cert;
}

inline PkeyPtr parseKey(const std::string& pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  PkeyPtr key(PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr));
  BIO_free(bio);
  return key;
}

inline bool keyMatches(const std::string& cert_pem, const std::string& key_pem) {
  auto cert = parseCert(cert_pem);
  auto key = parseKey(key_pem);
  return cert && key && X509_check_private_key(cert.get(), key.get()) == 1;
}

// "URI:spiffe://...", "DNS:name", "IP:127.0.0.1" for each SAN.
inline std::vector<std::string> subjectAltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (names == nullptr) {
    return out;
  }
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    int type = 0;
    const auto* value = static_cast<const ASN1_STRING*>(GENERAL_NAME_get0_value(name, &type));
    const std::string bytes(reinterpret_cast<const char*>(ASN1_STRING_get0_data(value)),
                            static_cast<std::size_t>(ASN1_STRING_length(value)));
    if (type == GEN_URI) {
      out.push_back("URI:" + bytes);
    } else if (type == GEN_DNS) {
      out.push_back("DNS:" + bytes);
    } else if (type == GEN_IPADD && bytes.size() == 4) {
      out.push_back("IP:" + std::to_string(static_cast<unsigned char>(bytes[0])) + "." +
                    std::to_string(static_cast<unsigned char>(bytes[1])) + "." +
                    std::to_string(static_cast<unsigned char>(bytes[2])) + "." +
                    std::to_string(static_cast<unsigned char>(bytes[3])));
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

inline int64_t notAfterUnix(X509* cert) {
  const ASN1_TIME* t = X509_get0_notAfter(cert);
  struct tm tm {};
  ASN1_TIME_to_tm(t, &tm);
  return static_cast<int64_t>(timegm(&tm));
}

inline int64_t notBeforeUnix(X509* cert) {
  const ASN1_TIME* t = X509_get0_notBefore(cert);
  struct tm tm {};
  ASN1_TIME_to_tm(t, &tm);
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace outrider::control::test
