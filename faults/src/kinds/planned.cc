// Kinds the scenario format has and this version does not carry out yet: registered so that
// `outrider faults` lists them and a run with one is invalid with that reason, never a silent
// pass. Each moves to its own file when it gets its behaviour.

#include "kinds.h"

namespace outrider::faults::kinds {

void registerPlannedKinds(FaultRegistry& registry) {
  using scenarios::FaultKind;
  const std::pair<FaultKind, const char*> Kinds[] = {
      {FaultKind::CertExpiry, "issue certificates with `ttl` and stop renewing them"},
      {FaultKind::CertWrongCa, "issue certificates from a CA the peers do not trust"},
      {FaultKind::ClockSkew, "shift the target's clock by `skew`"},
  };
  for (const auto& [kind, summary] : Kinds) {
    FaultKindEntry entry;
    entry.name = scenarios::toString(kind);
    entry.builtin = kind;
    entry.summary = summary;
    registry.add(std::move(entry));
  }
}

}  // namespace outrider::faults::kinds
