#include "placeholder_syntax.h"

#include <utility>

namespace outrider::scenarios::detail {
namespace {

constexpr std::string_view Expected =
    "expected ${port.NAME}, ${bin}, ${dir.scenario}, ${dir.run} or ${env.NAME}";

bool isPortNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

bool isPortName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    if (!isPortNameChar(c)) {
      return false;
    }
  }
  return true;
}

// POSIX portable environment variable names.
bool isEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) {
    return false;
  }
  for (char c : name) {
    if (!isPortNameChar(c) || c == '-') {
      return false;
    }
  }
  return true;
}

}  // namespace

PlaceholderScan scanPlaceholders(std::string_view text) {
  PlaceholderScan scan;
  size_t pos = 0;
  while ((pos = text.find("${", pos)) != std::string_view::npos) {
    const size_t close = text.find('}', pos + 2);
    if (close == std::string_view::npos) {
      scan.problems.push_back("unterminated placeholder '" + std::string(text.substr(pos)) + "' (" +
                              std::string(Expected) + ")");
      break;
    }
    const std::string_view inner = text.substr(pos + 2, close - pos - 2);
    Placeholder placeholder;
    placeholder.begin = pos;
    placeholder.end = close + 1;
    bool known = true;
    if (inner == "bin") {
      placeholder.kind = Placeholder::Kind::Bin;
    } else if (inner == "dir.scenario") {
      placeholder.kind = Placeholder::Kind::ScenarioDir;
    } else if (inner == "dir.run") {
      placeholder.kind = Placeholder::Kind::RunDir;
    } else if (inner.substr(0, 5) == "port." && isPortName(inner.substr(5))) {
      placeholder.kind = Placeholder::Kind::Port;
      placeholder.name = std::string(inner.substr(5));
    } else if (inner.substr(0, 4) == "env." && isEnvName(inner.substr(4))) {
      placeholder.kind = Placeholder::Kind::Env;
      placeholder.name = std::string(inner.substr(4));
    } else {
      known = false;
    }
    if (known) {
      scan.placeholders.push_back(std::move(placeholder));
    } else {
      scan.problems.push_back("unknown placeholder '${" + std::string(inner) + "}' (" +
                              std::string(Expected) + ")");
    }
    pos = close + 1;
  }
  return scan;
}

Result<std::string> substitutePlaceholders(std::string_view text, const PlaceholderValue& value) {
  PlaceholderScan scan = scanPlaceholders(text);
  if (!scan.problems.empty()) {
    return makeError(ErrorCode::InvalidArgument, scan.problems.front());
  }
  std::string out;
  size_t copied = 0;
  for (const auto& placeholder : scan.placeholders) {
    out.append(text.substr(copied, placeholder.begin - copied));
    Result<std::string> replacement = value(placeholder);
    if (!replacement) {
      return tl::unexpected<Error>(replacement.error());
    }
    out += *replacement;
    copied = placeholder.end;
  }
  out.append(text.substr(copied));
  return out;
}

std::string substituteStandIns(std::string_view text, const EnvLookup& env) {
  auto stand_in = [&env](const Placeholder& placeholder) -> Result<std::string> {
    switch (placeholder.kind) {
      case Placeholder::Kind::Port:
        return std::string("1");
      case Placeholder::Kind::Bin:
        return std::string("/bin");
      case Placeholder::Kind::ScenarioDir:
      case Placeholder::Kind::RunDir:
        return std::string("/dir");
      case Placeholder::Kind::Env:
        if (env) {
          if (auto found = env(placeholder.name)) {
            return *found;
          }
        }
        return std::string();
    }
    return std::string();
  };
  Result<std::string> out = substitutePlaceholders(text, stand_in);
  return out ? *out : std::string(text);
}

}  // namespace outrider::scenarios::detail
