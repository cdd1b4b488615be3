// F6 end to end (spec/scenario.md, "Process hygiene: ... privileges"): the shipped scenarios run
// by the real harness, as root. A sidecar as root is an `audit` finding and the same as nobody is
// not; a join token echoed into a log is found and named, and its text is nowhere in what the
// run wrote; the secret sidecar's key files pass the audit when it runs as nobody.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <sstream>

#include "game_day_fixture.h"
#include "outrider/reports/journal.h"

namespace outrider {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::GameDayTest;
using testing::HasSubstr;
using testing::IsEmpty;
using testing::Not;

const reports::AuditRecord* auditEntry(const reports::Journal& j, const std::string& process,
                                       const std::string& check) {
  if (!j.audit) {
    return nullptr;
  }
  for (const auto& a : *j.audit) {
    if (a.process == process && a.check == check) {
      return &a;
    }
  }
  return nullptr;
}

std::vector<const reports::FindingRecord*> auditFindings(const reports::Journal& j) {
  std::vector<const reports::FindingRecord*> out;
  for (const auto& f : j.findings) {
    if (f.kind == "audit") {
      out.push_back(&f);
    }
  }
  return out;
}

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void printAudit(const reports::Journal& j) {
  for (const auto& a : j.audit.value_or(std::vector<reports::AuditRecord>{})) {
    std::cout << fmt::format("audit: {} {} {}: {}\n", a.process, a.check, a.severity, a.detail);
  }
}

class AuditGameDayTest : public GameDayTest {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "user = \"nobody\" needs a harness running as root";
    }
    GameDayTest::SetUp();
  }
};

// The proxy as root (every capability, no no_new_privs): two high entries and a low one; the
// high ones are findings the gate fails on. The app, as nobody, has none.
TEST_F(AuditGameDayTest, SidecarAsRootIsAnAuditFinding) {
  const int code = run("scenarios/sidecar-as-root");
  auto j = journal();
  printAudit(j);
  ASSERT_TRUE(j.audit) << last_output_;
  const auto* root = auditEntry(j, "proxy", "user");
  ASSERT_NE(root, nullptr) << last_output_;
  EXPECT_EQ(root->severity, "high");
  EXPECT_EQ(root->detail, "runs as root (euid 0)");
  const auto* caps = auditEntry(j, "proxy", "capabilities");
  ASSERT_NE(caps, nullptr);
  EXPECT_EQ(caps->severity, "high");
  EXPECT_THAT(caps->detail, HasSubstr("CapEff not empty: "));
  const auto* nnp = auditEntry(j, "proxy", "no_new_privs");
  ASSERT_NE(nnp, nullptr);
  EXPECT_EQ(nnp->severity, "low");
  for (const auto& a : *j.audit) {
    EXPECT_NE(a.process, "app") << a.detail;
  }
  const auto findings = auditFindings(j);
  ASSERT_EQ(findings.size(), 2u);  // the low entry is no finding
  EXPECT_EQ(findings[0]->detail, "proxy: runs as root (euid 0)");
  EXPECT_TRUE(findings[0]->fails);
  EXPECT_EQ(j.verdict, "fail") << last_output_;
  EXPECT_EQ(code, 1);
  EXPECT_THAT(readAll(work_ / "run/report.md"), HasSubstr("| proxy | user | **high** | runs as "
                                                          "root (euid 0) |"));
}

// The same pod with the proxy as nobody: euid 65534, CapEff 0 and NoNewPrivs 1 for both
// processes (auditStatus reports any other value), so audit[] is empty and the run passes.
TEST_F(AuditGameDayTest, SidecarAsNobodyIsNoFinding) {
  const int code = run("scenarios/sidecar-as-nobody");
  auto j = journal();
  printAudit(j);
  ASSERT_TRUE(j.audit) << last_output_;  // audited, and clean
  EXPECT_THAT(*j.audit, IsEmpty());
  EXPECT_THAT(auditFindings(j), IsEmpty());
  EXPECT_EQ(j.verdict, "pass") << last_output_;
  EXPECT_EQ(code, 0);
  // Both were ready (so audited while they ran) and logged as nobody through the harness's fds.
  for (const char* name : {"app", "proxy"}) {
    const auto* process = test::processNamed(j, name);
    ASSERT_NE(process, nullptr) << name;
    EXPECT_EQ(process->ready_at_s.size(), 1u) << name;
  }
}

// A wrapper that prints its join token: the entry and the finding name the token file and the
// log's line; the token itself is nowhere in the journal, the reports or the run's output.
TEST_F(AuditGameDayTest, JoinTokenInALogIsFoundAndNamedNotShown) {
  const std::string token = "outrider-demo-join-token-4f1c2b";
  ASSERT_EQ(readAll("scenarios/join-token").substr(0, token.size()), token);
  const int code = run("scenarios/token-in-log");
  auto j = journal();
  printAudit(j);
  // The log does hold it (the wrapper printed it): the audit's finding is about a real leak.
  EXPECT_THAT(readAll(work_ / "run/logs/agent.log"), HasSubstr(token));
  const auto* leak = auditEntry(j, "agent", "secret_in_log");
  ASSERT_NE(leak, nullptr) << last_output_;
  EXPECT_EQ(leak->severity, "high");
  EXPECT_THAT(leak->detail, HasSubstr("join token from "));
  EXPECT_THAT(leak->detail, HasSubstr("scenarios/join-token found in logs/agent.log line 2"));
  const auto findings = auditFindings(j);
  ASSERT_EQ(findings.size(), 1u) << last_output_;  // everything else runs as nobody
  EXPECT_EQ(findings[0]->detail, "agent: " + leak->detail);
  EXPECT_EQ(j.verdict, "fail");
  EXPECT_EQ(code, 1);
  for (const char* file : {"journal.json", "report.md", "report.html", "junit.xml"}) {
    const std::string text = readAll(work_ / "run" / file);
    EXPECT_FALSE(text.empty()) << file;
    EXPECT_THAT(text, Not(HasSubstr(token))) << file;
  }
  EXPECT_THAT(last_output_, Not(HasSubstr(token)));
}

// outrider-control and outrider-secrets as nobody: the harness gave them their --state-dir and
// --dir; the key files (0600, nobody's) and the logs pass the audit.
TEST_F(AuditGameDayTest, SecretSidecarKeysPassTheAudit) {
  const int code = run("scenarios/secrets-as-nobody");
  auto j = journal();
  printAudit(j);
  ASSERT_TRUE(j.audit) << last_output_;
  EXPECT_THAT(*j.audit, IsEmpty());
  EXPECT_EQ(j.verdict, "pass") << last_output_;
  EXPECT_EQ(code, 0);
  for (const char* path :
       {"run/credentials", "run/control", "run/credentials/key.pem", "run/control/ca.key"}) {
    struct stat info {};
    ASSERT_EQ(::stat((work_ / path).c_str(), &info), 0) << path;
    EXPECT_EQ(info.st_uid, 65534u) << path;
    if (S_ISREG(info.st_mode)) {
      EXPECT_EQ(info.st_mode & 0777, 0600u) << path;
    }
  }
}

// Private key material in a log: the app's wrapper prints key.pem; the entry names the key file
// and the line, and no line of the key's body is in the journal or the reports.
TEST_F(AuditGameDayTest, PrivateKeyInALogIsFoundAndNamedNotShown) {
  const int code = run("gd-key-in-log");
  auto j = journal();
  printAudit(j);
  const std::string pem = readAll(work_ / "run/credentials/key.pem");
  ASSERT_THAT(pem, HasSubstr("PRIVATE KEY-----")) << last_output_;
  EXPECT_THAT(readAll(work_ / "run/logs/app.log"), HasSubstr(pem));
  const auto* leak = auditEntry(j, "app", "secret_in_log");
  ASSERT_NE(leak, nullptr) << last_output_;
  EXPECT_EQ(leak->severity, "high");
  // Line 1 is the harness's start marker; the PEM's BEGIN line is 2, its first body line 3.
  EXPECT_EQ(leak->detail, "private key credentials/key.pem found in logs/app.log line 3");
  ASSERT_EQ(auditFindings(j).size(), 1u) << last_output_;
  EXPECT_EQ(j.verdict, "fail");
  EXPECT_EQ(code, 1);
  std::vector<std::string> body;
  std::istringstream lines(pem);
  for (std::string line; std::getline(lines, line);) {
    if (line.size() >= 16 && line.rfind("-----", 0) != 0) {
      body.push_back(line);
    }
  }
  ASSERT_FALSE(body.empty());
  for (const char* file : {"journal.json", "report.md", "report.html", "junit.xml"}) {
    const std::string text = readAll(work_ / "run" / file);
    for (const auto& line : body) {
      EXPECT_THAT(text, Not(HasSubstr(line))) << file;
    }
  }
}

// A harness that is not root refuses user = "nobody" before it creates anything (exit 2).
TEST_F(AuditGameDayTest, HarnessNotRootRefusesUser) {
  if (::access("/usr/bin/setpriv", X_OK) != 0) {
    GTEST_SKIP() << "no setpriv to run the harness as nobody";
  }
  fs::create_directories(work_);
  auto result =
      test::runProgram({"/usr/bin/setpriv", "--reuid=1000", "--regid=1000", "--clear-groups",
                        test::binDir() + "/outrider", "run", "scenarios/sidecar-as-nobody.toml",
                        "--out", (work_ / "run").string()},
                       work_ / "output", 30s);
  ASSERT_TRUE(result.finished);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  // The first process in start order that asks for another user: services, sidecars, app.
  EXPECT_THAT(result.err,
              HasSubstr("[[sidecar]] proxy: user = \"nobody\" (uid 65534, gid 65534) needs a "
                        "harness running as root"));
  EXPECT_FALSE(fs::exists(work_ / "run"));
}

}  // namespace
}  // namespace outrider
