#pragma once

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstddef>
#include <string>

#include "outrider/common/units.h"
#include "outrider/sidecar/host_port.h"
#include "outrider/tls/context.h"

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

// --<prefix>cert and --<prefix>key: a PEM certificate chain and its private key, each an existing
// file, neither without the other. Returns the certificate's option (for a ->needs()).
inline CLI::Option* addCertAndKey(CLI::App& app, const std::string& prefix, std::string& cert,
                                  std::string& key, const std::string& cert_help) {
  auto* cert_option =
      app.add_option("--" + prefix + "cert", cert, cert_help)->check(CLI::ExistingFile);
  auto* key_option =
      app.add_option("--" + prefix + "key", key, "The private key of --" + prefix + "cert (PEM)")
          ->check(CLI::ExistingFile);
  cert_option->needs(key_option);
  key_option->needs(cert_option);
  return cert_option;
}

// --tls-cert, --tls-key and --tls-client-ca: the TLS a server speaks to its clients, the CA
// requiring client certificates.
inline void addServerTls(CLI::App& app, tls::Files& files, const std::string& cert_help,
                         const std::string& client_ca_help) {
  auto* cert_option = addCertAndKey(app, "tls-", files.cert, files.key, cert_help);
  app.add_option("--tls-client-ca", files.ca, client_ca_help)
      ->check(CLI::ExistingFile)
      ->needs(cert_option);
}

}  // namespace outrider::sidecar::exe
