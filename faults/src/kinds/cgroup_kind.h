#pragma once

// What the resource kinds (oom, cpu-starve) share: a limit on the target's own cgroup, set at
// begin and put back at end, with the cgroup's counters as they were before it and as they were
// when it ended. A kind says how it limits (apply), how it puts the limit back (revert) and what
// its evidence is; a kind with a hog (outrider-hog in the same cgroup) starts it in apply and
// ends it in revert.

#include <optional>
#include <string>

#include "outrider/faults/host/cgroups.h"
#include "outrider/faults/process_fault.h"

namespace outrider::faults::kinds {

class CgroupLimitFault : public ProcessFault {
 public:
  CgroupLimitFault(const PlannedFault& fault, FaultContext& context)
      : fault_(fault), context_(context) {}

  void begin() final {
    cgroup_ = context_.pod.cgroup(fault_.target);
    if (cgroup_ == nullptr) {
      error_ = fault_.target + " has no cgroup of its own (this host has no writable cgroups)";
      return;
    }
    auto before = cgroup_->stats();
    if (!before) {
      error_ = before.error().message;
      return;
    }
    before_ = *before;
    if (auto applied = apply(*cgroup_); !applied) {
      error_ = applied.error().message;
      return;
    }
    holding_ = true;
  }

  void end() final {
    if (!holding_) {
      return;
    }
    holding_ = false;
    after_ = current();
    if (auto reverted = revert(*cgroup_); !reverted) {
      fail("the limit could not be put back: " + reverted.error().message);
    }
  }

 protected:
  virtual Result<void> apply(host::Cgroup& cgroup) = 0;
  virtual Result<void> revert(host::Cgroup& cgroup) = 0;

  const PlannedFault& fault() const { return fault_; }
  PodControl& pod() { return context_.pod; }
  // Keeps the first reason the fault could not do its part; evidence() shows it.
  void fail(std::string reason) {
    if (error_.empty()) {
      error_ = std::move(reason);
    }
  }
  bool holding() const { return holding_; }
  // Why the fault could not act or revert; empty when it did both.
  const std::string& error() const { return error_; }
  // Ends a hog (outrider-hog) this fault started. One that had ended on its own means the
  // pressure was not there: the fault fails with `what` and how it ended.
  void endHog(std::optional<pid_t>& hog, const std::string& what) {
    if (!hog) {
      return;
    }
    const std::string ended = pod().stopHog(*hog);
    hog.reset();
    if (!ended.empty()) {
      fail(what + " ended on its own (" + ended + "): see its log");
    }
  }
  const host::CgroupStats& before() const { return before_; }
  // The counters at the end of the window, or now while it lasts.
  host::CgroupStats after() const { return after_ ? *after_ : current(); }

 private:
  host::CgroupStats current() const {
    auto stats = cgroup_ ? cgroup_->stats() : Result<host::CgroupStats>(before_);
    return stats ? *stats : before_;
  }

  const PlannedFault& fault_;
  FaultContext& context_;
  host::Cgroup* cgroup_ = nullptr;
  host::CgroupStats before_;
  std::optional<host::CgroupStats> after_;
  bool holding_ = false;
  std::string error_;
};

}  // namespace outrider::faults::kinds
