#pragma once

// Decodes a parsed TOML document into a Scenario section by section. The sections are decoded in
// dependency order (faults need processes and links, SLOs need processes), whatever their order
// in the file; diagnostics are sorted by position at the end.

#include <toml++/toml.h>

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "decoder.h"
#include "outrider/scenarios/fault_catalog.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::scenarios::detail {

class ScenarioDecoder {
 public:
  ScenarioDecoder(Decoder& decoder, const toml::table& root, Scenario& scenario,
                  const FaultCatalog* catalog);

  void decode();

 private:
  // How a URL-valued key is used, which decides the schemes it may have.
  enum class UrlUse { Probe, Metrics, LoadTarget };

  // One declared name, for the duplicate checks.
  struct NameUse {
    std::string name;
    std::string owner;  // "sidecar[0]", "the app"
    std::string key_path;
    SourceLocation where;
  };

  void decodeHeader();
  void decodeProcesses();
  // With a base (a [[variant]]), the keys present replace the base's and none is required;
  // extra_keys are the table's own keys besides a process's.
  ProcessSpec decodeProcess(const toml::table& table, const std::string& path, ProcessRole role,
                            const ProcessSpec* base = nullptr,
                            const std::vector<std::string>& extra_keys = {});
  // user and group: resolved to ids, into process.run_as.
  void decodeRunAs(TableReader& reader, ProcessSpec& process);
  void decodeVariants();
  void decodeCanary();
  void decodeLinks();
  void decodeLoad();
  // [load.tls]; `target` is load.target as written (empty when missing).
  LoadTls decodeLoadTls(const toml::table& table, const std::string& target);
  LoadExpect decodeLoadExpect(const toml::table& table, const std::string& method);
  void decodeFaults();
  // Returns whether the fault was given an explicit name.
  bool decodeFault(const toml::table& table, const std::string& path);
  void decodeFaultParameters(TableReader& reader, Fault& fault);
  // An extension kind's keys, by its schema, into Fault::params.
  void decodeExtensionParameters(TableReader& reader, Fault& fault,
                                 const FaultKindSchema& schema);
  void checkFaultTarget(TableReader& reader, Fault& fault);
  void checkControlPlaneTarget(TableReader& reader, Fault& fault, const Link* link,
                               const ProcessSpec* process);
  void checkIssuanceTarget(TableReader& reader, Fault& fault, const ProcessSpec* process);
  void nameFaults(const std::vector<bool>& named);
  // Two windows of one stateful process kind on one target (a stop, a cgroup limit) would have
  // the first one's end undo the second: refused.
  void checkFaultOverlaps();
  void decodeSlos();
  void decodeSlo(const toml::table& table, const std::string& path);
  // A ratio SLI's good, bad or total: a metric selector (outrider/metrics/selector.h).
  void decodeUptime(TableReader& reader, Slo& slo);
  void decodeBadStatus(TableReader& reader, Slo& slo);
  std::optional<std::vector<StatusMatch>> decodeStatusList(TableReader& reader,
                                                           std::string_view key);
  void checkSelector(TableReader& reader, std::string_view key, const std::string& text);
  void decodeAlerting();
  void decodeGate();

  // [key] at the root, or null (reporting a wrong type or a missing required table).
  const toml::table* section(std::string_view key, Need need);
  // [[key]] at the root: each table with its path "key[i]".
  std::vector<std::pair<const toml::table*, std::string>> sectionArray(TableReader& reader,
                                                                       std::string_view key);

  // A name key of a sidecar, service, link, fault or SLO: letters, digits, '-' and '_', so it
  // can name a log file or a metric label.
  std::optional<std::string> readName(TableReader& reader, Need need);
  void checkUrl(TableReader& reader, std::string_view key, const std::string& value, UrlUse use);
  void checkHostPort(TableReader& reader, std::string_view key, const std::string& value);
  // Reports each use of a name after its first, in file order, naming the first's owner.
  void checkDuplicates(std::vector<NameUse> uses);

  // The pod's links and processes by name, indexed once they are decoded, so that each fault and
  // SLO finds its target in O(log n) (Scenario::findLink() and findProcess() scan the pod).
  // With duplicate names the first wins, as in Scenario's lookups.
  void indexPod();
  const Link* findLink(const std::string& name) const;
  const ProcessSpec* findProcess(const std::string& name) const;
  // The names a "did you mean" for a missing target is drawn from: the first group, and all of
  // them when the first has no close name.
  enum class Suggest { LinksFirst, ProcessesFirst, ProcessesOnly };
  // The link or process name closest to word. A new word costs a scan of every name, so only the
  // first MaxPodSuggestions distinct words get one (each is remembered): more than anyone fixes
  // by hand, and the checks stay linear in the file however many targets are wrong.
  std::optional<std::string> suggestPodName(const std::string& word, Suggest from);
  static constexpr size_t MaxPodSuggestions = 64;

  Decoder& decoder_;
  TableReader root_;
  Scenario& scenario_;
  const FaultCatalog* catalog_;
  bool duration_known_ = false;
  std::vector<NameUse> process_and_link_names_;
  std::vector<NameUse> fault_names_;
  std::vector<NameUse> slo_names_;
  std::vector<NameUse> variant_names_;
  std::map<std::string, const Link*, std::less<>> links_by_name_;
  std::map<std::string, const ProcessSpec*, std::less<>> processes_by_name_;
  std::vector<std::string> link_names_;
  std::vector<std::string> process_names_;  // in Scenario::processes() order
  std::map<std::pair<std::string, Suggest>, std::optional<std::string>> suggestions_;
  std::vector<std::pair<std::string, FaultKind>> extension_kinds_;  // built-in + catalogue
};

}  // namespace outrider::scenarios::detail
