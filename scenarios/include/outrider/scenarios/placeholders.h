#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "outrider/common/host_port.h"
#include "outrider/common/result.h"
#include "outrider/scenarios/loader.h"
#include "outrider/scenarios/scenario.h"

namespace outrider::scenarios {

// What ${...} means for one run.
struct PlaceholderContext {
  std::string bin;                        // ${bin}
  std::string scenario_dir;               // ${dir.scenario}
  std::string run_dir;                    // ${dir.run}
  std::map<std::string, uint16_t> ports;  // ${port.NAME}; see allocatePorts()
  EnvLookup env;                          // ${env.NAME}
};

// Every ${port.NAME} that the scenario mentions, sorted.
std::vector<std::string> portNames(const Scenario& scenario);

// Allocates one free loopback port per name (bind 127.0.0.1:0, read, close), all distinct.
Result<std::map<std::string, uint16_t>> allocatePorts(const std::vector<std::string>& names);

// A copy of the scenario with every placeholder in every string substituted, and the relative
// [load.tls] paths made absolute against scenario_dir.
Result<Scenario> resolvePlaceholders(const Scenario& scenario, const PlaceholderContext& context);

// host:port and probe URLs, parsed after resolution.
using Endpoint = HostPort;
// A destination's host:port (port 0 refused); see outrider/common/host_port.h.
inline Result<Endpoint> parseHostPort(const std::string& text) {
  return outrider::parseHostPort(text, PortZero::Refused);
}

struct ProbeTarget {
  enum class Kind { Http, Https, Tcp };
  Kind kind = Kind::Tcp;
  std::string host;
  uint16_t port = 0;
  std::string path = "/";  // http(s) only, with any query
};
Result<ProbeTarget> parseProbe(const std::string& url);

}  // namespace outrider::scenarios
