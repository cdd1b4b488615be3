// outrider-secrets against the real outrider-control, rotating fast, while a reader polls the
// set as fast as it can (issue 9's first "Done when"): no missing file, no key that does not
// match its certificate, no expired set, and each new certificate readable soon after the
// control plane issued it. 30 rotations by default (about 30 s); OUTRIDER_ROTATIONS=1000 for
// the full figure (about 17 minutes).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <thread>
#include <utility>
#include <vector>

#include "outrider/secrets/atomic_writer.h"
#include "outrider/secrets/credential_set.h"
#include "run_program.h"

namespace outrider::secrets {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

int64_t unixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string field(const std::string& text, const std::string& key) {
  const auto at = text.find(key + "=");
  if (at == std::string::npos) {
    return {};
  }
  const auto from = at + key.size() + 1;
  return text.substr(from, text.find_first_of(" \n", from) - from);
}

TEST(RotationEndToEndTest, AReaderNeverSeesAHalfSetAcrossRotations) {
  const char* env = std::getenv("OUTRIDER_ROTATIONS");
  const uint64_t rotations = env != nullptr ? std::strtoull(env, nullptr, 10) : 30;
  const fs::path work =
      fs::temp_directory_path() / ("outrider-rotation-" + std::to_string(::getpid()));
  fs::remove_all(work);
  fs::create_directories(work);
  { std::ofstream(work / "token") << "rotation-test-token\n"; }
  const std::string bin = test::binDir();
  test::Program control({bin + "/outrider-control", "--listen", "127.0.0.1:0", "--admin",
                         "127.0.0.1:0", "--state-dir", (work / "state").string(), "--tokens",
                         (work / "token").string(), "--cert-ttl", "2s"},
                        work / "control");
  ASSERT_TRUE(control.waitForOutput("listening=", 10s)) << control.currentOut();
  const std::string listening = field(control.currentOut(), "listening");
  // 2-second certificates rotated at half their lifetime: about one rotation a second (X.509
  // times are whole seconds, so no certificate can be much shorter).
  test::Program agent({bin + "/outrider-secrets", "--control", listening, "--token-file",
                       (work / "token").string(), "--dir", (work / "set").string(), "--admin",
                       "127.0.0.1:0", "--rotate-jitter", "0", "--seed", "1"},
                      work / "secrets");
  const fs::path dir = work / "set";

  // The reader: openat() through ..data, as fast as it can.
  std::atomic<bool> stop{false};
  uint64_t reads = 0;
  uint64_t missing = 0;
  uint64_t mismatched = 0;
  uint64_t expired = 0;
  std::map<std::string, int64_t> first_seen;  // serial -> unix ms
  struct Checked {
    std::string key_pem;
    SetInfo info;
  };
  std::map<std::string, Checked> checked;  // by certificate bytes
  std::string first_problem;
  const auto started = std::chrono::steady_clock::now();
  std::thread reader([&] {
    while (!stop.load()) {
      auto set = readSet(dir);
      if (!set) {
        if (!first_seen.empty()) {  // before the first set there is nothing to miss
          ++missing;
          first_problem = first_problem.empty() ? set.error().message : first_problem;
        }
        continue;
      }
      ++reads;
      const int64_t now = unixMs();
      // Each certificate is parsed and checked against its key once; later reads of it compare
      // bytes, so the reader keeps its pace.
      auto known = checked.find(set->cert_pem);
      if (known == checked.end()) {
        auto info = inspectSet(*set);
        if (!info) {
          ++mismatched;
          first_problem = first_problem.empty() ? info.error().message : first_problem;
          continue;
        }
        known = checked.emplace(set->cert_pem, Checked{set->key_pem, *info}).first;
      } else if (known->second.key_pem != set->key_pem) {
        ++mismatched;
        first_problem = first_problem.empty() ? "a key from another set" : first_problem;
        continue;
      }
      const SetInfo* info = &known->second.info;
      if (info->window.not_after <= std::chrono::system_clock::now()) {
        ++expired;
      }
      first_seen.emplace(info->serial_hex, now);
      if (first_seen.size() > rotations) {
        stop = true;
      }
    }
  });
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30 + 2 * rotations);
  while (!stop.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(100ms);  // the test's own budget, not a synchronisation
  }
  stop = true;
  reader.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  agent.signal(SIGTERM);
  const auto agent_result = agent.wait(10s);
  control.signal(SIGTERM);
  control.wait(10s);

  // Issue time of each serial, from the agent's log; readable = the reader's first sight.
  std::vector<int64_t> lag_ms;
  std::istringstream log(agent_result.err);
  const std::regex wrote("wrote set serial ([0-9A-F]+) .* issued_unix_ms ([0-9]+)");
  bool first_set = true;  // not a rotation: it waits for the folder's first links and the join
  for (std::string line; std::getline(log, line);) {
    std::smatch m;
    if (std::regex_search(line, m, wrote) && !std::exchange(first_set, false)) {
      auto seen = first_seen.find(m[1].str());
      if (seen != first_seen.end()) {
        lag_ms.push_back(seen->second - std::stoll(m[2].str()));
      }
    }
  }
  std::sort(lag_ms.begin(), lag_ms.end());
  ASSERT_FALSE(lag_ms.empty()) << agent_result.err.substr(0, 2000);
  const int64_t p50 = lag_ms[lag_ms.size() / 2];
  const int64_t p99 = lag_ms[std::min(lag_ms.size() - 1, lag_ms.size() * 99 / 100)];
  std::printf(
      "rotations %zu, reads %lu in %.1f s (%.0f/s), missing %lu, mismatched %lu, "
      "expired %lu; issued-to-readable p50 %ld ms, p99 %ld ms, max %ld ms\n",
      first_seen.size() - 1, reads, seconds, reads / seconds, missing, mismatched, expired, p50,
      p99, lag_ms.back());
  EXPECT_GE(first_seen.size(), rotations + 1) << "rotations seen in time";
  EXPECT_EQ(missing, 0u) << first_problem;
  EXPECT_EQ(mismatched, 0u) << first_problem;
  EXPECT_EQ(expired, 0u);
  EXPECT_GE(reads / seconds, 10'000.0) << "the reader polls at least 10,000 times a second";
  EXPECT_LE(p99, 50) << "a new certificate is readable within 50 ms of being issued (p99)";
  EXPECT_EQ(agent_result.err.find("PRIVATE KEY"), std::string::npos);
  fs::remove_all(work);
}

}  // namespace
}  // namespace outrider::secrets
