#pragma once

// What a run needs before it starts processes as another user (`user`, `group`): a harness that
// may do so (root), and the run-folder directories those processes write, created and handed to
// them. The harness opens every log itself before exec, so a process as nobody writes its log
// through the inherited descriptor; what it writes elsewhere in ${dir.run} is named by a flag:
// each path under ${dir.run} given to a flag whose name ends in "dir" (`--dir`, `--state-dir`,
// `--dir=...`) is created, with each folder made for it, owned by the process's uid and gid,
// mode 0755. Paths outside the run folder are left alone: they are the scenario's to prepare.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "outrider/common/result.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::harness {

// The refusal of a scenario whose processes ask for another identity when the harness is not
// root ("[[sidecar]] proxy: user = \"nobody\" needs a harness running as root ..."); nullopt
// when it may run. A user and group equal to the harness's own need no root.
std::optional<std::string> runAsRefusal(const scenarios::Scenario& scenario, uid_t euid,
                                        gid_t egid);

struct OwnedDir {
  std::string path;  // absolute, under the run folder
  uid_t uid = 0;
  gid_t gid = 0;
  std::string process;
  bool operator==(const OwnedDir&) const = default;
};

// The directories under `run_dir` that processes with `user` write (see above), in command order;
// a path two processes name goes to the first.
std::vector<OwnedDir> runAsDirs(const scenarios::Scenario& resolved, const std::string& run_dir);

// Creates each directory (and the folders between it and the run folder) and gives those it
// made, and the directory itself, to its owner. Io naming the path on failure.
Result<void> createRunAsDirs(const std::vector<OwnedDir>& dirs, const std::string& run_dir);

}  // namespace outrider::harness
