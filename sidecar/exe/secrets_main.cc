// outrider-secrets: the reference secret sidecar. Joins outrider-control with a token, keeps
// cert.pem, key.pem (0600) and bundle.pem fresh in --dir as one atomic set, and serves /ready,
// /live and /metrics on --admin.
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "outrider/admin/admin_server.h"
#include "outrider/common/clock.h"
#include "outrider/common/exit_codes.h"
#include "outrider/common/host_port.h"
#include "outrider/common/timer.h"
#include "outrider/common/units.h"
#include "outrider/secrets/agent.h"
#include "outrider/secrets/secrets_metrics.h"
#include "program_clock.h"

namespace {

namespace asio = boost::asio;
using namespace outrider;

CLI::Option* addDuration(CLI::App& app, const std::string& name, std::chrono::nanoseconds& target,
                         const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name](const std::string& text) {
            const auto parsed = parseDuration(text);
            if (!parsed || parsed->count() <= 0) {
              throw CLI::ValidationError(
                  name, "expected a duration like 250ms or 10s, got '" + text + "'");
            }
            target = *parsed;
          },
          help + " (default " + formatDuration(target) + ")")
      ->type_name("DURATION");
}

CLI::Option* addHostPort(CLI::App& app, const std::string& name, HostPort& target, PortZero zero,
                         const std::string& help) {
  return app
      .add_option_function<std::string>(
          name,
          [&target, name, zero](const std::string& text) {
            auto parsed = parseHostPort(text, zero);
            if (!parsed) {
              throw CLI::ValidationError(name, parsed.error().message);
            }
            target = std::move(*parsed);
          },
          help)
      ->type_name("HOST:PORT");
}

std::string formatEndpoint(const asio::ip::tcp::endpoint& endpoint) {
  const auto address = endpoint.address();
  return address.is_v6() ? fmt::format("[{}]:{}", address.to_string(), endpoint.port())
                         : fmt::format("{}:{}", address.to_string(), endpoint.port());
}

std::string hostPortText(const HostPort& hp) {
  return hp.host.find(':') != std::string::npos ? fmt::format("[{}]:{}", hp.host, hp.port)
                                                : fmt::format("{}:{}", hp.host, hp.port);
}

bool validNodeName(const std::string& name) {
  return !name.empty() &&
         name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.-") == std::string::npos;
}

void logLine(std::string_view line) {
  fmt::print(stderr, "outrider-secrets: {}\n", line);
  std::fflush(stderr);
}

}  // namespace

int main(int argc, char** argv) {
  secrets::AgentOptions options;
  HostPort control;
  HostPort admin_listen{"127.0.0.1", 0};
  std::string token_file;
  std::string dir;
  bool oneshot = false;
  std::chrono::nanoseconds oneshot_timeout = std::chrono::seconds(30);
  std::vector<std::string> dns_names;
  std::optional<uint64_t> seed;

  CLI::App app{
      "outrider-secrets: joins outrider-control and keeps an X.509 credential set "
      "(cert.pem, key.pem, bundle.pem) fresh in a folder, swapped atomically"};
  addHostPort(app, "--control", control, PortZero::Refused, "outrider-control's gRPC address")
      ->required();
  app.add_option("--token-file", token_file, "File holding the join token (read once)")
      ->required()
      ->check(CLI::ExistingFile);
  app.add_option("--dir", dir, "Folder the credential set is written into")->required();
  addHostPort(app, "--admin", admin_listen, PortZero::Allowed,
              "Admin listener: /ready, /live, /metrics (default 127.0.0.1:0)");
  app.add_flag("--oneshot", oneshot, "Fetch one valid set, write it and exit (init container)");
  addDuration(app, "--oneshot-timeout", oneshot_timeout,
              "With --oneshot: exit 1 when no set is written within this time");
  app.add_option("--dns-name", dns_names,
                 "DNS SAN to ask for; repeatable (default localhost; 127.0.0.1 is always there)");
  app.add_option("--node-name", options.node_name, "The name this agent joins as ([a-z0-9.-]+)")
      ->capture_default_str();
  app.add_option("--rotate-fraction", options.policy.rotate_fraction,
                 "Rotate when this fraction of the lifetime has passed")
      ->check(CLI::Range(0.01, 0.99))
      ->capture_default_str();
  app.add_option("--rotate-jitter", options.policy.jitter,
                 "Uniform jitter of the rotation point, a fraction of the lifetime")
      ->check(CLI::Range(0.0, 0.5))
      ->capture_default_str();
  addDuration(app, "--backoff-min", options.policy.backoff_min,
              "Back-off base: retry n waits U(0, min(max, base*2^n))");
  addDuration(app, "--backoff-max", options.policy.backoff_max, "Back-off cap");
  app.add_option("--degraded-below", options.policy.degraded_below,
                 "Degraded while less than this fraction of the lifetime is left")
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  addDuration(app, "--fetch-timeout", options.fetch_timeout,
              "A join or a new call's first message later than this counts as "
              "DEADLINE_EXCEEDED");
  app.add_option("--seed", seed, "Seed of the rotation and retry jitter (default random)");
  bool no_chain_check = false;
  app.add_flag("--no-chain-check", no_chain_check,
               "Write sets whose certificate does not chain to their bundle, as fetchers "
               "without this check do (to compare them in a cert-wrong-ca game day)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : exit_code::Usage;
  }
  if (no_chain_check) {
    options.chain_check = secrets::ChainCheck::None;
  }

  if (!validNodeName(options.node_name)) {
    fmt::print(stderr, "outrider-secrets: --node-name: '{}' is not [a-z0-9.-]+\n",
               options.node_name);
    return exit_code::Usage;
  }
  if (options.policy.rotate_fraction - options.policy.jitter <= 0 ||
      options.policy.rotate_fraction + options.policy.jitter >= 1) {
    fmt::print(stderr,
               "outrider-secrets: --rotate-fraction +/- --rotate-jitter must lie inside "
               "(0, 1)\n");
    return exit_code::Usage;
  }
  if (options.policy.backoff_max < options.policy.backoff_min) {
    fmt::print(stderr, "outrider-secrets: --backoff-max is below --backoff-min\n");
    return exit_code::Usage;
  }
  {
    std::ifstream file(token_file);
    std::stringstream text;
    text << file.rdbuf();
    options.token = text.str();
    const auto end = options.token.find_last_not_of(" \t\r\n");
    options.token.erase(end == std::string::npos ? 0 : end + 1);
    if (!file || options.token.empty()) {
      fmt::print(stderr, "outrider-secrets: --token-file {}: no token in it\n", token_file);
      return exit_code::Usage;
    }
  }
  options.control = hostPortText(control);
  options.dir = dir;
  if (!dns_names.empty()) {
    options.dns_names = dns_names;
  }
  // The one place real time and real randomness enter.
  options.seed =
      seed ? *seed : (static_cast<uint64_t>(std::random_device{}()) << 32) ^ std::random_device{}();
  // The clock-skew fault shifts the wall: validity checks and the rotation point follow it.
  const auto program_clock = exe::programClock("outrider-secrets");
  if (!program_clock) {
    return exit_code::Usage;
  }
  const Clock& clock = *program_clock;

  asio::io_context io;
  secrets::SecretsMetrics metrics;
  auto agent = secrets::Agent::create(io.get_executor(), clock, options, metrics, logLine);
  if (!agent) {
    fmt::print(stderr, "outrider-secrets: {}\n", agent.error().message);
    return exitCodeFor(agent.error().code);
  }
  admin::AdminOptions admin_options;
  admin_options.listen = admin_listen;
  auto admin = admin::AdminServer::create(io.get_executor(), clock, admin_options);
  if (!admin) {
    fmt::print(stderr, "outrider-secrets: --admin: {}\n", admin.error().message);
    return exit_code::Harness;
  }
  secrets::Agent& the_agent = **agent;
  (*admin)->route("GET", "/live", [](const admin::AdminRequest&) {
    return admin::AdminReply{200, "text/plain", "live\n"};
  });
  (*admin)->route("GET", "/ready", [&the_agent](const admin::AdminRequest&) {
    return admin::AdminReply{the_agent.ready() ? 200U : 503U, "text/plain",
                             the_agent.describe() + "\n"};
  });
  (*admin)->route("GET", "/metrics", [&the_agent, &metrics](const admin::AdminRequest&) {
    the_agent.refreshGauges();
    return admin::AdminReply{200, "text/plain; version=0.0.4", metrics.serialize()};
  });

  int exit_status = exit_code::Pass;
  auto shut_down = [&] {
    the_agent.stop();
    (*admin)->stop();
    io.stop();
  };
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (!ec) {
      logLine(fmt::format("signal {}: stopping", signal));
      shut_down();
    }
  });
  if (oneshot) {
    the_agent.onSetWritten([&](const secrets::SetInfo&) {
      logLine("--oneshot: a set is written; exiting 0");
      shut_down();
    });
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          const bool fired = co_await sleepFor(clock, oneshot_timeout);
          if (fired) {
            logLine(fmt::format("--oneshot: no set within {}; exiting 1",
                                formatDuration(oneshot_timeout)));
            exit_status = exit_code::Fail;
            shut_down();
          }
        },
        asio::detached);
  }

  logLine(fmt::format("seed {}, control {}, dir {}", options.seed, options.control, dir));
  (*admin)->start();
  the_agent.start();  // ready from the set on disk, if valid, before the control plane answers
  fmt::print("outrider-secrets admin={}\n", formatEndpoint((*admin)->endpoint()));
  std::fflush(stdout);
  io.run();
  signals.cancel();
  agent->reset();
  return exit_status;
}
