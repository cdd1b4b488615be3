#include "outrider/scenarios/loader.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <tuple>

#include "identity.h"
#include "input_limits.h"
#include "outrider/common/path_template.h"
#include "outrider/common/text.h"
#include "outrider/common/units.h"
#include "outrider/scenarios/placeholders.h"
#include "placeholder_syntax.h"
#include "scenario_decoder.h"

namespace outrider::scenarios {

std::string Diagnostic::format() const {
  std::string out = where.file;
  if (where.line > 0) {
    out += fmt::format(":{}:{}", where.line, where.column);
  }
  out += ": error: ";
  if (!key_path.empty()) {
    out += key_path + ": ";
  }
  return out + message;
}

tl::expected<Scenario, LoadFailure> loadScenario(std::string_view text, const std::string& path,
                                                 const LoadOptions& options) {
  if (auto refused = detail::checkInputLimits(text, path)) {
    return tl::unexpected<LoadFailure>(LoadFailure{{std::move(*refused)}});
  }
  detail::Decoder decoder(path, options.env);
  toml::table root;
  try {
    root = toml::parse(text, std::string(path));
  } catch (const toml::parse_error& error) {
    const auto& begin = error.source().begin;
    decoder.error(SourceLocation{path, begin.line, begin.column}, "",
                  std::string(error.description()));
    return tl::unexpected<LoadFailure>(LoadFailure{decoder.takeDiagnostics()});
  }
  Scenario scenario;
  scenario.file = path;
  scenario.contents = std::string(text);
  detail::ScenarioDecoder(decoder, root, scenario, options.catalog).decode();
  if (decoder.failed()) {
    return tl::unexpected<LoadFailure>(LoadFailure{decoder.takeDiagnostics()});
  }
  return scenario;
}

tl::expected<Scenario, LoadFailure> loadScenarioFile(const std::string& path,
                                                     const LoadOptions& options) {
  auto fail = [&path](std::string message) {
    return tl::unexpected<LoadFailure>(
        LoadFailure{{Diagnostic{SourceLocation{path, 0, 0}, "", std::move(message)}}});
  };
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return fail("cannot read file: it is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(std::string("cannot read file: ") + std::strerror(errno));
  }
  // One byte past the limit is enough for loadScenario() to refuse (and locate) an oversized
  // file, so a huge file or an endless one (/dev/zero) is never read whole.
  std::string text(InputLimits::MaxFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (in.bad()) {
    return fail("cannot read file: read error");
  }
  text.resize(static_cast<size_t>(in.gcount()));
  return loadScenario(text, path, options);
}

namespace detail {
namespace {

const std::vector<std::string> RootKeys = {"scenario", "app",  "sidecar", "service",
                                           "link",     "load", "fault",   "slo",
                                           "alerting", "gate", "variant", "canary"};

bool isNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

bool isEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) { return isNameChar(c) && c != '-'; });
}

// RFC 9110 token characters, for methods and header names.
bool isToken(std::string_view text) {
  if (text.empty()) {
    return false;
  }
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

// parseProbe()/parseHostPort() name the text they saw; show the user's text, not the stand-ins.
std::string restate(std::string message, const std::string& checked, const std::string& original) {
  const std::string prefix = inQuotes(checked);
  if (message.compare(0, prefix.size(), prefix) == 0) {
    return inQuotes(original) + message.substr(prefix.size());
  }
  return message;
}

}  // namespace

ScenarioDecoder::ScenarioDecoder(Decoder& decoder, const toml::table& root, Scenario& scenario,
                                 const FaultCatalog* catalog)
    : decoder_(decoder), root_(decoder, root, ""), scenario_(scenario), catalog_(catalog) {}

void ScenarioDecoder::decode() {
  decodeHeader();
  decodeProcesses();
  decodeLinks();
  indexPod();
  checkDuplicates(process_and_link_names_);
  decodeLoad();
  decodeFaults();
  decodeSlos();
  decodeAlerting();
  decodeGate();
  decodeVariants();
  decodeCanary();
  root_.finish(RootKeys);
}

const toml::table* ScenarioDecoder::section(std::string_view key, Need need) {
  const toml::node* found = root_.node(key);
  if (!found) {
    if (need == Need::Required) {
      decoder_.error(SourceLocation{decoder_.file(), 1, 1}, std::string(key),
                     "missing required table [" + std::string(key) + "]");
    }
    return nullptr;
  }
  const toml::table* table = found->as_table();
  if (!table) {
    root_.error(key, "expected a table [" + std::string(key) + "], got " + describe(*found));
  }
  return table;
}

std::vector<std::pair<const toml::table*, std::string>> ScenarioDecoder::sectionArray(
    TableReader& reader, std::string_view key) {
  std::vector<std::pair<const toml::table*, std::string>> tables;
  const toml::node* found = reader.node(key);
  if (!found) {
    return tables;
  }
  const toml::array* array = found->as_array();
  if (!array) {
    reader.error(
        key, "expected an array of tables [[" + reader.pathOf(key) + "]], got " + describe(*found));
    return tables;
  }
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    std::string path = reader.pathOf(key) + "[" + std::to_string(i) + "]";
    if (const toml::table* table = element.as_table()) {
      tables.emplace_back(table, std::move(path));
    } else {
      decoder_.error(decoder_.locate(element.source()), path,
                     "expected a table, got " + describe(element));
    }
  }
  return tables;
}

std::optional<std::string> ScenarioDecoder::readName(TableReader& reader, Need need) {
  auto name = reader.string("name", need);
  if (!name) {
    return std::nullopt;
  }
  if (name->empty() || !std::all_of(name->begin(), name->end(), isNameChar)) {
    reader.error("name", "invalid name " + quote(*name) +
                             " (use letters, digits, '-' and '_', like \"proxy-admin\")");
  }
  return name;
}

void ScenarioDecoder::checkUrl(TableReader& reader, std::string_view key, const std::string& value,
                               UrlUse use) {
  // Placeholder problems were reported when the string was read; one message per mistake.
  if (!decoder_.placeholdersResolvable(value)) {
    return;
  }
  const std::string checked = substituteStandIns(value, decoder_.env());
  auto probe = parseProbe(checked);
  if (use == UrlUse::LoadTarget) {
    if (checked.compare(0, 7, "http://") != 0 && checked.compare(0, 8, "https://") != 0) {
      reader.error(key, "expected an http:// or https:// URL, got " + quote(value));
      return;
    }
  } else if (use == UrlUse::Metrics && checked.compare(0, 6, "tcp://") == 0) {
    reader.error(key, "expected an http:// or https:// URL for metrics, got " + quote(value));
    return;
  }
  if (!probe) {
    reader.error(key, restate(probe.error().message, checked, value));
  }
}

void ScenarioDecoder::checkHostPort(TableReader& reader, std::string_view key,
                                    const std::string& value) {
  if (!decoder_.placeholdersResolvable(value)) {
    return;
  }
  const std::string checked = substituteStandIns(value, decoder_.env());
  auto endpoint = parseHostPort(checked);
  if (!endpoint) {
    reader.error(key, restate(endpoint.error().message, checked, value) +
                          " (expected host:port, like \"127.0.0.1:${port.app}\")");
  }
}

void ScenarioDecoder::checkDuplicates(std::vector<NameUse> uses) {
  std::stable_sort(uses.begin(), uses.end(), [](const NameUse& a, const NameUse& b) {
    return std::tie(a.where.line, a.where.column) < std::tie(b.where.line, b.where.column);
  });
  // An ordered map: O(n log n) whatever the names, where a hash could be made to collide.
  std::map<std::string_view, const NameUse*> first_use;
  for (const NameUse& use : uses) {
    auto [first, inserted] = first_use.try_emplace(use.name, &use);
    if (!inserted) {
      decoder_.error(use.where, use.key_path,
                     "name '" + use.name + "' is already used by " + first->second->owner);
    }
  }
}

void ScenarioDecoder::indexPod() {
  for (const Link& link : scenario_.links) {
    links_by_name_.try_emplace(link.name, &link);
    link_names_.push_back(link.name);
  }
  for (const ProcessSpec* process : scenario_.processes()) {
    processes_by_name_.try_emplace(process->name, process);
    process_names_.push_back(process->name);
  }
}

const Link* ScenarioDecoder::findLink(const std::string& name) const {
  auto found = links_by_name_.find(name);
  return found == links_by_name_.end() ? nullptr : found->second;
}

const ProcessSpec* ScenarioDecoder::findProcess(const std::string& name) const {
  auto found = processes_by_name_.find(name);
  return found == processes_by_name_.end() ? nullptr : found->second;
}

std::optional<std::string> ScenarioDecoder::suggestPodName(const std::string& word, Suggest from) {
  auto key = std::make_pair(word, from);
  if (auto known = suggestions_.find(key); known != suggestions_.end()) {
    return known->second;
  }
  if (suggestions_.size() >= MaxPodSuggestions) {
    return std::nullopt;
  }
  std::optional<std::string> hint;
  if (from == Suggest::ProcessesOnly) {
    hint = closestMatch(word, process_names_);
  } else {
    hint = closestMatch(word, from == Suggest::LinksFirst ? link_names_ : process_names_);
    if (!hint) {
      std::vector<std::string> all = link_names_;
      all.insert(all.end(), process_names_.begin(), process_names_.end());
      hint = closestMatch(word, all);
    }
  }
  suggestions_.emplace(std::move(key), hint);
  return hint;
}

void ScenarioDecoder::decodeHeader() {
  const toml::table* table = section("scenario", Need::Required);
  if (!table) {
    return;
  }
  TableReader reader(decoder_, *table, "scenario");
  if (auto name = reader.string("name", Need::Required)) {
    const bool valid = !name->empty() && std::all_of(name->begin(), name->end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
    if (!valid) {
      reader.error("name", "invalid name " + quote(*name) +
                               " (use lowercase letters, digits and '-', like \"quickstart\")");
    }
    scenario_.name = *name;
  }
  if (auto description = reader.string("description")) {
    scenario_.description = *description;
  }
  if (auto duration = reader.duration("duration", Need::Required)) {
    if (duration->count() <= 0) {
      reader.error("duration", "must be greater than 0s");
    } else {
      scenario_.duration = *duration;
      duration_known_ = true;
    }
  }
  if (auto seed = reader.integer("seed")) {
    if (*seed < 0) {
      reader.error("seed", "must be 0 or more, got " + std::to_string(*seed));
    } else {
      scenario_.seed = static_cast<uint64_t>(*seed);
    }
  }
  reader.finish({"name", "description", "duration", "seed"});
}

void ScenarioDecoder::decodeProcesses() {
  if (const toml::table* app = section("app", Need::Required)) {
    scenario_.app = decodeProcess(*app, "app", ProcessRole::App);
    process_and_link_names_.push_back(
        NameUse{"app", "the app", "app", decoder_.locate(app->source())});
  }
  for (const auto& [table, path] : sectionArray(root_, "sidecar")) {
    scenario_.sidecars.push_back(decodeProcess(*table, path, ProcessRole::Sidecar));
  }
  for (const auto& [table, path] : sectionArray(root_, "service")) {
    scenario_.services.push_back(decodeProcess(*table, path, ProcessRole::Service));
  }
}

ProcessSpec ScenarioDecoder::decodeProcess(const toml::table& table, const std::string& path,
                                           ProcessRole role, const ProcessSpec* base,
                                           const std::vector<std::string>& extra_keys) {
  TableReader reader(decoder_, table, path);
  ProcessSpec process;
  if (base) {
    process = *base;
  }
  process.role = role;
  process.where = reader.headerLocation();
  std::vector<std::string> valid = {
      "command",         "env",          "ready",     "live",          "metrics",
      "restart",         "memory_limit", "cpu_limit", "ready_timeout", "termination_grace",
      "restart_backoff", "user",         "group"};
  valid.insert(valid.end(), extra_keys.begin(), extra_keys.end());
  for (const auto& key : extra_keys) {
    reader.consume(key);  // the caller's to read
  }
  if (base) {
    // A variant keeps the sidecar's name: faults, links and SLOs still find it.
  } else if (role == ProcessRole::App) {
    process.name = "app";
  } else {
    valid.insert(valid.begin(), "name");
    if (auto name = readName(reader, Need::Required)) {
      process.name = *name;
      process_and_link_names_.push_back(
          NameUse{*name, path, reader.pathOf("name"), reader.locationOf("name")});
    }
  }
  if (role == ProcessRole::Sidecar) {
    valid.push_back("start");
    if (auto start = reader.choice<StartMode>(
            "start", {{"before-app", StartMode::BeforeApp}, {"with-app", StartMode::WithApp}})) {
      process.start = *start;
    }
  }
  if (auto command = reader.stringArray("command", base ? Need::Optional : Need::Required)) {
    if (command->empty()) {
      reader.error("command", "must name a program, like [\"${bin}/outrider-echo\"]");
    } else if (command->front().empty()) {
      reader.error("command", "the program (the first element) is an empty string");
    }
    process.command = std::move(*command);
  }
  if (auto env = reader.stringTable("env")) {
    process.env.clear();  // a variant's env replaces the sidecar's whole, as every other key does
    for (auto& entry : *env) {
      if (!isEnvName(entry.key)) {
        decoder_.error(entry.where, entry.path,
                       "invalid environment variable name '" + entry.key + "'");
      }
      process.env[entry.key] = std::move(entry.value);
    }
  }
  if (auto ready = reader.string("ready")) {
    checkUrl(reader, "ready", *ready, UrlUse::Probe);
    process.ready = *ready;
  }
  if (auto live = reader.string("live")) {
    checkUrl(reader, "live", *live, UrlUse::Probe);
    process.live = *live;
  }
  if (auto metrics = reader.string("metrics")) {
    checkUrl(reader, "metrics", *metrics, UrlUse::Metrics);
    process.metrics = *metrics;
  }
  if (auto restart =
          reader.choice<RestartPolicy>("restart", {{"never", RestartPolicy::Never},
                                                   {"on-failure", RestartPolicy::OnFailure},
                                                   {"always", RestartPolicy::Always}})) {
    process.restart = *restart;
  }
  if (auto memory = reader.size("memory_limit")) {
    if (*memory == 0) {
      reader.error("memory_limit", "must be greater than 0");
    }
    process.memory_limit_bytes = *memory;
  }
  if (auto cpu = reader.number("cpu_limit")) {
    if (*cpu <= 0) {
      reader.error("cpu_limit", fmt::format("must be greater than 0 cores, got {}", *cpu));
    }
    process.cpu_limit_cores = *cpu;
  }
  if (auto timeout = reader.duration("ready_timeout")) {
    if (timeout->count() <= 0) {
      reader.error("ready_timeout", "must be greater than 0s");
    }
    process.ready_timeout = *timeout;
  }
  if (auto grace = reader.duration("termination_grace")) {
    process.termination_grace = *grace;
  }
  if (auto backoff = reader.duration("restart_backoff")) {
    process.restart_backoff = *backoff;
  }
  decodeRunAs(reader, process);
  reader.finish(valid);
  return process;
}

// user = "nobody" (a name or a decimal uid), group = "nogroup" (default: the user's primary
// group), resolved here so that `validate` refuses an unknown name as `run` would. A variant's
// group alone keeps its sidecar's user; its user alone takes that user's primary group.
void ScenarioDecoder::decodeRunAs(TableReader& reader, ProcessSpec& process) {
  auto user = reader.string("user");
  auto group = reader.string("group");
  std::optional<RunAs> run_as = process.run_as;
  bool ok = true;
  if (user) {
    auto entry = lookUpUser(*user);
    if (!entry) {
      reader.error("user", entry.error().message);
      ok = false;
    } else if (!entry->primary_gid && !group) {
      reader.error("user", "uid " + *user + " has no entry in the user database: give `group` too");
      ok = false;
    } else {
      run_as = RunAs{*user, "", entry->uid, entry->primary_gid.value_or(0)};
      if (!group) {
        // The primary group's name when it has one, else its number.
        auto primary = lookUpGroup(std::to_string(*entry->primary_gid));
        run_as->group = primary ? primary->name : std::to_string(*entry->primary_gid);
      }
    }
  }
  if (group) {
    auto entry = lookUpGroup(*group);
    if (!entry) {
      reader.error("group", entry.error().message);
      ok = false;
    } else if (!run_as) {
      if (ok) {
        reader.error("group", "key 'group' needs 'user' (the identity the process runs as)");
      }
      ok = false;
    } else {
      run_as->group = *group;
      run_as->gid = entry->gid;
    }
  }
  if (ok) {
    process.run_as = std::move(run_as);
  }
}

void ScenarioDecoder::decodeLinks() {
  for (const auto& [table, path] : sectionArray(root_, "link")) {
    TableReader reader(decoder_, *table, path);
    Link link;
    link.where = reader.headerLocation();
    if (auto name = readName(reader, Need::Required)) {
      link.name = *name;
      process_and_link_names_.push_back(
          NameUse{*name, path, reader.pathOf("name"), reader.locationOf("name")});
    }
    if (auto listen = reader.string("listen", Need::Required)) {
      checkHostPort(reader, "listen", *listen);
      link.listen = *listen;
    }
    if (auto to = reader.string("to", Need::Required)) {
      checkHostPort(reader, "to", *to);
      link.to = *to;
    }
    if (auto protocol = reader.choice<LinkProtocol>(
            "protocol", {{"tcp", LinkProtocol::Tcp}, {"http", LinkProtocol::Http}})) {
      link.protocol = *protocol;
    }
    reader.finish({"name", "listen", "to", "protocol"});
    scenario_.links.push_back(std::move(link));
  }
}

void ScenarioDecoder::decodeLoad() {
  const toml::table* table = section("load", Need::Optional);
  if (!table) {
    return;
  }
  TableReader reader(decoder_, *table, "load");
  Load load;
  load.where = reader.headerLocation();
  if (auto target = reader.string("target", Need::Required)) {
    checkUrl(reader, "target", *target, UrlUse::LoadTarget);
    load.target = *target;
  }
  if (auto path = reader.literalString("path")) {
    if (auto parsed = PathTemplate::parse(*path, 0); !parsed) {
      reader.error("path", parsed.error().message);
    }
    load.path = *path;
  }
  if (auto rate = reader.number("rate", Need::Required)) {
    if (*rate <= 0) {
      reader.error("rate",
                   fmt::format("must be greater than 0 requests per second, got {}", *rate));
    }
    load.rate = *rate;
  }
  if (auto connections = reader.integer("connections")) {
    // One loopback client cannot hold more connections than it has ephemeral ports.
    if (*connections < 1 || *connections > 65535) {
      reader.error("connections",
                   "must be between 1 and 65535, got " + std::to_string(*connections));
    } else {
      load.connections = static_cast<uint32_t>(*connections);
    }
  }
  if (auto warmup = reader.duration("warmup")) {
    if (duration_known_ && *warmup >= scenario_.duration) {
      reader.error("warmup", formatDuration(*warmup) + " leaves nothing to measure in a " +
                                 formatDuration(scenario_.duration) + " scenario");
    }
    load.warmup = *warmup;
  }
  if (auto timeout = reader.duration("timeout")) {
    if (timeout->count() <= 0) {
      reader.error("timeout", "must be greater than 0s");
    }
    load.timeout = *timeout;
  }
  if (auto method = reader.string("method")) {
    if (!isToken(*method)) {
      reader.error("method", "invalid HTTP method " + quote(*method));
    }
    load.method = *method;
  }
  if (auto headers = reader.stringTable("headers")) {
    for (auto& entry : *headers) {
      if (!isToken(entry.key)) {
        decoder_.error(entry.where, entry.path, "invalid HTTP header name '" + entry.key + "'");
      }
      if (entry.value.find_first_of("\r\n") != std::string::npos) {
        decoder_.error(entry.where, entry.path, "a header value cannot contain a line break");
      }
      load.headers.emplace_back(std::move(entry.key), std::move(entry.value));
    }
  }
  if (auto body = reader.string("body")) {
    load.body = *body;
  }
  if (auto per_connection = reader.integer("requests_per_connection")) {
    if (*per_connection < 1) {
      reader.error(
          "requests_per_connection",
          "must be 1 or more (leave it out for no limit), got " + std::to_string(*per_connection));
    } else {
      load.requests_per_connection = static_cast<uint64_t>(*per_connection);
    }
  }
  if (const toml::node* tls = reader.node("tls")) {
    if (const toml::table* tls_table = tls->as_table()) {
      load.tls = decodeLoadTls(*tls_table, load.target);
    } else {
      reader.error("tls", "expected a table [load.tls], got " + describe(*tls));
    }
  }
  if (const toml::node* expect = reader.node("expect")) {
    if (const toml::table* expect_table = expect->as_table()) {
      load.expect = decodeLoadExpect(*expect_table, load.method);
    } else {
      reader.error("expect", "expected a table [load.expect], got " + describe(*expect));
    }
  }
  reader.finish({"target", "path", "rate", "connections", "warmup", "timeout", "method", "headers",
                 "body", "requests_per_connection", "tls", "expect"});
  scenario_.load = std::move(load);
}

// [load.expect]: status codes or classes, exact header values, a body substring.
LoadExpect ScenarioDecoder::decodeLoadExpect(const toml::table& table, const std::string& method) {
  TableReader reader(decoder_, table, "load.expect");
  LoadExpect expect;
  expect.where = reader.headerLocation();
  if (auto status = decodeStatusList(reader, "status")) {
    if (status->empty()) {
      reader.error("status", "must name at least one status (leave it out for any)");
    }
    expect.status = std::move(*status);
  }
  if (auto headers = reader.stringTable("headers")) {
    // The generator keeps one bit per expected header while it reads a reply.
    constexpr size_t MaxExpectedHeaders = 64;
    if (headers->size() > MaxExpectedHeaders) {
      reader.error("headers", "at most " + std::to_string(MaxExpectedHeaders) + " headers, got " +
                                  std::to_string(headers->size()));
    }
    for (auto& entry : *headers) {
      if (!isToken(entry.key)) {
        decoder_.error(entry.where, entry.path, "invalid HTTP header name '" + entry.key + "'");
      }
      if (entry.value.find_first_of("\r\n") != std::string::npos) {
        decoder_.error(entry.where, entry.path, "a header value cannot contain a line break");
      }
      expect.headers.emplace_back(std::move(entry.key), std::move(entry.value));
    }
  }
  if (auto body = reader.string("body_contains")) {
    if (body->empty()) {
      reader.error("body_contains", "must not be empty (leave it out to ignore the body)");
    } else if (method == "HEAD") {
      reader.error("body_contains", "a reply to HEAD has no body to look in");
    }
    expect.body_contains = std::move(*body);
  }
  reader.finish({"status", "headers", "body_contains"});
  return expect;
}

LoadTls ScenarioDecoder::decodeLoadTls(const toml::table& table, const std::string& target) {
  TableReader reader(decoder_, table, "load.tls");
  LoadTls tls;
  tls.where = reader.headerLocation();
  // Only the keys: the files may be written during the run (by a secret sidecar).
  auto path = [&reader](std::string_view key, std::string& into) {
    if (auto text = reader.string(key)) {
      if (text->empty()) {
        reader.error(key, "must name a file (leave the key out instead)");
      }
      into = std::move(*text);
    }
  };
  path("ca", tls.ca);
  path("cert", tls.cert);
  path("key", tls.key);
  if (reader.has("cert") != reader.has("key")) {
    const std::string_view given = reader.has("cert") ? "cert" : "key";
    reader.error(given, "cert and key go together (a client certificate needs its key)");
  }
  if (auto name = reader.string("server_name")) {
    if (name->empty() || name->find_first_of(" /\r\n") != std::string::npos) {
      reader.error("server_name", "expected a host name or an address, got " + quote(*name));
    }
    tls.server_name = std::move(*name);
  }
  reader.finish({"ca", "cert", "key", "server_name"});
  // A plain-http target with TLS settings is a mistake either way: say so at the table.
  if (decoder_.placeholdersResolvable(target) &&
      substituteStandIns(target, decoder_.env()).compare(0, 7, "http://") == 0) {
    decoder_.error(tls.where, "load.tls",
                   "[load.tls] applies to an https:// target, but load.target is " + quote(target));
  }
  return tls;
}

}  // namespace detail
}  // namespace outrider::scenarios
