// outrider-control: the reference control plane (gRPC, a local CA, secrets), with the
// control-plane-outage and issuance (cert-expiry, cert-wrong-ca) switches on its admin listener.
#include <fmt/core.h>
#include <prometheus/registry.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "outrider/admin/admin_server.h"
#include "outrider/common/clock.h"
#include "outrider/common/exit_codes.h"
#include "outrider/common/host_port.h"
#include "outrider/common/units.h"
#include "outrider/control/admin_routes.h"
#include "outrider/control/control_server.h"
#include "program_clock.h"

namespace {

// --flag 250ms; the help text shows the default.
template <class Duration>
CLI::Option* addDuration(CLI::App& app, const std::string& name, Duration& target,
                         const std::string& help, Duration smallest) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name, smallest](const std::string& text) {
            const auto parsed = outrider::parseDuration(text);
            if (!parsed || *parsed < smallest) {
              throw CLI::ValidationError(name, "expected a duration of at least " +
                                                   outrider::formatDuration(smallest) +
                                                   " like 250ms or 1h, got '" + text + "'");
            }
            target = std::chrono::duration_cast<Duration>(*parsed);
          },
          help + " (default " + outrider::formatDuration(target) + ")")
      ->type_name("DURATION");
}

CLI::Option* addHostPort(CLI::App& app, const std::string& name, outrider::HostPort& target,
                         const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& text) {
            auto parsed = outrider::parseHostPort(text, outrider::PortZero::Allowed);
            if (!parsed) {
              throw CLI::ValidationError(name, parsed.error().message);
            }
            target = std::move(*parsed);
          },
          help + " (default " + target.host + ":" + std::to_string(target.port) + ")")
      ->type_name("HOST:PORT");
}

std::string hostPort(const std::string& host, uint16_t port) {
  return host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port)
                                             : fmt::format("{}:{}", host, port);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace outrider;
  control::ControlOptions options;
  admin::AdminOptions admin_options;
  CLI::App app{
      "outrider-control: the reference control plane: join tokens, a local CA issuing "
      "short-lived X.509 SVIDs on a gRPC stream, opaque secrets, and the "
      "control-plane-outage and certificate-fault switches on its admin listener"};
  addHostPort(app, "--listen", options.listen, "gRPC address; port 0 picks one");
  std::string state_dir;
  app.add_option("--state-dir", state_dir,
                 "Directory for the CA, the session key and the issuance record (created if "
                 "missing; reused on restart)")
      ->required();
  std::string tokens;
  app.add_option("--tokens,--token-file", tokens,
                 "File of accepted join tokens, one a line ('#' comments); reread on SIGHUP")
      ->required()
      ->check(CLI::ExistingFile);
  std::string secrets;
  app.add_option("--secrets", secrets,
                 "JSON file {\"name\": {\"key\": \"value\"}, ...} that FetchSecret serves")
      ->check(CLI::ExistingFile);
  // X.509 times are whole seconds: a shorter lifetime could be issued with milliseconds left.
  addDuration(app, "--cert-ttl", options.cert_ttl,
              "Lifetime of issued certificates (at least 2s)", std::chrono::seconds(2));
  addDuration(app, "--secret-ttl", options.secret_ttl, "ttl_ms of FetchSecret answers",
              std::chrono::milliseconds(1));
  addDuration(app, "--session-ttl", options.session_ttl, "Lifetime of a Join session",
              std::chrono::seconds(1));
  app.add_option("--trust-domain", options.trust_domain, "SPIFFE trust domain of issued IDs")
      ->capture_default_str();
  addHostPort(app, "--admin", admin_options.listen,
              "Admin HTTP address (/ready /live /metrics /fault /issuance); port 0 picks one");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help is 0; every other parse error is a usage error (spec/cli.md: exit 2).
    return app.exit(e) == 0 ? exit_code::Pass : exit_code::Usage;
  }
  options.state_dir = state_dir;
  options.tokens_file = tokens;
  if (!secrets.empty()) {
    options.secrets_file = secrets;
  }

  // The one place real time enters; the clock-skew fault shifts the wall (NotBefore, NotAfter,
  // session expiry).
  const auto program_clock = exe::programClock("outrider-control");
  if (!program_clock) {
    return exit_code::Usage;
  }
  const Clock& clock = *program_clock;
  boost::asio::io_context context(1);
  auto registry = std::make_shared<prometheus::Registry>();
  auto server = control::ControlServer::create(options, clock, context.get_executor(), *registry);
  if (!server) {
    fmt::print(stderr, "outrider-control: {}\n", server.error().message);
    return exitCodeFor(server.error().code);
  }
  auto admin = admin::AdminServer::create(context.get_executor(), clock, admin_options);
  if (!admin) {
    fmt::print(stderr, "outrider-control: {}\n", admin.error().message);
    return exitCodeFor(admin.error().code);
  }
  control::addAdminRoutes(**admin, **server, registry);
  if (auto started = (*server)->start(); !started) {
    fmt::print(stderr, "outrider-control: {}\n", started.error().message);
    return exitCodeFor(started.error().code);
  }
  (*admin)->start();
  fmt::print(stderr, "outrider-control: state dir {} ({} CA), {} certificates issued before\n",
             state_dir, (*server)->stateDir().created() ? "new" : "existing",
             (*server)->stateDir().issuedCount());

  boost::asio::signal_set stop_signals(context, SIGINT, SIGTERM);
  stop_signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) {
      return;
    }
    fmt::print(stderr, "outrider-control: signal {}, stopping\n", signal);
    (*admin)->stop();
    (*server)->stop();
    context.stop();
  });
  boost::asio::signal_set reload_signals(context, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_reload =
      [&](const boost::system::error_code& ec, int) {
        if (ec) {
          return;
        }
        auto reloaded = (*server)->reloadTokens();
        if (reloaded) {
          fmt::print(stderr, "outrider-control: SIGHUP: {} join tokens\n", *reloaded);
        } else {
          fmt::print(stderr, "outrider-control: SIGHUP: kept the old tokens: {}\n",
                     reloaded.error().message);
        }
        reload_signals.async_wait(on_reload);
      };
  reload_signals.async_wait(on_reload);

  const auto admin_endpoint = (*admin)->endpoint();
  fmt::print("outrider-control listening={} admin={}\n",
             hostPort(options.listen.host, (*server)->port()),
             hostPort(admin_endpoint.address().to_string(), admin_endpoint.port()));
  std::fflush(stdout);
  context.run();
  (*server)->stop();
  return exit_code::Pass;
}
