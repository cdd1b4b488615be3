#include "outrider/faults/registry.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

#include "kinds/kinds.h"

namespace outrider::faults {

std::vector<std::string> FaultKindEntry::keys() const {
  if (builtin) {
    return scenarios::faultParameterKeys(*builtin);
  }
  std::vector<std::string> out;
  if (schema.has_span) {
    out.push_back("duration");
  }
  for (const auto& key : schema.keys) {
    out.push_back(key.name);
  }
  return out;
}

void FaultRegistry::add(FaultKindEntry entry) {
  if (find(entry.name) != nullptr) {
    throw std::logic_error("fault kind '" + entry.name + "' is registered twice");
  }
  if (!entry.builtin) {
    entry.schema.name = entry.name;
    entry.schema.acts_on_link = entry.acts_on_link;
  }
  entries_.push_back(std::move(entry));
}

void FaultRegistry::remove(const std::string& name) {
  std::erase_if(entries_, [&name](const FaultKindEntry& entry) { return entry.name == name; });
}

const FaultKindEntry* FaultRegistry::find(std::string_view name) const {
  for (const auto& entry : entries_) {
    if (entry.name == name) {
      return &entry;
    }
  }
  return nullptr;
}

std::vector<const FaultKindEntry*> FaultRegistry::entries() const {
  std::vector<const FaultKindEntry*> out;
  for (const auto& entry : entries_) {
    out.push_back(&entry);
  }
  return out;
}

const scenarios::FaultKindSchema* FaultRegistry::findExtension(std::string_view kind) const {
  const FaultKindEntry* entry = find(kind);
  return entry != nullptr && !entry->builtin ? &entry->schema : nullptr;
}

std::vector<std::string> FaultRegistry::extensionNames() const {
  std::vector<std::string> names;
  for (const auto& entry : entries_) {
    if (!entry.builtin) {
      names.push_back(entry.name);
    }
  }
  return names;
}

FaultRegistry& registry() {
  static FaultRegistry instance = [] {
    FaultRegistry built_in;
    kinds::registerLatency(built_in);
    kinds::registerBandwidth(built_in);
    kinds::registerReset(built_in);
    kinds::registerBlackhole(built_in);
    kinds::registerRefuse(built_in);
    kinds::registerSlowClose(built_in);
    kinds::registerSlicer(built_in);
    kinds::registerLimitData(built_in);
    kinds::registerHttpAbort(built_in);
    kinds::registerMisroute(built_in);
    kinds::registerKill(built_in);
    kinds::registerPause(built_in);
    kinds::registerCrashloop(built_in);
    kinds::registerOom(built_in);
    kinds::registerCpuStarve(built_in);
    kinds::registerCertExpiry(built_in);
    kinds::registerCertWrongCa(built_in);
    kinds::registerClockSkew(built_in);
    kinds::registerControlPlaneOutage(built_in);
    kinds::registerPodRestart(built_in);
    kinds::registerStartupRace(built_in);
    return built_in;
  }();
  return instance;
}

std::string renderFaultKinds(const FaultRegistry& registry) {
  std::string out = "fault kinds (keys besides name, kind, target and at):\n";
  for (const FaultKindEntry* entry : registry.entries()) {
    std::string keys;
    for (const auto& key : entry->keys()) {
      keys += (keys.empty() ? "" : ", ") + key;
    }
    out += fmt::format("  {:<22} {:<8} {}\n", entry->name,
                       entry->acts_on_link ? (entry->make ? "either" : "link") : "process",
                       keys.empty() ? "-" : keys);
    out += fmt::format("  {:<22} {:<8} {}{}\n", "", "", entry->summary,
                       entry->carriedOut() ? ""
                                           : "  [not carried out by this version: a run with "
                                             "it is invalid]");
  }
  return out;
}

bool carriedOut(const PlannedFault& fault, const FaultRegistry& registry) {
  const FaultKindEntry* entry = registry.find(fault.spec.kindName());
  return entry != nullptr && entry->carriedOut();
}

}  // namespace outrider::faults
