#pragma once

// F6, the over-privileged sidecar (spec/scenario.md, "Process hygiene"): every run audits each
// process while it runs (its effective uid, CapEff and NoNewPrivs from /proc/<pid>/status, and
// its command line and environment), the key files the run knows of (mode, owner), and at the
// end the run's logs, searched for the secrets it knows: the join tokens of the files given to
// --token-file / --tokens, and private key material (the first base64 line of each PEM private
// key). Each problem is one journal audit[] entry; high and medium ones are also the finding
// `audit`, low ones only listed. An entry names where a secret was found, never the secret.

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "outrider/reports/journal.h"
#include "outrider/scenarios/scenario.h"
#include "outrider/slo/verdict.h"

namespace outrider::harness {

// What the audit reads of /proc/<pid>/status; a field the text lacks stays empty.
struct ProcStatus {
  std::optional<uint32_t> effective_uid;  // Uid:'s second field
  std::optional<uint64_t> cap_eff;        // CapEff:, hex
  std::optional<bool> no_new_privs;       // NoNewPrivs: (Linux 4.10+)
};
ProcStatus parseProcStatus(std::string_view text);

// The problems of one process's status: "runs as root (euid 0)" (high), "CapEff not empty:
// 000001ffffffffff (...)" (high when a capability that amounts to root is among them, such as
// cap_sys_admin or cap_dac_override; medium otherwise), "no_new_privs not set" (low).
std::vector<reports::AuditRecord> auditStatus(const std::string& process, const ProcStatus& status);

// "cap_sys_admin" for 21; "cap_41" past the names this build knows.
std::string capabilityName(int bit);

// One secret the run knows of. `needle` is searched for and never printed; `label` says which
// secret it is ("join token from /s/join-token", "private key credentials/key.pem").
struct KnownSecret {
  std::string label;
  std::string needle;
};

// The join tokens of a token file as outrider-control reads it (one a line, trimmed, '#' starts
// a comment; outrider-secrets' whole-file token is its one line). Tokens shorter than
// MinSecretLength are left out: a search for them would find noise.
std::vector<std::string> parseTokenFile(std::string_view text);
// The first base64 line of each PEM private key block in `pem` ("-----BEGIN ... PRIVATE
// KEY-----"): any dump of the key, one line or many, holds it.
std::vector<std::string> privateKeyNeedles(std::string_view pem);
constexpr size_t MinSecretLength = 8;

// Where a secret was found in a text of lines: the secret's index, the first line (1-based) and
// how many lines hold it. One hit per secret.
struct SecretHit {
  size_t secret = 0;
  size_t first_line = 0;
  size_t lines = 0;
};
std::vector<SecretHit> findSecrets(std::string_view text, const std::vector<KnownSecret>& secrets);

// The files and folders the run's processes name that hold secrets, from their resolved commands
// and [load.tls]: a path after --token-file or --tokens (join tokens), after a flag ending in
// "key" such as --tls-key (a key file), the key.pem files of outrider-secrets' --dir (and of its
// kept sets), and outrider-control's --state-dir CA keys.
struct SecretSources {
  struct File {
    std::string process;  // whose it is ("load" for [load.tls])
    std::string path;
    bool operator<(const File& other) const {
      return std::tie(process, path) < std::tie(other.process, other.path);
    }
  };
  std::vector<File> token_files;
  std::vector<File> key_files;     // files named directly
  std::vector<File> secrets_dirs;  // outrider-secrets --dir: <dir>/key.pem, <dir>/<set>/key.pem
  std::vector<File> state_dirs;    // outrider-control --state-dir: ca.key, wrong-ca.key
};
SecretSources secretSourcesOf(const scenarios::Scenario& resolved);

// The mode and owner problems of one key file: group or other may read or write it ("key.pem
// mode 0644": high when others may, medium when only the group may), or it belongs to a uid
// other than root and `owner_uid`, the uid that uses it (medium).
std::vector<reports::AuditRecord> auditKeyFile(const std::string& process,
                                               const std::string& shown_path, uint32_t mode,
                                               uint32_t file_uid, uint32_t owner_uid);

// The audit of one run. Not thread-safe: call it on one thread (the run's main context).
class PrivilegeAudit {
 public:
  struct Paths {
    std::string proc_root = "/proc";  // a fake tree in tests
    std::string run_dir;              // logs/*.log are searched; paths under it shown relative
  };
  // `resolved`: the scenario as run (placeholders substituted). `harness_uid`: the uid of a
  // process without `user`.
  PrivilegeAudit(const scenarios::Scenario& resolved, Paths paths, uint32_t harness_uid);

  // A running process (once it is ready): its status, command line and environment.
  void auditProcess(const std::string& name, pid_t pid);
  // After the pod stopped: the key files, and every log in logs/.
  void auditFiles();

  // In the order found, each problem once.
  const std::vector<reports::AuditRecord>& records() const { return records_; }
  // The finding `audit` of each high and medium entry ("proxy: runs as root (euid 0)"); it fails
  // when the gate's fail_on lists audit.
  std::vector<slo::Finding> findings(const scenarios::Gate& gate) const;

  // The secrets known now (token files and key files are read at each call: keys rotate).
  std::vector<KnownSecret> knownSecrets() const;

 private:
  void add(reports::AuditRecord record);
  std::string shown(const std::string& path) const;
  uint32_t uidOf(const std::string& process) const;
  // Key files by canonical path, with their process: the named ones and those the dirs hold.
  std::vector<SecretSources::File> keyFiles() const;

  SecretSources sources_;
  std::vector<std::pair<std::string, uint32_t>> uids_;  // process -> the uid it runs as
  Paths paths_;
  uint32_t harness_uid_;
  std::vector<reports::AuditRecord> records_;
  std::set<std::tuple<std::string, std::string, std::string>> seen_;
};

}  // namespace outrider::harness
