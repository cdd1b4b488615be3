#include "outrider/harness/run_folder.h"

#include <filesystem>
#include <fstream>

#include "outrider/common/time_format.h"
#include "outrider/reports/html_report.h"
#include "outrider/reports/junit_report.h"
#include "outrider/reports/markdown_report.h"
#include "outrider/reports/postmortem.h"

namespace outrider::harness {

namespace fs = std::filesystem;

Result<std::string> createRunFolder(const std::string& requested, const std::string& scenario,
                                    SystemTime now) {
  std::string run_dir = requested;
  if (run_dir.empty()) {
    const std::string base = "runs/" + scenario + "-" + formatUtc(now, true);
    run_dir = base;
    for (int n = 2; fs::exists(run_dir); ++n) {
      run_dir = base + "-" + std::to_string(n);
    }
  }
  std::error_code ec;
  fs::create_directories(fs::path(run_dir) / "logs", ec);
  if (ec) {
    return makeError(ErrorCode::Io, "cannot create " + run_dir + ": " + ec.message());
  }
  return run_dir;
}

Result<std::vector<std::string>> writeRunFolder(const reports::Journal& journal,
                                                const std::string& run_dir) {
  if (auto written = reports::writeJournal(journal, run_dir); !written) {
    return tl::unexpected(written.error());
  }
  std::vector<std::string> failed;
  auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = run_dir + "/" + name;
    std::ofstream file(path);
    file << text;
    file.close();
    if (!file) {
      failed.push_back(path);
    }
  };
  write("report.md", reports::renderMarkdown(journal));
  write("report.html", reports::renderHtml(journal));
  write("junit.xml", reports::renderJunit(journal));
  if (reports::wantsPostmortem(journal)) {
    write("postmortem.md", reports::renderPostmortem(journal));
  }
  return failed;
}

}  // namespace outrider::harness
