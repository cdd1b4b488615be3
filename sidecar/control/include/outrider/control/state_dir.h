#pragma once

// What the control plane keeps in --state-dir so that its own restart changes nothing a client
// can see: the CA (same bundle, so issued certificates stay valid), the session-signing key (so
// sessions stay valid) and the issuance record. Files:
//   ca.pem        the root certificate
//   ca.key        its PKCS#8 key (0600)
//   session.key   32 random bytes, hex (0600)
//   issued.json   {"count": N, "recent_serials": [...]} (the last RecentSerials serials)
//   wrong-ca.pem  the cert-wrong-ca fault's second root, never in a bundle (on first use)
//   wrong-ca.key  its key (0600)
// Each is written atomically: a temporary file in the same directory, fsync, rename, fsync of
// the directory.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/control/ca.h"

namespace outrider::control {

class StateDir {
 public:
  static constexpr std::size_t RecentSerials = 1000;

  // Creates the directory (0700) and a new CA and session key when they are not there; loads
  // them when they are. A file that is there but unusable (or a CA half missing) is an
  // InvalidArgument naming that file.
  static Result<std::unique_ptr<StateDir>> open(const std::filesystem::path& dir,
                                                const Clock& clock);

  const CertificateAuthority& ca() const { return *ca_; }
  const std::string& sessionKey() const { return session_key_; }
  const std::filesystem::path& path() const { return dir_; }
  uint64_t issuedCount() const;
  // Whether this open() created the CA (false: loaded from an earlier run).
  bool created() const { return created_; }

  // The cert-wrong-ca fault's CA: loaded or created (and kept) on first use, so every run of
  // the fault, across restarts, signs with the same CA that no peer trusts. Thread-safe.
  Result<const CertificateAuthority*> wrongCa(SystemTime now);

  // Adds one issued serial to issued.json (thread-safe).
  Result<void> recordIssued(const std::string& serial_hex);

 private:
  StateDir() = default;
  Result<void> loadIssued();

  std::filesystem::path dir_;
  CertificateAuthorityPtr ca_;
  std::string session_key_;
  bool created_ = false;
  std::mutex wrong_ca_mutex_;
  CertificateAuthorityPtr wrong_ca_;
  mutable std::mutex mutex_;
  uint64_t issued_count_ = 0;
  std::deque<std::string> recent_serials_;
};

using StateDirPtr = std::unique_ptr<StateDir>;

}  // namespace outrider::control
