#pragma once

// Certificates for TLS tests, from the control plane's own CA code: a root, leaves valid, expired,
// not yet valid or from another root, written as files the way outrider-secrets writes them.

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include "outrider/common/clock.h"
#include "outrider/control/ca.h"

namespace outrider::test {

struct PemFiles {
  std::string cert;
  std::string key;
  std::string ca;  // the issuing root
};

class TestPki {
 public:
  // A root valid for ten years around `now` (so leaves of any test time verify against it).
  TestPki(std::filesystem::path dir, SystemTime now, std::string name = "outrider test CA")
      : dir_(std::move(dir)), now_(now) {
    std::filesystem::create_directories(dir_);
    auto root = control::CertificateAuthority::createRoot(name, now_ - std::chrono::hours(24 * 365),
                                                          std::chrono::hours(24 * 365 * 10));
    if (root) {
      root_ = std::move(*root);
    }
  }

  bool ok() const { return root_ != nullptr; }
  const std::string& rootPem() const { return root_->certPem(); }

  // A leaf for localhost/127.0.0.1 issued at `issued` (NotBefore = issued - min(30s, ttl/10)),
  // valid for `ttl`, written as <name>.crt/.key beside <name>-ca.pem.
  PemFiles leaf(const std::string& name, std::chrono::seconds ttl = std::chrono::hours(1),
                std::chrono::seconds issued_offset = std::chrono::seconds(0)) const {
    control::LeafRequest request{name, "spiffe://outrider.test/" + name, {"localhost"}, ttl};
    auto issued = root_->issue(request, now_ + issued_offset);
    PemFiles files{(dir_ / (name + ".crt")).string(), (dir_ / (name + ".key")).string(),
                   (dir_ / (name + "-ca.pem")).string()};
    if (issued) {
      write(files.cert, issued->cert_pem);
      write(files.key, issued->key_pem);
    }
    write(files.ca, root_->certPem());
    return files;
  }

  static void write(const std::string& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
  }

 private:
  std::filesystem::path dir_;
  SystemTime now_;
  control::CertificateAuthorityPtr root_;
};

}  // namespace outrider::test
