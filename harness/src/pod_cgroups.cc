#include "outrider/harness/pod_cgroups.h"

#include <signal.h>

namespace outrider::harness {

bool needsCgroups(const scenarios::Scenario& scenario) {
  for (const auto* process : scenario.processes()) {
    if (process->memory_limit_bytes || process->cpu_limit_cores) {
      return true;
    }
  }
  for (const auto& fault : scenario.faults) {
    if (fault.kind == scenarios::FaultKind::Oom || fault.kind == scenarios::FaultKind::CpuStarve) {
      return true;
    }
  }
  return false;
}

CgroupDecision decideCgroups(const scenarios::Scenario& scenario,
                             const Result<faults::host::CgroupHost>& host) {
  if (host) {
    return {true, std::nullopt};
  }
  if (needsCgroups(scenario)) {
    return {false,
            "memory_limit, cpu_limit, oom and cpu-starve need cgroups: " + host.error().message};
  }
  return {false, std::nullopt};
}

PodCgroups::PodCgroups(faults::host::CgroupFiles& files, faults::host::CgroupHost host,
                       std::string group)
    : files_(files), host_(std::move(host)), group_(std::move(group)) {}

Result<std::unique_ptr<PodCgroups>> PodCgroups::create(
    faults::host::CgroupFiles& files, const faults::host::CgroupHost& host, std::string group,
    const std::vector<const scenarios::ProcessSpec*>& processes) {
  std::unique_ptr<PodCgroups> pod(new PodCgroups(files, host, std::move(group)));
  for (const auto* process : processes) {
    auto cgroup = faults::host::Cgroup::create(files, host, pod->group_, process->name);
    if (!cgroup) {
      return tl::unexpected(cgroup.error());
    }
    if (process->memory_limit_bytes) {
      if (auto set = (*cgroup)->setMemoryLimit(process->memory_limit_bytes); !set) {
        return tl::unexpected(set.error());
      }
    }
    if (process->cpu_limit_cores) {
      if (auto set = (*cgroup)->setCpuLimit(process->cpu_limit_cores); !set) {
        return tl::unexpected(set.error());
      }
    }
    pod->cgroups_.emplace(process->name, std::move(*cgroup));
  }
  return pod;
}

PodCgroups::~PodCgroups() {
  if (!removed_) {
    (void)remove();
  }
}

std::map<std::string, std::vector<std::string>> PodCgroups::procsFiles() const {
  std::map<std::string, std::vector<std::string>> files;
  for (const auto& [name, cgroup] : cgroups_) {
    files[name] = cgroup->procsFiles();
  }
  return files;
}

faults::host::Cgroup* PodCgroups::find(const std::string& process) const {
  auto it = cgroups_.find(process);
  return it == cgroups_.end() ? nullptr : it->second.get();
}

std::map<std::string, PodCgroups::Summary> PodCgroups::summaries() const {
  std::map<std::string, Summary> out;
  for (const auto& [name, cgroup] : cgroups_) {
    Summary summary{cgroup->path(), std::nullopt};
    if (auto stats = cgroup->stats()) {
      summary.oom_kills = stats->oom_kills;
    }
    out.emplace(name, std::move(summary));
  }
  return out;
}

Result<void> PodCgroups::remove() {
  removed_ = true;
  std::string left;
  for (auto& [name, cgroup] : cgroups_) {
    for (pid_t pid : cgroup->processes()) {
      ::kill(pid, SIGKILL);
    }
    if (auto removed = cgroup->remove(); !removed) {
      left += (left.empty() ? "" : "; ") + removed.error().message;
    }
  }
  if (left.empty()) {
    if (auto removed = faults::host::Cgroup::removeGroup(files_, host_, group_); !removed) {
      left = removed.error().message;
    }
  }
  if (!left.empty()) {
    return makeError(ErrorCode::Io, left);
  }
  return {};
}

}  // namespace outrider::harness
