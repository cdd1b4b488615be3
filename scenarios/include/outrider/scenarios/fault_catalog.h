#pragma once

// Fault kinds the loader does not know by name: each declares its keys with their types, and the
// loader decodes them into Fault::params with the same located errors as the built-in kinds'.
// The faults module's registry implements this (faults/registry.h), so a kind added there is
// accepted by `validate`, `plan` and `run` alike, and a test can add one of its own.

#include <string>
#include <string_view>
#include <vector>

#include "outrider/scenarios/scenario.h"

namespace outrider::scenarios {

struct FaultKeySchema {
  std::string name;
  FaultParam::Type type = FaultParam::Type::String;
  bool required = false;
};

struct FaultKindSchema {
  std::string name;           // the `kind` value
  bool acts_on_link = false;  // else on a process
  bool has_span = true;       // takes `duration`; false: an instant (like kill)
  std::vector<FaultKeySchema> keys;  // besides name, kind, target, at and duration
};

class FaultCatalog {
 public:
  virtual ~FaultCatalog() = default;
  // A kind beyond the built-in ones (FaultKind::Extension), or null.
  virtual const FaultKindSchema* findExtension(std::string_view kind) const = 0;
  virtual std::vector<std::string> extensionNames() const = 0;
};

}  // namespace outrider::scenarios
