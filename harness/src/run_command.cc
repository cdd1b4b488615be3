// `outrider run`: one game day. Links first, then the pod in its start order, then open-loop
// load for the scenario's duration, then the pod's stop order; the journal records all of it.
#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <future>
#include <iostream>
#include <map>
#include <thread>

#include "outrider/common/exit_codes.h"
#include "outrider/common/splitmix.h"
#include "outrider/common/time_format.h"
#include "outrider/common/timer.h"
#include "outrider/common/units.h"
#include "outrider/faults/host/cgroups.h"
#include "outrider/faults/host/faketime.h"
#include "outrider/faults/link_proxy.h"
#include "outrider/faults/plan.h"
#include "outrider/harness/cardinality.h"
#include "outrider/harness/cleanup.h"
#include "outrider/harness/commands.h"
#include "outrider/harness/fault_executor.h"
#include "outrider/harness/fault_records.h"
#include "outrider/harness/journal_assembly.h"
#include "outrider/harness/judgement.h"
#include "outrider/harness/leases.h"
#include "outrider/harness/live_view.h"
#include "outrider/harness/load_generator.h"
#include "outrider/harness/memory_growth.h"
#include "outrider/harness/pod_cgroups.h"
#include "outrider/harness/privilege_audit.h"
#include "outrider/harness/progress.h"
#include "outrider/harness/restart_blip.h"
#include "outrider/harness/run_as.h"
#include "outrider/harness/run_folder.h"
#include "outrider/harness/run_summary.h"
#include "outrider/harness/run_telemetry.h"
#include "outrider/harness/scenario_source.h"
#include "outrider/harness/supervisor.h"
#include "outrider/harness/supervisor_pod_control.h"
#include "outrider/reports/journal.h"
#include "outrider/scenarios/placeholders.h"

namespace outrider::harness {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using std::chrono::nanoseconds;

namespace {

// The [load] path draws' stream of the run seed ("path" in ASCII).
constexpr uint64_t PathSeedStream = 0x70617468;

std::string sha256Hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += fmt::format("{:02x}", digest[i]);
  }
  return hex;
}

double seconds(nanoseconds d) { return toSeconds(d); }

// Everything one run owns, and its orchestration: links, pod, load and faults started and
// stopped in order; the records go to journal_assembly, the live view to LiveView, the files
// to run_folder and the last words to run_summary. Lives on the main thread's io_context; the
// links and the load generator each get their own io_context and thread so a slow pod cannot
// slow the measurement.
class GameDay {
 public:
  GameDay(const Environment& env, scenarios::Scenario scenario, uint64_t seed, std::string run_dir,
          Progress& progress, bool print_summary)
      : print_summary_(print_summary),
        env_(env),
        scenario_(std::move(scenario)),
        seed_(seed),
        run_dir_(std::move(run_dir)),
        view_(progress, scenario_),
        signals_(main_ctx_, SIGINT, SIGTERM),
        tick_timer_(env_.clock.createTimer(main_ctx_.get_executor())),
        load_done_(env_.clock.createTimer(main_ctx_.get_executor())) {}

  ~GameDay() {
    // The executor's callbacks write into members declared before it: end them first.
    if (fault_executor_) {
      fault_executor_->stop();
      fault_executor_.reset();
    }
    links_work_.reset();
    links_ctx_.stop();
    if (links_thread_.joinable()) {
      links_thread_.join();
    }
    load_ctx_.stop();
    if (load_thread_.joinable()) {
      load_thread_.join();
    }
  }

  int run() {
    journal_.scenario_name = scenario_.name;
    journal_.scenario_file = scenario_.file;
    journal_.scenario_sha256 = sha256Hex(scenario_.contents);
    journal_.variant = scenario_.variant;
    journal_.seed = seed_;
    journal_.started_at = formatUtc(env_.clock.systemNow(), false);
    links_thread_ = std::thread([this] { links_ctx_.run(); });
    watchSignals();
    asio::co_spawn(main_ctx_, main(), [this](std::exception_ptr error) {
      if (error) {
        failHarness("internal error: " + describe(error));
        emergencyStop();
      }
      signals_.cancel();
      main_ctx_.stop();
    });
    try {
      main_ctx_.run();
    } catch (const std::exception& e) {
      // A handler threw (live SLO feed, a callback): record it, end the pod, still write the
      // journal.
      failHarness(std::string("internal error: ") + e.what());
      emergencyStop();
    }
    return finish();
  }

  // Faults reverted and every process killed, synchronously: for paths that cannot wait.
  void emergencyStop() {
    if (fault_executor_) {
      fault_executor_->stop();
    }
    if (generator_) {
      generator_->stop();
    }
    if (supervisor_) {
      supervisor_->killAll();
    }
  }

  static std::string describe(const std::exception_ptr& error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      return e.what();
    } catch (...) {
      return "unknown exception";
    }
  }

 private:
  asio::awaitable<void> main() {
    // Before anything changes the host: what this run holds is written down, so a harness that
    // is SIGKILLed leaves `outrider cleanup` enough to undo it.
    auto leases = LeaseBook::open(runtimeDir(), run_dir_);
    if (!leases) {
      failHarness("leases: " + leases.error().message);
      co_return;
    }
    leases_ = std::move(*leases);
    if (!startLinks()) {
      co_return;
    }
    auto telemetry =
        RunTelemetry::create(scenario_, main_ctx_.get_executor(), env_.clock, {},
                             [this](MonotonicTime at, std::string event, std::string detail) {
                               timeline(at, std::move(event), std::move(detail));
                             });
    if (!telemetry) {
      failHarness(telemetry.error().message);
      co_return;
    }
    telemetry_ = std::move(*telemetry);
    if (!checkHostTools() || !setUpCgroups()) {
      co_return;
    }
    if (cgroups_) {
      telemetry_->setCgroupMemory([this](const std::string& process) -> std::optional<uint64_t> {
        auto* cgroup = cgroups_ ? cgroups_->find(process) : nullptr;
        if (cgroup == nullptr) {
          return std::nullopt;
        }
        auto stats = cgroup->stats();
        if (!stats) {
          return std::nullopt;
        }
        return stats->memory_bytes;
      });
    }
    // The run-folder dirs that processes with `user` write, theirs before they start (run_as.h).
    const std::string absolute_run_dir = fs::absolute(run_dir_).string();
    if (auto made = createRunAsDirs(runAsDirs(scenario_, absolute_run_dir), absolute_run_dir);
        !made) {
      failHarness(made.error().message);
      co_return;
    }
    audit_ = std::make_unique<PrivilegeAudit>(scenario_,
                                              PrivilegeAudit::Paths{"/proc", absolute_run_dir},
                                              static_cast<uint32_t>(::geteuid()));
    SupervisorOptions options;
    for (const auto* spec : scenario_.processes()) {
      options.processes.push_back(*spec);
    }
    options.log_dir = run_dir_ + "/logs";
    if (cgroups_) {
      options.cgroup_procs = cgroups_->procsFiles();
    }
    options.on_event = [this](const ProcessEvent& event) { onProcessEvent(event); };
    auto supervisor = Supervisor::create(main_ctx_.get_executor(), env_.clock, std::move(options));
    if (!supervisor) {
      failHarness(supervisor.error().message);
      co_return;
    }
    supervisor_ = std::move(*supervisor);
    std::map<std::string, faults::LinkProxy*> links;
    for (auto& link : links_) {
      links[link->config().name] = link.get();
    }
    // Admin listeners, where a process has one: the origin of its metrics URL.
    std::map<std::string, Url> admin;
    auto addAdmin = [&admin](const scenarios::ProcessSpec& spec) {
      if (!spec.metrics) {
        return;
      }
      if (auto url = parseUrl(*spec.metrics, {"http"})) {
        admin[spec.name] = *url;
      }
    };
    addAdmin(scenario_.app);
    std::for_each(scenario_.sidecars.begin(), scenario_.sidecars.end(), addAdmin);
    std::for_each(scenario_.services.begin(), scenario_.services.end(), addAdmin);
    pod_control_ = std::make_unique<SupervisorPodControl>(
        *supervisor_, cgroups_.get(),
        HogLauncher{main_ctx_.get_executor(), env_.bin_dir + "/outrider-hog", run_dir_ + "/logs"},
        std::move(admin));
    fault_executor_ = std::make_unique<FaultExecutor>(
        main_ctx_.get_executor(), env_.clock, faults::compilePlan(scenario_, seed_), *pod_control_,
        std::move(links),
        [this](MonotonicTime at, const std::string& event, const std::string& detail) {
          timeline(at, event, detail);
        });

    startup_begin_ = env_.clock.monotonicNow();
    phase_ = Phase::Starting;
    auto started = co_await supervisor_->start();
    // One origin for the load schedule, the fault plan and the journal's times, a moment ahead
    // so the load thread is up before the first request is due.
    t0_ = env_.clock.monotonicNow() + std::chrono::milliseconds(20);
    t0_system_ = env_.clock.systemNow() + std::chrono::milliseconds(20);
    if (!started || interrupted_) {
      failHarness(interrupted_ ? "interrupted during pod start-up"
                               : "the pod did not start: " + started.error().message);
      phase_ = Phase::Stopping;
      co_await supervisor_->stop();
      co_await removeCgroups();
      co_return;
    }
    phase_ = Phase::Running;
    timeline(t0_, "run-start", "pod ready; load begins");
    telemetry_->tick();  // tick 0: the counters ratio SLIs count from
    if (!startLoad()) {
      phase_ = Phase::Stopping;
      co_await supervisor_->stop();
      co_await removeCgroups();
      co_return;
    }
    asio::co_spawn(main_ctx_, fault_executor_->run(t0_), [this](std::exception_ptr error) {
      if (error) {
        // A fault plan that stopped half-way is a harness failure, never a silent pass.
        failHarness("the fault executor failed: " + describe(error));
        fault_executor_->stop();
      }
    });
    co_await tickUntilDone();
    // Revert what is still active (SIGCONT to a paused process) before the pod is stopped.
    fault_executor_->stop();
    phase_ = Phase::Stopping;
    timeline(env_.clock.monotonicNow(), "pod-stop", "stopping the pod: app, sidecars, services");
    co_await supervisor_->stop();
    co_await removeCgroups();
    for (auto& link : links_) {
      link->stop();
    }
  }

  // A clock-skew on a program that is not ours runs it under faketime: a host without it makes
  // the run invalid before anything starts, as one without cgroups does (never a silent pass).
  bool checkHostTools() {
    const auto problem =
        faults::host::faketimeProblem(scenario_, faults::host::faketimeInstalled());
    if (problem) {
      invalid_before_start_.push_back(*problem);
      std::cerr << "outrider: " << *problem << "\n";
      return false;
    }
    return true;
  }

  // Each process in its own cgroup where the host allows it; a scenario with memory_limit or
  // cpu_limit on a host that does not is invalid before anything starts (never a silent pass).
  bool setUpCgroups() {
    const auto host = faults::host::detectHostCgroups();
    const auto decision = decideCgroups(scenario_, host);
    if (decision.invalid_reason) {
      // Before any process starts, so no time of the run to put it at: the reason says it all.
      invalid_before_start_.push_back(*decision.invalid_reason);
      std::cerr << "outrider: " << *decision.invalid_reason << "\n";
      return false;
    }
    if (!decision.use) {
      return true;  // no limits asked for: the processes share the harness's cgroup
    }
    const std::string group = "outrider-" + std::to_string(::getpid());
    for (const auto& dir : {host->memory_dir, host->cpu_dir}) {
      auto id = leases_->holdCgroup(dir + "/" + group);
      if (!id) {
        failHarness("leases: " + id.error().message);
        return false;
      }
      if (std::find(cgroup_leases_.begin(), cgroup_leases_.end(), *id) == cgroup_leases_.end()) {
        cgroup_leases_.push_back(*id);
      }
    }
    auto cgroups =
        PodCgroups::create(faults::host::hostCgroupFiles(), *host, group, scenario_.processes());
    if (!cgroups) {
      failHarness("cgroups: " + cgroups.error().message);
      return false;
    }
    cgroups_ = std::move(*cgroups);
    return true;
  }

  asio::awaitable<void> removeCgroups() {
    if (!cgroups_) {
      co_return;
    }
    cgroup_summaries_ = cgroups_->summaries();
    // A straggler that remove() SIGKILLed (a grandchild that left its process group) takes a
    // moment to leave its cgroup: try again for up to 2 s on the clock.
    Result<void> removed = cgroups_->remove();
    auto retry = env_.clock.createTimer(main_ctx_.get_executor());
    for (int attempt = 0; !removed && attempt < 40; ++attempt) {
      retry->expiresAfter(std::chrono::milliseconds(50));
      const bool expired = co_await retry->wait();
      if (!expired) {
        break;
      }
      removed = cgroups_->remove();
    }
    if (!removed) {
      std::cerr << "outrider: warning: cgroups left behind (`outrider cleanup` removes them once "
                   "their processes are gone): "
                << removed.error().message << "\n";
      co_return;  // the leases stay for cleanup
    }
    for (const auto& id : cgroup_leases_) {
      leases_->release(id);
    }
    cgroup_leases_.clear();
  }

  bool startLinks() {
    for (const auto& spec : scenario_.links) {
      auto listen = scenarios::parseHostPort(spec.listen);
      auto to = scenarios::parseHostPort(spec.to);
      if (!listen || !to) {
        failHarness("link " + spec.name + ": " + (!listen ? listen.error() : to.error()).message);
        return false;
      }
      faults::LinkConfig config{spec.name, {listen->host, listen->port}, {to->host, to->port},
                                spec.protocol};
      auto link =
          faults::LinkProxy::create(links_ctx_.get_executor(), env_.clock, std::move(config));
      if (!link) {
        failHarness(link.error().message);
        return false;
      }
      (*link)->start();
      links_.push_back(std::move(*link));
    }
    return true;
  }

  bool startLoad() {
    if (!scenario_.load) {
      return true;  // a pod-only game day: watch the processes for the duration
    }
    const auto& load = *scenario_.load;
    auto target = parseLoadTarget(load.target);
    if (!target) {
      failHarness("load.target: " + target.error().message);
      return false;
    }
    LoadConfig config;
    config.host = target->host;
    config.port = target->port;
    config.path = load.path.empty() ? target->path : load.path;
    // Its own stream of the run's seed: the paths do not move when a fault is added or removed.
    config.path_seed = mixKeys(seed_, PathSeedStream);
    config.method = load.method;
    config.headers = load.headers;
    config.body = load.body;
    config.requests_per_connection = load.requests_per_connection;
    if (load.expect) {
      config.expect =
          ReplyExpectation{load.expect->status, load.expect->headers, load.expect->body_contains};
    }
    if (target->tls) {
      // Without [load.tls] an https target is encrypted but its server is not verified.
      LoadTlsConfig tls;
      if (load.tls) {
        tls.files = {load.tls->cert, load.tls->key, load.tls->ca};
        tls.server_name = load.tls->server_name;
      }
      config.tls = std::move(tls);
    }
    config.rate = load.rate;
    config.connections = load.connections;
    config.warmup = load.warmup;
    config.duration = scenario_.duration;
    config.timeout = load.timeout;
    config.start = t0_;
    config.status_groups = StatusGroups::fromSlos(scenario_.slos);
    if (view_.judgesSeconds()) {
      // Each final second goes to the main thread, where the live engine shows alerts firing.
      config.on_second_final = [this, slos = scenario_.slos](uint64_t second,
                                                             const LoadSecond& counts) {
        asio::post(main_ctx_, [this, second, events = eventsForSecond(slos, counts)] {
          liveSecond(second, events);
        });
      };
    }
    // The pod is ready by now, so certificate files a secret sidecar writes must exist: a
    // missing one fails the run here, naming the file (the sidecar's readiness should wait for
    // its files; validate cannot check them, they may be written only during the run).
    auto generator = LoadGenerator::create(load_ctx_, env_.clock, std::move(config));
    if (!generator) {
      failHarness("load: " + generator.error().message);
      return false;
    }
    generator_ = std::move(*generator);
    // The result comes back through a future; the timer wakes the main loop when it is ready.
    load_result_ = asio::co_spawn(load_ctx_, generator_->run(), asio::use_future);
    load_work_.emplace(load_ctx_.get_executor());
    load_thread_ = std::thread([this] {
      load_ctx_.run();
    });
    timeline(t0_, "load-start",
             fmt::format("{} req/s over {} connections to {}", load.rate, load.connections,
                         load.target));
    if (load.warmup.count() > 0) {
      timeline(t0_ + load.warmup, "warmup-end", "measurement begins");
    }
    return true;
  }

  // Once a second until the duration is over: progress, then wait for the load's last replies.
  asio::awaitable<void> tickUntilDone() {
    const nanoseconds duration = scenario_.duration;
    for (int64_t second = 1;; ++second) {
      auto due = t0_ + std::chrono::seconds(second);
      if (due - t0_ > duration) {
        due = t0_ + duration;
      }
      tick_timer_->expiresAt(due);
      (void)co_await tick_timer_->wait();
      if (interrupted_) {
        break;
      }
      showStatus();
      if (due - t0_ >= duration) {
        break;
      }
      telemetry_->tick();
    }
    if (generator_) {
      if (interrupted_) {
        generator_->stop();
      }
      // The generator ends by itself after the duration plus the last requests' timeout.
      while (load_result_.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
        load_done_->expiresAfter(std::chrono::milliseconds(20));
        (void)co_await load_done_->wait();
        if (interrupted_) {
          generator_->stop();
        }
      }
      timeline(env_.clock.monotonicNow(), "load-end", "last replies in");
    }
    // The last scrape and sample, once the last replies are in.
    co_await telemetry_->finish();
  }

  // The live view's alerts: seconds as they become final; the journal's alerts come from
  // judgeRun over the same seconds (live_alerts.h).
  void liveSecond(uint64_t second, const std::vector<slo::EventCounts>& events) {
    std::vector<slo::EventCounts> counted = events;
    telemetry_->fillLiveEvents(second, counted);  // ratio SLOs count their source's metrics
    view_.second(second, counted);
  }

  void showStatus() {
    ProgressStatus status;
    status.elapsed_s = seconds(env_.clock.monotonicNow() - t0_);
    status.duration_s = seconds(scenario_.duration);
    if (generator_) {
      auto snapshot = generator_->snapshot();
      status.rps = snapshot.current_rps;
      status.errors = snapshot.errors;
    }
    if (fault_executor_) {
      for (const auto& name : fault_executor_->activeNames()) {
        status.faults += (status.faults.empty() ? "" : ", ") + name;
      }
    }
    view_.status(status);
  }

  void watchSignals() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) {
        return;
      }
      if (interrupted_) {
        // A second Ctrl-C: no more grace for anyone.
        if (supervisor_) {
          supervisor_->killAll();
        }
        return;
      }
      interrupted_ = true;
      failHarness(fmt::format("interrupted by {}", signalName(signo)));
      timeline(env_.clock.monotonicNow(), "interrupted", signalName(signo));
      tick_timer_->cancel();
      if (fault_executor_) {
        fault_executor_->stop();  // SIGCONT and link faults off before anything else
      }
      if (phase_ == Phase::Starting && supervisor_) {
        // start() may be waiting on a slow probe: end the processes so it returns now.
        supervisor_->killAll();
      }
      if (generator_) {
        generator_->stop();
      }
      watchSignals();
    });
  }

  void onProcessEvent(const ProcessEvent& event) {
    if (event.kind == ProcessEventKind::Started) {
      pids_[event.name].push_back(static_cast<int>(event.pid));
      // Each pod process leads its own group: a harness killed now leaves cleanup the group
      // (a stopped grandchild in it, say). Written as soon as the pid is known.
      auto id = leases_->holdProcessGroup(event.name, event.pid);
      if (id) {
        group_leases_[event.pid] = *id;
      } else {
        std::cerr << "outrider: warning: " << id.error().message << "\n";
      }
    } else if (event.kind == ProcessEventKind::Exited) {
      if (auto held = group_leases_.find(event.pid); held != group_leases_.end()) {
        leases_->release(held->second);
        group_leases_.erase(held);
      }
    }
    if (event.kind == ProcessEventKind::Ready && audit_ && event.pid > 0) {
      // F6: each incarnation once it is ready, while it runs (its /proc entry is there).
      audit_->auditProcess(event.name, event.pid);
    }
    if (fault_executor_) {
      fault_executor_->onProcessEvent(event);
    }
    if (telemetry_) {
      telemetry_->onProcessEvent(event);
    }
    timeline(event.at, toString(event.kind),
             event.name + (event.detail.empty() ? "" : ": " + event.detail));
    view_.processEvent(relative(event.at), event, inStartup());
  }

  // Times before t0 (pod start-up) are kept as monotonic stamps and made relative at the end.
  void timeline(MonotonicTime at, std::string event, std::string detail) {
    view_.timelineEvent(relative(at), event, detail, inStartup());
    pending_timeline_.push_back({at, std::move(event), std::move(detail)});
  }

  bool inStartup() const { return phase_ == Phase::Starting || phase_ == Phase::Setup; }

  double relative(MonotonicTime at) const {
    // Before t0 is known (during start-up), times count from the start-up's beginning.
    return seconds(at - (inStartup() ? startup_begin_ : t0_));
  }

  void failHarness(std::string message) {
    if (journal_.harness_error.empty()) {
      journal_.harness_error = std::move(message);
    }
  }

  int finish() {
    view_.finish();
    journal_.duration_s = seconds(scenario_.duration);
    if (interrupted_ && phase_ != Phase::Setup && t0_ != MonotonicTime{}) {
      // An interrupted run covered less than planned: say how much.
      journal_.duration_s =
          std::clamp(seconds(env_.clock.monotonicNow() - t0_), 0.0, journal_.duration_s);
    }
    journal_.startup_s = seconds(t0_ - startup_begin_);
    if (supervisor_) {
      recordProcesses(journal_, supervisor_->records(), pids_, t0_);
      recordCgroups(journal_, scenario_.processes(), cgroup_summaries_);
    }
    for (const auto& link : links_) {
      journal_.links.push_back(linkRecord(link->config(), link->stats()));
    }
    std::optional<LoadResult> load_result;
    if (generator_ && load_result_.valid() &&
        load_result_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      try {
        load_result = load_result_.get();
      } catch (const std::exception& e) {
        failHarness(std::string("the load generator failed: ") + e.what());
      }
    }
    LoadTrust load_trust;
    if (load_result) {
      recordLoad(journal_, *scenario_.load, scenario_.duration, *load_result);
      load_trust = assessLoad(load_result->counts);
    }
    std::vector<std::string> invalid_reasons = invalid_before_start_;
    if (!journal_.harness_error.empty()) {
      invalid_reasons.push_back("harness error: " + journal_.harness_error);
    }
    if (fault_executor_) {
      const auto outcomes = fault_executor_->outcomes();
      auto faults = faultRecords(outcomes, t0_, !interrupted_ && journal_.harness_error.empty());
      journal_.faults = std::move(faults.records);
      if (load_result) {
        // A pod restart's failures are its blip, said so in its record.
        attributeBlips(journal_.faults, outcomes, t0_, generator_->schedule(), *load_result,
                       scenario_.load->timeout);
      }
      invalid_reasons.insert(invalid_reasons.end(), faults.invalid_reasons.begin(),
                             faults.invalid_reasons.end());
      addLoadCertificateEvidence(journal_, t0_system_);
    }
    if (load_trust.invalid_reason) {
      invalid_reasons.push_back(*load_trust.invalid_reason);
    }
    if (audit_ && supervisor_) {
      // F6: the key files and the logs, now that every process has written its last line.
      audit_->auditFiles();
      journal_.audit = audit_->records();
    }
    std::vector<reports::TimelineEvent> alert_events;
    int exit_code =
        judge(load_result ? *load_result : LoadResult{}, std::move(invalid_reasons), alert_events);
    if (telemetry_) {
      const auto seconds_in_run = static_cast<size_t>(std::ceil(toSeconds(scenario_.duration)));
      const auto first_measured =
          static_cast<size_t>(scenario_.load ? std::floor(toSeconds(scenario_.load->warmup)) : 0.0);
      telemetry_->fillJournal(journal_, t0_, seconds_in_run, first_measured,
                              load_result ? &load_result->counts : nullptr);
    }
    if (!journal_.harness_error.empty()) {
      exit_code = exit_code::Harness;  // spec/cli.md: a harness error is 3, whatever the SLOs said
    }
    recordTimeline(journal_, pending_timeline_, t0_, alert_events);
    auto written = writeRunFolder(journal_, run_dir_);
    if (!written) {
      std::cerr << "outrider: " << written.error().message << "\n";
      return exit_code::Harness;
    }
    for (const auto& path : *written) {
      std::cerr << "outrider: cannot write " << path << "\n";
    }
    if (print_summary_) {
      printSummary(std::cout, std::cerr, journal_,
                   SummaryContext{run_dir_, scenario_.load && generator_, load_trust});
    }
    return exit_code;
  }

  // The verdict: SLOs from the measured seconds, alerts, findings, and the gate's exit code.
  int judge(const LoadResult& load, std::vector<std::string> invalid_reasons,
            std::vector<reports::TimelineEvent>& alert_events) {
    RatioSeconds counted = telemetry_ ? telemetry_->ratioSeconds() : RatioSeconds{};
    if (supervisor_) {
      const auto seconds_in_run = static_cast<size_t>(std::ceil(toSeconds(scenario_.duration)));
      counted.merge(uptimeSeconds(scenario_.slos, supervisor_->records(), t0_, seconds_in_run));
    }
    auto judged = judgeRun(scenario_, load, std::move(invalid_reasons), counted);
    if (!judged) {
      failHarness("SLO evaluation: " + judged.error().message);
      journal_.verdict = "invalid";
      return exit_code::Harness;
    }
    if (telemetry_) {
      // F8: the leak findings, from each process's memory slope over the measured span.
      const auto first_measured =
          static_cast<size_t>(scenario_.load ? std::floor(toSeconds(scenario_.load->warmup)) : 0.0);
      for (const auto& [process, growth] : telemetry_->memoryGrowth(first_measured)) {
        if (auto finding = leakFinding(scenario_.gate, process, growth)) {
          slo::addRunFinding(judged->judgement, std::move(*finding));
        }
      }
      // F5: the cardinality findings, from each scraped process's series counts.
      for (const auto& [process, trend] : telemetry_->seriesTrends(first_measured)) {
        if (auto finding = cardinalityFinding(scenario_.gate, process, trend)) {
          slo::addRunFinding(judged->judgement, std::move(*finding));
        }
      }
    }
    if (audit_ && supervisor_) {
      // F6: high and medium audit entries are findings; low ones stay in audit[] only.
      for (auto& finding : audit_->findings(scenario_.gate)) {
        slo::addRunFinding(judged->judgement, std::move(finding));
      }
    }
    for (const auto& warning : judged->warnings) {
      std::cerr << "outrider: warning: " << warning << "\n";
    }
    alert_events = recordJudgement(journal_, scenario_, *judged);
    return slo::exitCodeFor(judged->judgement.verdict);
  }

  enum class Phase { Setup, Starting, Running, Stopping };

  bool print_summary_ = true;
  const Environment& env_;
  scenarios::Scenario scenario_;
  uint64_t seed_;
  std::string run_dir_;
  LiveView view_;

  asio::io_context main_ctx_;
  asio::io_context links_ctx_;
  asio::executor_work_guard<asio::io_context::executor_type> links_work_{
      links_ctx_.get_executor()};
  std::thread links_thread_;
  asio::io_context load_ctx_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> load_work_;
  std::thread load_thread_;
  asio::signal_set signals_;
  TimerPtr tick_timer_;
  TimerPtr load_done_;

  std::unique_ptr<LeaseBook> leases_;  // outlives everything it records
  std::vector<std::string> cgroup_leases_;
  std::map<std::string, PodCgroups::Summary> cgroup_summaries_;  // as they were before removal
  std::map<pid_t, std::string> group_leases_;
  std::vector<faults::LinkProxyPtr> links_;
  std::unique_ptr<PodCgroups> cgroups_;  // destroyed after the supervisor and its processes
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<LoadGenerator> generator_;
  std::unique_ptr<SupervisorPodControl> pod_control_;  // before the executor that uses it
  std::unique_ptr<FaultExecutor> fault_executor_;
  std::unique_ptr<RunTelemetry> telemetry_;
  std::unique_ptr<PrivilegeAudit> audit_;
  std::vector<std::string> invalid_before_start_;
  std::future<LoadResult> load_result_;

  Phase phase_ = Phase::Setup;
  bool interrupted_ = false;
  MonotonicTime startup_begin_{};
  MonotonicTime t0_{};
  SystemTime t0_system_{};  // t0 on the wall clock: certificates' NotAfter in run seconds
  std::vector<PendingEvent> pending_timeline_;
  std::map<std::string, std::vector<int>> pids_;
  reports::Journal journal_;
};

}  // namespace

int runCommand(const RunOptions& options, const Environment& env) {
  auto scenario = loadScenarioReporting(options.scenario_path, std::cerr);
  if (!scenario) {
    return exit_code::Usage;
  }
  if (!options.variant.empty()) {
    if (auto applied = scenarios::applyVariant(*scenario, options.variant); !applied) {
      std::cerr << "outrider: " << applied.error().message << "\n";
      return exit_code::Usage;
    }
  }
  // user/group need root: refused before anything is created, as an unsatisfiable runAsUser is.
  if (auto refusal = runAsRefusal(*scenario, ::geteuid(), ::getegid())) {
    std::cerr << "outrider: " << *refusal << "\n";
    return exit_code::Usage;
  }
  // What a killed run left behind would skew this one (its processes hold ports and CPU).
  const CleanupReport cleaned = cleanUpStaleRuns(env.clock, CleanupOptions{runtimeDir()});
  for (const auto& line : cleaned.done) {
    std::cerr << "outrider: cleaned up: " << line << "\n";
  }
  for (const auto& line : cleaned.failed) {
    std::cerr << "outrider: warning: could not clean up: " << line << "\n";
  }
  const uint64_t seed = chooseSeed(options.seed, *scenario, env.drawn_seed);
  auto folder = createRunFolder(options.out_dir, scenario->name, env.clock.systemNow());
  if (!folder) {
    std::cerr << "outrider: " << folder.error().message << "\n";
    return exit_code::Harness;
  }
  const std::string run_dir = *folder;
  scenarios::PlaceholderContext context;
  context.bin = env.bin_dir;
  context.scenario_dir = fs::absolute(options.scenario_path).parent_path().string();
  context.run_dir = fs::absolute(run_dir).string();
  auto resolved = resolveScenario(*scenario, context, std::cerr);
  if (!resolved.scenario) {
    return resolved.exit_code;
  }
  Progress progress(std::cout, options.quiet      ? Progress::Mode::Quiet
                               : env.terminal ? Progress::Mode::Terminal
                                              : Progress::Mode::Plain);
  progress.event(0, fmt::format("run {} (seed {}) -> {}", scenario->name, seed, run_dir));
  GameDay day(env, std::move(*resolved.scenario), seed, run_dir, progress, options.summary);
  return day.run();
}

}  // namespace outrider::harness
