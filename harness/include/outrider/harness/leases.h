#pragma once

// What a run holds on the host, written down before it acts: a harness that was SIGKILLed
// cannot revert anything, so it leaves behind enough for `outrider cleanup` (or the next
// `outrider run`) to do it. Each lease is one small JSON file in
// <runtime>/<harness pid>/, next to harness.json (who holds them: the pid and its start time, so
// a reused pid is not mistaken for a live run). Released leases are deleted; a run that ended
// normally leaves no folder.
//
// Two kinds cover everything a run changes on the host:
//  - a process group (each pod process leads one; a pause stops it, its children live in it):
//    cleanup sends SIGCONT then SIGKILL to the processes still in it;
//  - a cgroup folder (the run's group folder in a hierarchy): cleanup SIGKILLs every process in
//    it and below (the pod processes and outrider-hog allocators and workers) and removes it.

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "outrider/common/result.h"

namespace outrider::harness {

// <runtime> is $OUTRIDER_RUNTIME_DIR, else /run/outrider for root, else
// $XDG_RUNTIME_DIR/outrider, else /tmp/outrider-<uid>.
std::string runtimeDir();

// A process's start time in clock ticks since boot (/proc/PID/stat field 22), which tells a
// process from a later one with the same pid; nullopt when it does not exist.
std::optional<uint64_t> processStartTicks(pid_t pid);

struct Lease {
  enum class Kind { ProcessGroup, Cgroup };
  Kind kind = Kind::ProcessGroup;
  std::string name;          // the process ("proxy"), or the cgroup folder
  pid_t pgid = 0;            // ProcessGroup: its leader's pid
  uint64_t start_ticks = 0;  // ProcessGroup: the leader's start time
  std::string path;          // Cgroup: the folder
};

class LeaseBook {
 public:
  // Creates <runtime>/<pid>/ and its harness.json for this process.
  static Result<std::unique_ptr<LeaseBook>> open(const std::string& runtime, std::string run_dir);
  // Deletes the folder if no lease is left in it (a lease still held stays for cleanup).
  ~LeaseBook();
  LeaseBook(const LeaseBook&) = delete;
  LeaseBook& operator=(const LeaseBook&) = delete;

  // Written (and fsynced) before the caller acts; the id releases it.
  Result<std::string> holdProcessGroup(const std::string& name, pid_t pgid);
  Result<std::string> holdCgroup(const std::string& path);
  void release(const std::string& id);

  const std::string& folder() const { return folder_; }

 private:
  explicit LeaseBook(std::string folder) : folder_(std::move(folder)) {}
  Result<std::string> write(const std::string& id, const std::string& json);

  std::string folder_;
};

// The leases of one run folder under <runtime>; an error names a file that is not a lease.
struct RunLeases {
  std::string folder;
  pid_t harness_pid = 0;
  uint64_t harness_start_ticks = 0;
  std::string run_dir;
  std::vector<Lease> leases;
  std::vector<std::string> unreadable;  // files that are not leases (reported, then removed)
};
std::vector<RunLeases> readLeases(const std::string& runtime);
// The harness that wrote them still runs (same pid, same start time).
bool heldByALiveHarness(const RunLeases& run);

}  // namespace outrider::harness
