// The privilege and secret audit (F6) on text given as strings and on a fake /proc and run
// folder: what /proc/<pid>/status says, where a known secret is found, and that no entry ever
// holds the secret itself.
#include "outrider/harness/privilege_audit.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "test_dir.h"

namespace outrider::harness {
namespace {

namespace fs = std::filesystem;
using reports::AuditRecord;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::Not;

constexpr const char* RootStatus =
    "Name:\toutrider-echo\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\n"
    "Gid:\t0\t0\t0\t0\nGroups:\t0 \nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\n"
    "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\n"
    "NoNewPrivs:\t0\nSeccomp:\t0\n";
constexpr const char* NobodyStatus =
    "Name:\toutrider-echo\nUid:\t65534\t65534\t65534\t65534\nGid:\t65534\t65534\t65534\t65534\n"
    "Groups:\t\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n";

// A made-up PEM pair: a certificate (public) and a private key whose first body line is the
// needle.
constexpr const char* KeyBodyLine =
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRET0123";
std::string pemPair() {
  return std::string(
             "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUPUBLICPUBLICPUBLIC\n"
             "-----END CERTIFICATE-----\n-----BEGIN PRIVATE KEY-----\n") +
         KeyBodyLine + "\nhRRjNZzHOWMORE+KEY/MATERIAL==\n-----END PRIVATE KEY-----\n";
}

void writeFile(const fs::path& path, const std::string& text, mode_t mode = 0644) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), mode);
}

// Status lines: the effective uid is Uid:'s second field; CapEff is hex.
TEST(PrivilegeAuditTest, ParsesProcStatus) {
  auto status = parseProcStatus("Uid:\t1000\t0\t0\t0\nCapEff:\t0000000000000400\nNoNewPrivs:\t1\n");
  ASSERT_TRUE(status.effective_uid);
  EXPECT_EQ(*status.effective_uid, 0u);
  ASSERT_TRUE(status.cap_eff);
  EXPECT_EQ(*status.cap_eff, 0x400u);
  ASSERT_TRUE(status.no_new_privs);
  EXPECT_TRUE(*status.no_new_privs);
  // A kernel before 4.10 has no NoNewPrivs line: unknown, not "not set".
  auto old = parseProcStatus("Uid:\t5\t6\t7\t8\nCapEff:\tzz\n");
  EXPECT_EQ(old.effective_uid, 6u);
  EXPECT_FALSE(old.cap_eff);
  EXPECT_FALSE(old.no_new_privs);
  // "Uid" must be the whole key: "Uidx:" is another line.
  EXPECT_FALSE(parseProcStatus("Uidx:\t0\t0\t0\t0\n").effective_uid);
}

// Root with every capability: high, high, low; nobody without any: nothing.
TEST(PrivilegeAuditTest, StatusOfRootAndNobody) {
  EXPECT_THAT(
      auditStatus("proxy", parseProcStatus(RootStatus)),
      ElementsAre(AuditRecord{"proxy", "user", "high", "runs as root (euid 0)"},
                  AuditRecord{"proxy", "capabilities", "high",
                              "CapEff not empty: 000001ffffffffff (cap_chown, cap_dac_override, "
                              "cap_dac_read_search, cap_fowner and 37 more)"},
                  AuditRecord{"proxy", "no_new_privs", "low", "no_new_privs not set"}));
  EXPECT_THAT(auditStatus("proxy", parseProcStatus(NobodyStatus)), IsEmpty());
}

// A capability short of root's powers (binding a low port) is medium, named.
TEST(PrivilegeAuditTest, MildCapabilityIsMedium) {
  ProcStatus status;
  status.effective_uid = 1000;
  status.cap_eff = 1U << 10;
  status.no_new_privs = true;
  EXPECT_THAT(auditStatus("app", status),
              ElementsAre(AuditRecord{"app", "capabilities", "medium",
                                      "CapEff not empty: 0000000000000400 "
                                      "(cap_net_bind_service)"}));
  status.cap_eff = (1ULL << 10) | (1ULL << 21);  // with cap_sys_admin: high, named first
  EXPECT_THAT(auditStatus("app", status),
              ElementsAre(AuditRecord{"app", "capabilities", "high",
                                      "CapEff not empty: 0000000000200400 (cap_sys_admin, "
                                      "cap_net_bind_service)"}));
}

// Token files as outrider-control reads them: a line each, trimmed, comments and short ones out.
TEST(PrivilegeAuditTest, TokenFileLines) {
  EXPECT_THAT(parseTokenFile("# the demo token\n  tok-aaaaaaaa  \n\nshort\nsecond-token-x\r\n"),
              ElementsAre("tok-aaaaaaaa", "second-token-x"));
  EXPECT_THAT(parseTokenFile("outrider-demo-join-token-4f1c2b"),
              ElementsAre("outrider-demo-join-token-4f1c2b"));
}

// Only private keys give needles, each its first base64 line.
TEST(PrivilegeAuditTest, PrivateKeyNeedles) {
  EXPECT_THAT(privateKeyNeedles(pemPair()), ElementsAre(KeyBodyLine));
  EXPECT_THAT(privateKeyNeedles("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUPUBLIC\n"
                                "-----END CERTIFICATE-----\n"),
              IsEmpty());
  // An encrypted key's headers are skipped to its base64.
  EXPECT_THAT(privateKeyNeedles("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
                                "DEK-Info: AES-128-CBC,00\n\nQUJDREVGR0hJSktMTU5PUA==\n"
                                "-----END RSA PRIVATE KEY-----\n"),
              ElementsAre("QUJDREVGR0hJSktMTU5PUA=="));
}

// Each secret's first line and how many lines hold it.
TEST(PrivilegeAuditTest, FindsSecretsByLine) {
  const std::vector<KnownSecret> secrets = {{"token a", "tok-aaaaaaaa"},
                                            {"token b", "tok-bbbbbbbb"}};
  EXPECT_THAT(
      findSecrets("start\nnothing\njoin tok-aaaaaaaa\nagain tok-aaaaaaaa tok-aaaaaaaa\n", secrets),
      ElementsAre(testing::AllOf(testing::Field(&SecretHit::secret, 0u),
                                 testing::Field(&SecretHit::first_line, 3u),
                                 testing::Field(&SecretHit::lines, 2u))));
  EXPECT_THAT(findSecrets("tok-aaaaaab\n", secrets), IsEmpty());
}

scenarios::ProcessSpec process(std::string name, scenarios::ProcessRole role,
                               std::vector<std::string> command) {
  scenarios::ProcessSpec spec;
  spec.name = std::move(name);
  spec.role = role;
  spec.command = std::move(command);
  return spec;
}

// The secrets a run knows of come from its commands' flags and [load.tls].
TEST(PrivilegeAuditTest, SecretSourcesFromCommands) {
  scenarios::Scenario scenario;
  scenario.app = process("app", scenarios::ProcessRole::App,
                         {"/b/outrider-echo", "--credential-file", "/r/credentials/cert.pem"});
  scenario.sidecars.push_back(
      process("secrets", scenarios::ProcessRole::Sidecar,
              {"/b/outrider-secrets", "--token-file", "/s/join-token", "--dir", "/r/credentials"}));
  scenario.sidecars.push_back(process(
      "proxy", scenarios::ProcessRole::Sidecar,
      {"/b/outrider-proxy", "--tls-key=/r/proxy/key.pem", "--upstream-tls-key", "/r/up/key.pem"}));
  scenario.services.push_back(
      process("control", scenarios::ProcessRole::Service,
              {"/b/outrider-control", "--tokens", "/s/join-token", "--state-dir", "/r/control"}));
  // --dir of another program is not a secrets folder.
  scenario.services.push_back(
      process("other", scenarios::ProcessRole::Service, {"/b/other", "--dir", "/r/x"}));
  scenario.load.emplace();
  scenario.load->tls.emplace();
  scenario.load->tls->key = "/s/client.key";
  const auto sources = secretSourcesOf(scenario);
  using File = SecretSources::File;
  auto same = [](const File& a, const File& b) {
    return a.process == b.process && a.path == b.path;
  };
  ASSERT_EQ(sources.token_files.size(), 2u);
  EXPECT_TRUE(same(sources.token_files[0], File{"control", "/s/join-token"}));
  EXPECT_TRUE(same(sources.token_files[1], File{"secrets", "/s/join-token"}));
  ASSERT_EQ(sources.key_files.size(), 3u);
  EXPECT_TRUE(same(sources.key_files[0], File{"load", "/s/client.key"}));
  EXPECT_TRUE(same(sources.key_files[1], File{"proxy", "/r/proxy/key.pem"}));
  EXPECT_TRUE(same(sources.key_files[2], File{"proxy", "/r/up/key.pem"}));
  ASSERT_EQ(sources.secrets_dirs.size(), 1u);
  EXPECT_TRUE(same(sources.secrets_dirs[0], File{"secrets", "/r/credentials"}));
  ASSERT_EQ(sources.state_dirs.size(), 1u);
  EXPECT_TRUE(same(sources.state_dirs[0], File{"control", "/r/control"}));
}

// Group or other access to a key is a problem (high when others have it); so is an owner that
// is neither root nor the process using it.
TEST(PrivilegeAuditTest, KeyFileModeAndOwner) {
  EXPECT_THAT(auditKeyFile("secrets", "credentials/key.pem", 0100644, 0, 0),
              ElementsAre(AuditRecord{"secrets", "key_file_mode", "high",
                                      "credentials/key.pem mode 0644 (group or others may read "
                                      "it)"}));
  EXPECT_THAT(auditKeyFile("secrets", "k.pem", 0100660, 0, 0),
              ElementsAre(AuditRecord{"secrets", "key_file_mode", "medium",
                                      "k.pem mode 0660 (group or others may read or write it)"}));
  EXPECT_THAT(auditKeyFile("secrets", "k.pem", 0100600, 1000, 65534),
              ElementsAre(AuditRecord{"secrets", "key_file_owner", "medium",
                                      "k.pem belongs to uid 1000, not to secrets's uid 65534 or "
                                      "root"}));
  EXPECT_THAT(auditKeyFile("secrets", "k.pem", 0100600, 65534, 65534), IsEmpty());
  EXPECT_THAT(auditKeyFile("secrets", "k.pem", 0100400, 0, 65534), IsEmpty());
}

// A whole run on a fake tree: a root process whose environment holds a key, a token in a log,
// a world-readable key; entries name the places, never the secrets.
class PrivilegeAuditTreeTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::freshTestDir("audit");
    run_ = dir_ / "run";
    writeFile(dir_ / "scenario/join-token", "# demo\noutrider-demo-join-token-4f1c2b\n");
    // outrider-secrets' layout: a kept set and the user link through ..data.
    writeFile(run_ / "credentials/2026-12-02T16.00.00Z/key.pem", pemPair(), 0644);
    fs::create_directory_symlink("2026-12-02T16.00.00Z", run_ / "credentials/..data");
    fs::create_symlink("..data/key.pem", run_ / "credentials/key.pem");
    writeFile(run_ / "logs/app.log",
              "===== outrider: start #1 of app =====\nlistening\n"
              "token is outrider-demo-join-token-4f1c2b\n");
    writeFile(run_ / "logs/secrets.log", "joined as app\n");
    writeFile(dir_ / "proc/100/status", RootStatus);
    writeFile(dir_ / "proc/100/cmdline", std::string("/b/outrider-echo\0--listen\0x\0", 28));
    writeFile(dir_ / "proc/100/environ",
              std::string("PATH=/bin\0APP_KEY=", 18) + KeyBodyLine + std::string("\0", 1));
    writeFile(dir_ / "proc/200/status", NobodyStatus);
    writeFile(dir_ / "proc/200/cmdline", std::string("/b/outrider-secrets\0--token-file\0", 33) +
                                             (dir_ / "scenario/join-token").string() +
                                             std::string("\0", 1));
    writeFile(dir_ / "proc/200/environ", std::string("PATH=/bin\0", 10));

    scenario_.app = process("app", scenarios::ProcessRole::App, {"/b/outrider-echo"});
    auto secrets =
        process("secrets", scenarios::ProcessRole::Sidecar,
                {"/b/outrider-secrets", "--token-file", (dir_ / "scenario/join-token").string(),
                 "--dir", (run_ / "credentials").string()});
    secrets.run_as = scenarios::RunAs{"nobody", "nogroup", 65534, 65534};
    scenario_.sidecars.push_back(secrets);
  }
  void TearDown() override { fs::remove_all(dir_); }

  PrivilegeAudit audit() {
    return PrivilegeAudit(scenario_, {(dir_ / "proc").string(), run_.string()}, 0);
  }

  fs::path dir_;
  fs::path run_;
  scenarios::Scenario scenario_;
};

TEST_F(PrivilegeAuditTreeTest, NamesWhereSecretsAreNeverWhat) {
  auto run = audit();
  run.auditProcess("app", 100);
  run.auditProcess("secrets", 200);
  run.auditProcess("app", 100);  // a second look adds nothing
  run.auditFiles();
  EXPECT_THAT(
      run.records(),
      ElementsAre(AuditRecord{"app", "user", "high", "runs as root (euid 0)"},
                  testing::Field(&AuditRecord::check, "capabilities"),
                  AuditRecord{"app", "no_new_privs", "low", "no_new_privs not set"},
                  AuditRecord{"app", "secret_in_environment", "medium",
                              "private key credentials/key.pem found in the environment of app "
                              "(variable APP_KEY)"},
                  AuditRecord{"secrets", "key_file_mode", "high",
                              "credentials/key.pem mode 0644 (group or others may read it)"},
                  AuditRecord{"app", "secret_in_log", "high",
                              "join token from " + (dir_ / "scenario/join-token").string() +
                                  " found in logs/app.log line 3"}));
  // The path to the token file is in secrets' command line, the token is not: nothing there.
  for (const auto& record : run.records()) {
    EXPECT_THAT(record.detail, Not(HasSubstr("outrider-demo-join-token-4f1c2b")));
    EXPECT_THAT(record.detail, Not(HasSubstr(KeyBodyLine)));
  }
  // High and medium entries are findings; low ones are not; fail_on decides whether they fail.
  scenarios::Gate gate;
  auto findings = run.findings(gate);
  ASSERT_EQ(findings.size(), 5u);
  EXPECT_EQ(findings[0].kind, scenarios::FindingKind::Audit);
  EXPECT_EQ(findings[0].detail, "app: runs as root (euid 0)");
  EXPECT_FALSE(findings[0].fails);
  gate.fail_on.push_back(scenarios::FindingKind::Audit);
  EXPECT_TRUE(run.findings(gate)[4].fails);
}

// A key file given as is, owned by the process's uid with mode 0600, passes; a token file's
// token on a command line is high.
TEST_F(PrivilegeAuditTreeTest, CleanKeyAndTokenOnCommandLine) {
  fs::remove(run_ / "credentials/2026-12-02T16.00.00Z/key.pem");
  writeFile(run_ / "credentials/2026-12-02T16.00.00Z/key.pem", pemPair(), 0600);
  fs::remove(run_ / "logs/app.log");
  writeFile(dir_ / "proc/300/status", NobodyStatus);
  writeFile(dir_ / "proc/300/cmdline",
            std::string("/b/tool\0--token\0outrider-demo-join-token-4f1c2b\0", 48));
  auto run = audit();
  run.auditProcess("secrets", 300);
  run.auditFiles();
  EXPECT_THAT(run.records(),
              ElementsAre(AuditRecord{"secrets", "secret_in_command_line", "high",
                                      "join token from " + (dir_ / "scenario/join-token").string() +
                                          " found in the command line of secrets (argument 2)"}));
  ASSERT_EQ(run.knownSecrets().size(), 2u);  // the token and the one key (its two paths are one)
}

}  // namespace
}  // namespace outrider::harness
