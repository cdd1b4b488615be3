#include "outrider/scenarios/placeholders.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>

#include "placeholder_syntax.h"

namespace outrider::scenarios {
namespace {

// Calls visit(text, key_path) on every string of the scenario that may hold placeholders, in
// file-section order; stops early when visit returns false.
template <class S, class Visit>
void forEachString(S& scenario, Visit&& visit) {
  bool go_on = visit(scenario.description, std::string("scenario.description"));
  auto process = [&go_on, &visit](auto& spec, const std::string& path) {
    for (size_t i = 0; go_on && i < spec.command.size(); ++i) {
      go_on = visit(spec.command[i], path + ".command[" + std::to_string(i) + "]");
    }
    for (auto& [name, value] : spec.env) {
      go_on = go_on && visit(value, path + ".env." + name);
    }
    if (go_on && spec.ready) {
      go_on = visit(*spec.ready, path + ".ready");
    }
    if (go_on && spec.live) {
      go_on = visit(*spec.live, path + ".live");
    }
    if (go_on && spec.metrics) {
      go_on = visit(*spec.metrics, path + ".metrics");
    }
  };
  process(scenario.app, "app");
  for (size_t i = 0; i < scenario.sidecars.size(); ++i) {
    process(scenario.sidecars[i], "sidecar[" + std::to_string(i) + "]");
  }
  for (size_t i = 0; i < scenario.services.size(); ++i) {
    process(scenario.services[i], "service[" + std::to_string(i) + "]");
  }
  for (size_t i = 0; go_on && i < scenario.links.size(); ++i) {
    const std::string path = "link[" + std::to_string(i) + "]";
    go_on = visit(scenario.links[i].listen, path + ".listen") &&
            visit(scenario.links[i].to, path + ".to");
  }
  for (size_t i = 0; go_on && i < scenario.faults.size(); ++i) {
    if (!scenario.faults[i].to.empty()) {
      go_on = visit(scenario.faults[i].to, "fault[" + std::to_string(i) + "].to");
    }
  }
  if (go_on && scenario.load) {
    go_on = visit(scenario.load->target, std::string("load.target"));
    for (auto& [name, value] : scenario.load->headers) {
      go_on = go_on && visit(value, "load.headers." + name);
    }
    go_on = go_on && visit(scenario.load->body, std::string("load.body"));
    if (go_on && scenario.load->expect) {
      for (auto& [name, value] : scenario.load->expect->headers) {
        go_on = go_on && visit(value, "load.expect.headers." + name);
      }
      go_on = go_on &&
              visit(scenario.load->expect->body_contains, std::string("load.expect.body_contains"));
    }
    if (go_on && scenario.load->tls) {
      auto& tls = *scenario.load->tls;
      go_on = visit(tls.ca, std::string("load.tls.ca")) &&
              visit(tls.cert, std::string("load.tls.cert")) &&
              visit(tls.key, std::string("load.tls.key")) &&
              visit(tls.server_name, std::string("load.tls.server_name"));
    }
  }
  for (size_t i = 0; go_on && i < scenario.slos.size(); ++i) {
    const std::string path = "slo[" + std::to_string(i) + "]";
    go_on = visit(scenario.slos[i].good, path + ".good") &&
            visit(scenario.slos[i].bad, path + ".bad") &&
            visit(scenario.slos[i].total, path + ".total");
  }
}

std::string errnoText(const char* call) { return std::string(call) + ": " + std::strerror(errno); }

}  // namespace

std::vector<std::string> portNames(const Scenario& scenario) {
  std::set<std::string> names;
  forEachString(scenario, [&names](const std::string& text, const std::string&) {
    for (const auto& placeholder : detail::scanPlaceholders(text).placeholders) {
      if (placeholder.kind == detail::Placeholder::Kind::Port) {
        names.insert(placeholder.name);
      }
    }
    return true;
  });
  return {names.begin(), names.end()};
}

Result<std::map<std::string, uint16_t>> allocatePorts(const std::vector<std::string>& names) {
  std::map<std::string, uint16_t> ports;
  // Every socket stays bound until all are allocated, so the kernel cannot hand out one port
  // twice; they are closed together before the processes that will bind them start.
  std::vector<int> sockets;
  auto close_all = [&sockets] {
    for (int fd : sockets) {
      ::close(fd);
    }
  };
  for (const auto& name : names) {
    if (ports.count(name) > 0) {
      continue;
    }
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      const std::string why = errnoText("socket");
      close_all();
      return makeError(ErrorCode::Io, "cannot allocate port '" + name + "': " + why);
    }
    sockets.push_back(fd);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t length = sizeof(address);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      const std::string why = errnoText("bind");
      close_all();
      return makeError(ErrorCode::Io, "cannot allocate port '" + name + "': " + why);
    }
    ports[name] = ntohs(address.sin_port);
  }
  close_all();
  return ports;
}

Result<Scenario> resolvePlaceholders(const Scenario& scenario, const PlaceholderContext& context) {
  Scenario resolved = scenario;
  std::optional<Error> failure;
  auto value = [&context](const detail::Placeholder& placeholder) -> Result<std::string> {
    switch (placeholder.kind) {
      case detail::Placeholder::Kind::Port: {
        auto port = context.ports.find(placeholder.name);
        if (port == context.ports.end()) {
          return makeError(ErrorCode::Internal,
                           "no port was allocated for ${port." + placeholder.name + "}");
        }
        return std::to_string(port->second);
      }
      case detail::Placeholder::Kind::Bin:
        return context.bin;
      case detail::Placeholder::Kind::ScenarioDir:
        return context.scenario_dir;
      case detail::Placeholder::Kind::RunDir:
        return context.run_dir;
      case detail::Placeholder::Kind::Env:
        if (context.env) {
          if (auto found = context.env(placeholder.name)) {
            return *found;
          }
        }
        return makeError(ErrorCode::InvalidArgument,
                         "environment variable " + placeholder.name + " is not set");
    }
    return makeError(ErrorCode::Internal, "unhandled placeholder");
  };
  forEachString(resolved, [&failure, &value](std::string& text, const std::string& path) {
    Result<std::string> substituted = detail::substitutePlaceholders(text, value);
    if (!substituted) {
      Error error = substituted.error();
      error.message = path + ": " + error.message;
      failure = std::move(error);
      return false;
    }
    text = std::move(*substituted);
    return true;
  });
  if (failure) {
    return tl::unexpected<Error>(std::move(*failure));
  }
  // [load.tls] files are relative to the scenario's folder, like ${dir.scenario}/name.
  if (resolved.load && resolved.load->tls && !context.scenario_dir.empty()) {
    auto& tls = *resolved.load->tls;
    for (std::string* path : {&tls.ca, &tls.cert, &tls.key}) {
      if (!path->empty() && path->front() != '/') {
        *path = (std::filesystem::path(context.scenario_dir) / *path).lexically_normal().string();
      }
    }
  }
  return resolved;
}

}  // namespace outrider::scenarios
