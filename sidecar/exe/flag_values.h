#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

#include "outrider/common/units.h"
#include "outrider/sidecar/host_port.h"

// CLI11 glue shared by the outrider-echo and outrider-proxy mains (exe-only, not library code).
namespace outrider::sidecar::exe {

// --flag 5ms style durations; the help text shows the default.
inline CLI::Option* addDuration(CLI::App& app, const std::string& name,
                                std::chrono::nanoseconds& target, const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& text) {
            const auto parsed = parseDuration(text);
            if (!parsed) {
              throw CLI::ValidationError(name, "expected a duration like 250ms or 10s, got '" +
                                                   text + "'");
            }
            target = *parsed;
          },
          help + " (default " + formatDuration(target) + ")")
      ->type_name("DURATION");
}

// --flag 1KiB style sizes.
inline CLI::Option* addSize(CLI::App& app, const std::string& name, std::size_t& target,
                            const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& text) {
            const auto parsed = parseSize(text);
            if (!parsed) {
              throw CLI::ValidationError(name, "expected a size like 64B or 16KiB, got '" +
                                                   text + "'");
            }
            target = static_cast<std::size_t>(*parsed);
          },
          help + " (default " + std::to_string(target) + "B)")
      ->type_name("SIZE");
}

// --flag HOST:PORT.
inline CLI::Option* addHostPort(CLI::App& app, const std::string& name, HostPort& target,
                                const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& text) {
            auto parsed = parseHostPort(text);
            if (!parsed) {
              throw CLI::ValidationError(name, parsed.error().message);
            }
            target = std::move(*parsed);
          },
          help + " (default " + target.host + ":" + std::to_string(target.port) + ")")
      ->type_name("HOST:PORT");
}

// --max-header-size and --max-headers, the head limits the proxy and the echo app share.
inline void addHeadLimits(CLI::App& app, std::size_t& max_header_size, std::size_t& max_headers) {
  addSize(app, "--max-header-size", max_header_size, "Largest request head; 431 past it");
  app.add_option("--max-headers", max_headers, "Header fields per request; 431 past it")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
}

}  // namespace outrider::sidecar::exe
