#pragma once

// Kubelet's AtomicWriter for one credential set: the files of a set go into a new folder
// DIR/..<UTC time>, then a symlink DIR/..data is swapped onto it with one rename(), so a reader
// sees the whole old set or the whole new one. The names users open, DIR/cert.pem and so on, are
// symlinks into ..data made once. A reader that must not straddle a swap opens DIR/..data as a
// directory and openat()s the files from that descriptor (readSet below does).
//
//   DIR/..2026_11_27_08_00_00.123456789/{cert.pem,key.pem,bundle.pem}   the current set
//   DIR/..2026_11_27_07_30_00.987654321/...                              the previous set (kept)
//   DIR/..data -> ..2026_11_27_08_00_00.123456789
//   DIR/cert.pem -> ..data/cert.pem   DIR/key.pem -> ..data/key.pem   DIR/bundle.pem -> ...

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "outrider/common/clock.h"
#include "outrider/common/result.h"
#include "outrider/secrets/credential_set.h"

namespace outrider::secrets {

constexpr const char* CertFile = "cert.pem";
constexpr const char* KeyFile = "key.pem";
constexpr const char* BundleFile = "bundle.pem";
constexpr const char* DataLink = "..data";

struct AtomicWriterOptions {
  // Sets kept besides the current one, newest first: a reader may still hold them open.
  unsigned keep_previous = 1;
  // fsync each file, the set's folder and DIR (off only in tests that measure the swap alone).
  bool fsync = true;
};

class AtomicWriter {
 public:
  // Creates DIR (0755) when missing. The clock names the folders (UTC, nanoseconds).
  static Result<std::unique_ptr<AtomicWriter>> create(std::filesystem::path dir, const Clock& clock,
                                                      AtomicWriterOptions options = {});

  // Writes `set` as the new current set: key.pem 0600, the others 0644, the folder 0755. Returns
  // the folder's name. On an error the current set is left as it was.
  Result<std::string> write(const CredentialSet& set);

  // The folder ..data points at, or empty.
  std::string currentFolder() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  AtomicWriter(std::filesystem::path dir, const Clock& clock, AtomicWriterOptions options);
  Result<void> ensureUserLinks();
  void prune(const std::string& current, const std::string& previous);

  std::filesystem::path dir_;
  const Clock& clock_;
  AtomicWriterOptions options_;
  std::vector<std::string> history_;  // folders this writer replaced, newest first
};

// Reads the current set through one descriptor of DIR/..data: the three files always come from
// the same folder. A reader slower than two swaps may find its folder pruned under it; it then
// starts again from ..data (up to 3 times; `retries`, when given, counts them). NotFound when
// there is no set.
Result<CredentialSet> readSet(const std::filesystem::path& dir, unsigned* retries = nullptr);

}  // namespace outrider::secrets
