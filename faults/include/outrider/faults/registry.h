#pragma once

// Every fault kind joins one registry with its keys, its `outrider faults` text, its plan line
// and its behaviour (a process fault, or a link filter): faults/src/kinds/<kind>.cc, one file
// each, registered in registry.cc. The loader reads kinds beyond the built-in enum from it
// (scenarios::FaultCatalog), so a kind added here is accepted by validate, plan and run alike.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outrider/faults/link_filter.h"
#include "outrider/faults/plan.h"
#include "outrider/faults/process_fault.h"
#include "outrider/scenarios/fault_catalog.h"

namespace outrider::faults {

struct FaultKindEntry {
  std::string name;  // the `kind` value
  // Built-in kinds are decoded by the loader into typed fields; others by `schema`.
  std::optional<scenarios::FaultKind> builtin;
  scenarios::FaultKindSchema schema;  // extension kinds (name, link or process, span, keys)
  bool acts_on_link = false;
  std::string summary;  // one line for `outrider faults`
  // The plan's line ("kill SIGTERM on proxy"); empty: "<kind> on <target>".
  std::function<std::string(const PlannedFault&)> describe;
  // Process kinds: the behaviour for one planned fault. Empty: not carried out by this version
  // (a run with it is invalid, never a silent pass).
  std::function<ProcessFaultPtr(const PlannedFault&, FaultContext&)> make;
  // Link kinds: the filter each connection of the link runs while the fault is active
  // (link_filter.h). Empty for a kind that acts on the listener alone.
  LinkFilterFactory make_link_filter;
  // The link stops listening while the fault is active (refuse), or for the planned faults this
  // says so of (control-plane-outage mode down).
  bool closes_listener = false;
  std::function<bool(const PlannedFault&)> closes_listener_for;
  // The link connects a new connection to the fault's `to` instead of its own destination while
  // the fault is active, for the connections its draw picks (misroute on a tcp link, which
  // makes no filter; on an http link its filter picks requests and asks to divert them).
  bool redirects_connections = false;
  // The kind needs a link that frames HTTP (protocol = "http").
  bool needs_http = false;
  // The evidence line for a link fault's counters; `http_link`: units are requests, not chunks.
  std::function<std::string(const PlannedFault&, bool http_link, const FaultEvidence&)>
      link_evidence;

  bool carriedOut() const {
    return static_cast<bool>(make_link_filter) || closes_listener || redirects_connections ||
           static_cast<bool>(make);
  }
  bool closesListener(const PlannedFault& fault) const {
    return closes_listener || (closes_listener_for && closes_listener_for(fault));
  }
  // The keys besides name, kind, target and at, in the spec's order.
  std::vector<std::string> keys() const;
};

class FaultRegistry final : public scenarios::FaultCatalog {
 public:
  // Adds a kind; a name taken already is a programming error (throws std::logic_error).
  void add(FaultKindEntry entry);
  // Takes a kind out again (a test's own kind).
  void remove(const std::string& name);
  const FaultKindEntry* find(std::string_view name) const;
  // In registration order: the spec's order for the built-in kinds.
  std::vector<const FaultKindEntry*> entries() const;

  const scenarios::FaultKindSchema* findExtension(std::string_view kind) const override;
  std::vector<std::string> extensionNames() const override;

 private:
  std::vector<FaultKindEntry> entries_;
};

// The process-wide registry with every built-in kind registered.
FaultRegistry& registry();

// `outrider faults`: every kind with where it acts, its keys and its summary.
std::string renderFaultKinds(const FaultRegistry& registry);

// Whether a planned fault can be carried out (its kind registered with behaviour).
bool carriedOut(const PlannedFault& fault, const FaultRegistry& registry = faults::registry());

}  // namespace outrider::faults
