// [[fault]] tables: the common keys, each kind's parameters, and the checks against the pod.

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <map>
#include <set>

#include "outrider/common/host_port.h"
#include "outrider/common/units.h"
#include "placeholder_syntax.h"
#include "scenario_decoder.h"

namespace outrider::scenarios::detail {
namespace {

struct SignalName {
  std::string_view name;
  int number;
};

constexpr SignalName Signals[] = {
    {"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT}, {"SIGBUS", SIGBUS},   {"SIGFPE", SIGFPE},
    {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1}, {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2},
    {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM}, {"SIGTERM", SIGTERM}, {"SIGCONT", SIGCONT},
    {"SIGSTOP", SIGSTOP}, {"SIGTSTP", SIGTSTP}, {"SIGXCPU", SIGXCPU}, {"SIGSYS", SIGSYS},
};

// "SIGKILL", "KILL" and "sigkill" all name SIGKILL.
const SignalName* findSignal(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (upper.compare(0, 3, "SIG") != 0) {
    upper = "SIG" + upper;
  }
  for (const auto& signal : Signals) {
    if (signal.name == upper) {
      return &signal;
    }
  }
  return nullptr;
}

const SignalName* findSignal(int64_t number) {
  for (const auto& signal : Signals) {
    if (signal.number == number) {
      return &signal;
    }
  }
  return nullptr;
}

std::string describeRole(ProcessRole role) {
  switch (role) {
    case ProcessRole::App:
      return "the app";
    case ProcessRole::Sidecar:
      return "a sidecar";
    case ProcessRole::Service:
      return "a service";
  }
  return "a process";
}

// kill's signal: a name ("SIGTERM", "TERM") or a number; absent means SIGKILL.
void decodeSignal(TableReader& reader, Fault& fault) {
  const toml::node* signal = reader.node("signal");
  if (!signal) {
    return;
  }
  const SignalName* found = nullptr;
  std::string shown;
  if (signal->is_string()) {
    found = findSignal(signal->as_string()->get());
    shown = quote(signal->as_string()->get());
  } else if (signal->is_integer()) {
    found = findSignal(signal->as_integer()->get());
    shown = std::to_string(signal->as_integer()->get());
  } else {
    reader.error("signal", "expected a signal like \"SIGKILL\" or 9, got " + describe(*signal));
    return;
  }
  if (!found) {
    reader.error("signal", "unknown signal " + shown +
                               " (expected a name like \"SIGTERM\" or \"KILL\", or a number)");
    return;
  }
  fault.signal = found->number;
  fault.signal_name = std::string(found->name);
}

bool contains(const std::vector<std::string>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

}  // namespace

void ScenarioDecoder::decodeFaults() {
  std::vector<bool> named;
  for (const auto& [table, path] : sectionArray(root_, "fault")) {
    named.push_back(decodeFault(*table, path));
  }
  checkDuplicates(fault_names_);
  nameFaults(named);
  checkFaultOverlaps();
}

void ScenarioDecoder::checkFaultOverlaps() {
  // Kinds whose end puts back a state their start changed; two windows on one target would undo
  // each other (outrider-control has one outage switch; a link composes its faults).
  auto stateful = [](const Fault& fault) {
    const FaultKind kind = fault.kind;
    return kind == FaultKind::Pause || kind == FaultKind::Crashloop || kind == FaultKind::Oom ||
           kind == FaultKind::CpuStarve || kind == FaultKind::ClockSkew ||
           kind == FaultKind::CertExpiry || kind == FaultKind::CertWrongCa ||
           (kind == FaultKind::ControlPlaneOutage && !fault.through_link);
  };
  auto end = [this](const Fault& fault) {
    return fault.duration ? fault.at + *fault.duration : scenario_.duration;
  };
  // cert-expiry and cert-wrong-ca share outrider-control's one issuance switch.
  auto switchOf = [](const Fault& fault) {
    return fault.kind == FaultKind::CertWrongCa ? FaultKind::CertExpiry : fault.kind;
  };
  const auto& faults = scenario_.faults;
  for (size_t j = 0; j < faults.size(); ++j) {
    for (size_t i = 0; i < j; ++i) {
      const Fault& a = faults[i];
      const Fault& b = faults[j];
      if (switchOf(a) != switchOf(b) || !stateful(a) || a.target != b.target || a.target.empty() ||
          b.at >= end(a) || a.at >= end(b)) {
        continue;
      }
      decoder_.error(b.where, "fault[" + std::to_string(j) + "].at",
                     fmt::format("overlaps fault[{}] ('{}', {} .. {}): one {} at a time on '{}', "
                                 "or the first one's end would undo the second",
                                 i, a.name, formatDuration(a.at), formatDuration(end(a)),
                                 a.kind == b.kind ? toString(a.kind)
                                                  : std::string("cert-expiry or cert-wrong-ca"),
                                 a.target));
      break;
    }
  }
}

bool ScenarioDecoder::decodeFault(const toml::table& table, const std::string& path) {
  TableReader reader(decoder_, table, path);
  Fault fault;
  fault.where = reader.headerLocation();
  bool named = false;
  if (auto name = readName(reader, Need::Optional)) {
    fault.name = *name;
    named = true;
    fault_names_.push_back(NameUse{*name, path, reader.pathOf("name"), reader.locationOf("name")});
  }
  static const std::vector<std::pair<std::string, FaultKind>> BuiltIn = [] {
    std::vector<std::pair<std::string, FaultKind>> kinds;
    for (FaultKind kind : allFaultKinds()) {
      kinds.emplace_back(toString(kind), kind);
    }
    return kinds;
  }();
  if (catalog_ && extension_kinds_.empty()) {
    extension_kinds_ = BuiltIn;
    for (const auto& name : catalog_->extensionNames()) {
      extension_kinds_.emplace_back(name, FaultKind::Extension);
    }
  }
  auto kind = reader.choice<FaultKind>("kind", catalog_ ? extension_kinds_ : BuiltIn,
                                       Need::Required);
  const FaultKindSchema* schema = nullptr;
  if (kind == FaultKind::Extension) {
    // choice() has checked that the string is one of the catalogue's names.
    schema = catalog_->findExtension(table["kind"].value_or(std::string()));
    fault.extension_kind = schema->name;
    fault.extension_on_link = schema->acts_on_link;
    fault.extension_has_span = schema->has_span;
  }
  // A rollout replaces the whole pod: naming one of its processes is optional.
  const Need target_need = kind == FaultKind::PodRestart ? Need::Optional : Need::Required;
  if (auto target = reader.string("target", target_need)) {
    fault.target = *target;
  }
  if (auto at = reader.duration("at")) {
    if (duration_known_ && *at >= scenario_.duration) {
      reader.error("at", formatDuration(*at) + " is not before the end of the run (duration = " +
                             formatDuration(scenario_.duration) + ")");
    }
    fault.at = *at;
  }
  std::vector<std::string> valid = {"name", "kind", "target", "at"};
  if (!kind) {
    // Without a kind the parameters cannot be judged; only keys that no kind takes are reported.
    for (FaultKind other : allFaultKinds()) {
      for (const auto& key : faultParameterKeys(other)) {
        reader.consume(key);
        if (!contains(valid, key)) {
          valid.push_back(key);
        }
      }
    }
    reader.finish(valid);
    scenario_.faults.push_back(std::move(fault));
    return named;
  }
  fault.kind = *kind;
  std::vector<std::string> parameters = faultParameterKeys(*kind);
  if (schema) {
    if (schema->has_span) {
      parameters.push_back("duration");
    }
    for (const auto& key : schema->keys) {
      parameters.push_back(key.name);
    }
  }
  for (auto&& [key, value] : table) {
    const std::string key_text(key.str());
    if (contains(valid, key_text) || contains(parameters, key_text)) {
      continue;
    }
    for (FaultKind other : allFaultKinds()) {
      if (contains(faultParameterKeys(other), key_text)) {
        reader.error(key_text, "key '" + key_text + "' does not apply to fault kind '" +
                                   fault.kindName() + "'");
        reader.consume(key_text);
        break;
      }
    }
  }
  valid.insert(valid.end(), parameters.begin(), parameters.end());
  if (schema) {
    decodeExtensionParameters(reader, fault, *schema);
  } else {
    decodeFaultParameters(reader, fault);
  }
  if (!fault.target.empty()) {
    checkFaultTarget(reader, fault);
  }
  reader.finish(valid);
  scenario_.faults.push_back(std::move(fault));
  return named;
}

void ScenarioDecoder::decodeFaultParameters(TableReader& reader, Fault& fault) {
  const std::vector<std::string> parameters = faultParameterKeys(fault.kind);
  const std::string kind_name = toString(fault.kind);
  auto positive = [&reader](std::string_view key, std::chrono::nanoseconds value) {
    if (value.count() <= 0) {
      reader.error(key, "must be greater than 0s");
    }
  };
  // `delay` belongs to one mode of a kind: required with it, an error with any other mode, and
  // left alone (already reported) when the mode itself was invalid.
  auto modeDelay = [&](bool mode_known, bool delay_mode, const std::string& mode_name,
                       const std::string& only) {
    if (delay_mode) {
      if (auto delay = reader.duration("delay", Need::Required)) {
        positive("delay", *delay);
        fault.delay = *delay;
      }
    } else if (mode_known && reader.has("delay")) {
      reader.consume("delay");
      reader.error("delay", "key 'delay' does not apply to mode \"" + mode_name +
                                "\" (only to mode \"" + only + "\")");
    } else {
      reader.consume("delay");
    }
  };
  // A key of one mode only (oom's `rate`, cpu-starve's `workers`): true when the mode takes it
  // (the caller reads it), an error when another mode was chosen.
  auto modeKey = [&](std::string_view key, bool in_mode, const std::string& mode_name,
                     const std::string& only) {
    if (in_mode) {
      return true;
    }
    if (reader.has(key)) {
      reader.consume(key);
      reader.error(key, "key '" + std::string(key) + "' does not apply to mode \"" + mode_name +
                            "\" (only to mode \"" + only + "\")");
    }
    return false;
  };
  if (contains(parameters, "duration")) {
    if (auto duration = reader.duration("duration")) {
      positive("duration", *duration);
      fault.duration = *duration;
    }
  }
  if (contains(parameters, "direction")) {
    if (auto direction =
            reader.choice<Direction>("direction", {{"downstream", Direction::Downstream},
                                                   {"upstream", Direction::Upstream},
                                                   {"both", Direction::Both}})) {
      fault.direction = *direction;
    }
  }
  if (contains(parameters, "probability")) {
    if (auto probability = reader.number("probability")) {
      if (*probability < 0 || *probability > 1) {
        reader.error("probability",
                     fmt::format("must be between 0 and 1 (inclusive), got {}", *probability));
      }
      fault.probability = *probability;
    }
  }
  switch (fault.kind) {
    case FaultKind::Latency:
      if (auto latency = reader.duration("latency", Need::Required)) {
        fault.latency = *latency;
      }
      if (auto jitter = reader.duration("jitter")) {
        fault.jitter = *jitter;
      }
      break;
    case FaultKind::Bandwidth:
      if (auto rate = reader.byteRate("rate", Need::Required)) {
        if (*rate == 0) {
          reader.error("rate", "must be greater than 0B/s (use kind = \"blackhole\" to stop data)");
        }
        fault.rate_bytes_per_s = *rate;
      }
      break;
    case FaultKind::Reset:
      if (auto after = reader.duration("after")) {
        fault.after = *after;
      }
      break;
    case FaultKind::SlowClose:
      if (auto delay = reader.duration("delay", Need::Required)) {
        positive("delay", *delay);
        fault.delay = *delay;
      }
      break;
    case FaultKind::Slicer:
      if (auto average = reader.size("average_size", Need::Required)) {
        if (*average == 0) {
          reader.error("average_size", "must be greater than 0 bytes");
        }
        fault.average_size = *average;
      }
      if (auto variation = reader.size("size_variation")) {
        // Slices are average ± variation bytes, so a larger variation would allow empty slices.
        if (fault.average_size > 0 && *variation >= fault.average_size) {
          reader.error("size_variation", "must be smaller than average_size");
        }
        fault.size_variation = *variation;
      }
      if (auto delay = reader.duration("delay")) {
        fault.delay = *delay;
      }
      break;
    case FaultKind::LimitData:
      if (auto bytes = reader.size("bytes", Need::Required)) {
        fault.bytes = *bytes;
      }
      break;
    case FaultKind::HttpAbort:
      if (auto status = reader.integer("status")) {
        if (*status < 200 || *status > 599) {
          reader.error("status",
                       "must be an HTTP status from 200 to 599, got " + std::to_string(*status));
        } else {
          fault.status = static_cast<int>(*status);
        }
      }
      break;
    case FaultKind::Misroute:
      if (auto to = reader.string("to", Need::Required)) {
        checkHostPort(reader, "to", *to);
        // The link connects there from its data plane, where it resolves nothing.
        if (decoder_.placeholdersResolvable(*to)) {
          auto endpoint = parseHostPort(substituteStandIns(*to, decoder_.env()));
          in6_addr address{};
          if (endpoint && ::inet_pton(AF_INET, endpoint->host.c_str(), &address) != 1 &&
              ::inet_pton(AF_INET6, endpoint->host.c_str(), &address) != 1) {
            reader.error("to", "misroute sends traffic to an IP address and port, not a name (" +
                                   quote(endpoint->host) + ")");
          }
        }
        fault.to = *to;
      }
      break;
    case FaultKind::Kill:
      decodeSignal(reader, fault);
      break;
    case FaultKind::Oom: {
      if (auto limit = reader.size("limit", Need::Required)) {
        if (*limit == 0) {
          reader.error("limit", "must be greater than 0 bytes");
        }
        fault.limit_bytes = *limit;
      }
      auto mode =
          reader.choice<OomMode>("mode", {{"cap", OomMode::Cap}, {"pressure", OomMode::Pressure}});
      if (mode) {
        fault.oom_mode = *mode;
      }
      if (modeKey("rate", fault.oom_mode == OomMode::Pressure, toString(fault.oom_mode),
                  "pressure")) {
        fault.rate_bytes_per_s = 64ull << 20;
        if (auto rate = reader.byteRate("rate")) {
          if (*rate == 0) {
            reader.error("rate", "must be greater than 0B/s");
          }
          fault.rate_bytes_per_s = *rate;
        }
      }
      break;
    }
    case FaultKind::CpuStarve: {
      if (auto share = reader.number("share", Need::Required)) {
        if (*share <= 0 || *share > 1) {
          reader.error("share",
                       fmt::format("must be a fraction of one core in (0, 1], got {}", *share));
        }
        fault.share = *share;
      }
      auto mode = reader.choice<CpuStarveMode>(
          "mode", {{"quota", CpuStarveMode::Quota}, {"hog", CpuStarveMode::Hog}});
      if (mode) {
        fault.cpu_starve_mode = *mode;
      }
      if (modeKey("workers", fault.cpu_starve_mode == CpuStarveMode::Hog,
                  toString(fault.cpu_starve_mode), "hog")) {
        if (auto workers = reader.integer("workers")) {
          if (*workers < 1 || *workers > 64) {
            reader.error("workers", "must be between 1 and 64, got " + std::to_string(*workers));
          } else {
            fault.workers = static_cast<uint32_t>(*workers);
          }
        }
      }
      break;
    }
    case FaultKind::CertExpiry:
      if (auto ttl = reader.duration("ttl", Need::Required)) {
        // X.509 times are whole seconds: a shorter lifetime could be issued with none left.
        if (*ttl < std::chrono::seconds(2)) {
          reader.error("ttl", "must be at least 2s (certificate times are whole seconds), got " +
                                  formatDuration(*ttl));
        }
        fault.ttl = *ttl;
      }
      break;
    case FaultKind::ClockSkew:
      if (auto skew = reader.signedDuration("skew", Need::Required)) {
        fault.skew = *skew;
      }
      break;
    case FaultKind::ControlPlaneOutage: {
      auto mode = reader.choice<ControlPlaneMode>("mode", {{"down", ControlPlaneMode::Down},
                                                           {"hang", ControlPlaneMode::Hang},
                                                           {"error", ControlPlaneMode::Error},
                                                           {"slow", ControlPlaneMode::Slow}});
      // An absent mode means the default, "down"; an invalid one was reported already.
      if (!mode && !reader.has("mode")) {
        mode = ControlPlaneMode::Down;
      }
      if (mode) {
        fault.control_plane_mode = *mode;
      }
      modeDelay(mode.has_value(), mode == ControlPlaneMode::Slow, mode ? toString(*mode) : "",
                "slow");
      break;
    }
    case FaultKind::StartupRace: {
      auto mode = reader.choice<StartupRaceMode>(
          "mode",
          {{"app-first", StartupRaceMode::AppFirst},
           {"sidecar-slow", StartupRaceMode::SidecarSlow},
           {"sidecar-crash-on-start", StartupRaceMode::SidecarCrashOnStart},
           {"sidecar-exits-first", StartupRaceMode::SidecarExitsFirst}},
          Need::Required);
      if (mode) {
        fault.startup_race_mode = *mode;
      }
      // sidecar-slow needs its delay; app-first and sidecar-exits-first may give one (default
      // 0s: the app starts, or the sidecar gets SIGTERM, right before the other).
      if (mode == StartupRaceMode::AppFirst || mode == StartupRaceMode::SidecarExitsFirst) {
        if (auto delay = reader.duration("delay")) {
          fault.delay = *delay;
        }
      } else if (mode == StartupRaceMode::SidecarSlow || !reader.has("delay")) {
        modeDelay(mode.has_value(), mode == StartupRaceMode::SidecarSlow,
                  mode ? toString(*mode) : "", "sidecar-slow");
      } else if (mode) {
        reader.consume("delay");
        reader.error("delay", "key 'delay' does not apply to mode \"" + toString(*mode) +
                                  "\" (only to modes \"app-first\", \"sidecar-slow\" and "
                                  "\"sidecar-exits-first\")");
      } else {
        reader.consume("delay");
      }
      if (mode == StartupRaceMode::SidecarCrashOnStart) {
        if (auto times = reader.integer("times")) {
          if (*times < 1 || *times > 1000) {
            reader.error("times", "must be between 1 and 1000, got " + std::to_string(*times));
          } else {
            fault.times = static_cast<uint32_t>(*times);
          }
        }
      } else if (mode && reader.has("times")) {
        reader.consume("times");
        reader.error("times", "key 'times' does not apply to mode \"" + toString(*mode) +
                                  "\" (only to mode \"sidecar-crash-on-start\")");
      } else {
        reader.consume("times");
      }
      break;
    }
    case FaultKind::Blackhole:
    case FaultKind::Refuse:
    case FaultKind::Pause:
    case FaultKind::Crashloop:
    case FaultKind::CertWrongCa:
    case FaultKind::PodRestart:
      break;
    case FaultKind::Extension:
      break;  // its keys are the catalog's (decodeExtensionParameters)
  }
}

void ScenarioDecoder::decodeExtensionParameters(TableReader& reader, Fault& fault,
                                                const FaultKindSchema& schema) {
  if (schema.has_span) {
    if (auto duration = reader.duration("duration")) {
      if (duration->count() <= 0) {
        reader.error("duration", "must be greater than 0s");
      }
      fault.duration = *duration;
    }
  }
  using Type = FaultParam::Type;
  for (const auto& key : schema.keys) {
    const Need need = key.required ? Need::Required : Need::Optional;
    FaultParam param;
    param.type = key.type;
    bool present = false;
    switch (key.type) {
      case Type::Duration:
        if (auto value = reader.duration(key.name, need)) {
          param.duration = *value;
          present = true;
        }
        break;
      case Type::Size:
        if (auto value = reader.size(key.name, need)) {
          param.size = *value;
          present = true;
        }
        break;
      case Type::Number:
        if (auto value = reader.number(key.name, need)) {
          param.number = *value;
          present = true;
        }
        break;
      case Type::Integer:
        if (auto value = reader.integer(key.name, need)) {
          param.integer = *value;
          present = true;
        }
        break;
      case Type::String:
        if (auto value = reader.string(key.name, need)) {
          param.text = *value;
          present = true;
        }
        break;
      case Type::Bool:
        if (const toml::node* node = reader.node(key.name, need)) {
          if (auto value = node->value<bool>()) {
            param.flag = *value;
            present = true;
          } else {
            reader.error(key.name, "expected true or false");
          }
        }
        break;
    }
    if (present) {
      fault.params.emplace(key.name, std::move(param));
    }
  }
}

void ScenarioDecoder::checkFaultTarget(TableReader& reader, Fault& fault) {
  const std::string& target = fault.target;
  const std::string kind = fault.kindName();
  const Link* link = findLink(target);
  const ProcessSpec* process = findProcess(target);
  if (fault.kind == FaultKind::ControlPlaneOutage && (link || process)) {
    checkControlPlaneTarget(reader, fault, link, process);
    return;
  }
  if ((fault.kind == FaultKind::CertExpiry || fault.kind == FaultKind::CertWrongCa) &&
      (link || process)) {
    checkIssuanceTarget(reader, fault, process);
    return;
  }
  if (!link && !process) {
    // Suggest a name of the right sort first: a latency fault meant a link.
    auto hint = suggestPodName(
        target, fault.actsOnLink() ? Suggest::LinksFirst : Suggest::ProcessesFirst);
    reader.error("target", "no link or process named '" + target + "'" +
                               (hint ? " (did you mean '" + *hint + "'?)" : std::string()));
    return;
  }
  if (fault.actsOnLink()) {
    if (!link) {
      reader.error("target", "fault kind '" + kind + "' acts on a link, but '" + target + "' is " +
                                 describeRole(process->role));
      return;
    }
    if (fault.kind == FaultKind::HttpAbort && link->protocol != LinkProtocol::Http) {
      reader.error("target", "fault kind 'http-abort' needs an http link, but link '" + target +
                                 "' has protocol = \"" + toString(link->protocol) + "\"");
    }
    return;
  }
  if (!process) {
    reader.error("target",
                 "fault kind '" + kind + "' acts on a process, but '" + target + "' is a link");
    return;
  }
  if (fault.kind == FaultKind::PodRestart && process->role == ProcessRole::Service) {
    reader.error("target",
                 "fault kind 'pod-restart' restarts the pod (the app and its sidecars), "
                 "but '" +
                     target + "' is a service, outside the pod");
  }
  if (fault.kind == FaultKind::StartupRace && process->role != ProcessRole::Sidecar) {
    reader.error("target", "fault kind 'startup-race' acts on a sidecar, but '" + target + "' is " +
                               describeRole(process->role));
  }
}

// control-plane-outage acts through a link in front of any control plane (down, hang, slow), or
// on outrider-control itself through the switches of its admin listener (all four modes), which
// the harness finds at the origin of the process's `metrics` URL.
void ScenarioDecoder::checkControlPlaneTarget(TableReader& reader, Fault& fault, const Link* link,
                                              const ProcessSpec* process) {
  if (link) {
    fault.through_link = true;
    if (fault.control_plane_mode == ControlPlaneMode::Error) {
      reader.error("mode",
                   "mode \"error\" needs the control plane's own switch (a link cannot "
                   "answer gRPC calls with UNAVAILABLE): target the control plane "
                   "process instead of link '" +
                       fault.target + "'");
    }
    return;
  }
  if (process->role != ProcessRole::Service) {
    reader.error("target",
                 "fault kind 'control-plane-outage' acts on the control plane (a "
                 "[[service]] or a [[link]] in front of it), but '" +
                     fault.target + "' is " + describeRole(process->role));
    return;
  }
  if (!process->metrics || process->metrics->rfind("http://", 0) != 0) {
    reader.error("target", "control-plane-outage on process '" + fault.target +
                               "' works through outrider-control's admin listener: give '" +
                               fault.target +
                               "' metrics = \"http://HOST:PORT/metrics\" on its --admin "
                               "address, or put a [[link]] in front of it and target the link");
  }
}

// cert-expiry and cert-wrong-ca act through outrider-control's issuance switch, on its admin
// listener at the origin of the service's `metrics` URL (as control-plane-outage's own switch).
void ScenarioDecoder::checkIssuanceTarget(TableReader& reader, Fault& fault,
                                          const ProcessSpec* process) {
  const std::string kind = toString(fault.kind);
  if (process == nullptr || process->role != ProcessRole::Service) {
    reader.error("target", "fault kind '" + kind +
                               "' acts on the control plane (a [[service]] running "
                               "outrider-control), but '" +
                               fault.target + "' is " +
                               (process ? describeRole(process->role) : std::string("a link")));
    return;
  }
  if (!process->metrics || process->metrics->rfind("http://", 0) != 0) {
    reader.error("target", kind + " on process '" + fault.target +
                               "' works through outrider-control's admin listener: give '" +
                               fault.target +
                               "' metrics = \"http://HOST:PORT/metrics\" on its --admin "
                               "address");
  }
}

void ScenarioDecoder::nameFaults(const std::vector<bool>& named) {
  std::set<std::string> taken;
  for (size_t i = 0; i < scenario_.faults.size() && i < named.size(); ++i) {
    if (named[i]) {
      taken.insert(scenario_.faults[i].name);
    }
  }
  // Per base name, the suffix to try next: the ones below it are taken, and a name once taken
  // stays taken, so each suffix is tried once however many faults share the base.
  std::map<std::string, int> next_suffix;
  for (size_t i = 0; i < scenario_.faults.size() && i < named.size(); ++i) {
    if (named[i]) {
      continue;
    }
    Fault& fault = scenario_.faults[i];
    // A pod-restart without a target is about the whole pod: "pod-restart".
    const std::string base =
        fault.target.empty() ? fault.kindName() : fault.kindName() + "-" + fault.target;
    std::string name = base;
    if (taken.count(name) > 0) {
      int& suffix = next_suffix.try_emplace(base, 2).first->second;
      do {
        name = base + "-" + std::to_string(suffix++);
      } while (taken.count(name) > 0);
    }
    taken.insert(name);
    fault.name = name;
  }
}

}  // namespace outrider::scenarios::detail
