#include "outrider/harness/run_folder.h"

#include <filesystem>
#include <fstream>

#include "outrider/common/atomic_file.h"
#include "outrider/common/time_format.h"
#include "outrider/reports/html_report.h"
#include "outrider/reports/junit_report.h"
#include "outrider/reports/markdown_report.h"
#include "outrider/reports/postmortem.h"

namespace outrider::harness {

namespace fs = std::filesystem;

namespace {

void writeText(const std::string& path, const std::string& text, std::vector<std::string>& failed) {
  std::ofstream file(path);
  file << text;
  file.close();
  if (!file) {
    failed.push_back(path);
  }
}

}  // namespace

Result<std::string> createRunFolder(const std::string& requested, const std::string& scenario,
                                    SystemTime now) {
  return createFolder(requested, scenario, now, "logs");
}

Result<std::string> createFolder(const std::string& requested, const std::string& name,
                                 SystemTime now, const std::string& inner) {
  std::string dir = requested;
  if (dir.empty()) {
    const std::string base = "runs/" + name + "-" + formatUtc(now, true);
    dir = base;
    for (int n = 2; fs::exists(dir); ++n) {
      dir = base + "-" + std::to_string(n);
    }
  }
  std::error_code ec;
  fs::create_directories(fs::path(dir) / inner, ec);
  if (ec) {
    return makeError(ErrorCode::Io, "cannot create " + dir + "/" + inner + ": " + ec.message());
  }
  return dir;
}

Result<std::vector<std::string>> writeRunFolder(const reports::Journal& journal,
                                                const std::string& run_dir) {
  if (auto written = reports::writeJournal(journal, run_dir); !written) {
    return tl::unexpected(written.error());
  }
  std::vector<std::string> failed;
  auto write = [&](const std::string& name, const std::string& text) {
    writeText(run_dir + "/" + name, text, failed);
  };
  write("report.md", reports::renderMarkdown(journal));
  write("report.html", reports::renderHtml(journal));
  write("junit.xml", reports::renderJunit(journal));
  if (reports::wantsPostmortem(journal)) {
    write("postmortem.md", reports::renderPostmortem(journal));
  }
  return failed;
}

std::vector<std::string> writeCanaryFolder(const reports::CanaryReport& report,
                                           const std::vector<reports::Journal>& baseline,
                                           const std::vector<reports::Journal>& candidate,
                                           const std::string& dir) {
  std::vector<std::string> failed;
  // The record, whole or not at all; the renderings can be made again from it.
  if (!writeFileAtomically(dir + "/canary.json", reports::toJson(report).dump(2) + "\n")) {
    failed.push_back(dir + "/canary.json");
  }
  writeText(dir + "/canary.md", reports::renderCanaryMarkdown(report), failed);
  writeText(dir + "/canary.html", reports::renderCanaryHtml(report, baseline, candidate), failed);
  writeText(dir + "/junit.xml", reports::renderCanaryJunit(report), failed);
  return failed;
}

}  // namespace outrider::harness
