#pragma once

// Decodes a parsed TOML document into a Scenario section by section. The sections are decoded in
// dependency order (faults need processes and links, SLOs need processes), whatever their order
// in the file; diagnostics are sorted by position at the end.

#include <toml++/toml.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "decoder.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::scenarios::detail {

class ScenarioDecoder {
 public:
  ScenarioDecoder(Decoder& decoder, const toml::table& root, Scenario& scenario);

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
  ProcessSpec decodeProcess(const toml::table& table, const std::string& path, ProcessRole role);
  void decodeLinks();
  void decodeLoad();
  void decodeFaults();
  // Returns whether the fault was given an explicit name.
  bool decodeFault(const toml::table& table, const std::string& path);
  void decodeFaultParameters(TableReader& reader, Fault& fault);
  void checkFaultTarget(TableReader& reader, const Fault& fault);
  void nameFaults(const std::vector<bool>& named);
  void decodeSlos();
  void decodeSlo(const toml::table& table, const std::string& path);
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
  // Reports the later of each pair of uses of one name, in file order.
  void checkDuplicates(std::vector<NameUse> uses);

  Decoder& decoder_;
  TableReader root_;
  Scenario& scenario_;
  bool duration_known_ = false;
  std::vector<NameUse> process_and_link_names_;
  std::vector<NameUse> fault_names_;
  std::vector<NameUse> slo_names_;
};

}  // namespace outrider::scenarios::detail
