// `outrider run`: one game day. Links first, then the pod in its start order, then open-loop
// load for the scenario's duration, then the pod's stop order; the journal records all of it.
#include <openssl/evp.h>

#include <algorithm>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <fmt/format.h>

#include "outrider/common/exit_codes.h"
#include "outrider/common/time_format.h"
#include "outrider/common/timer.h"
#include "outrider/common/units.h"
#include "outrider/faults/link_proxy.h"
#include "outrider/faults/plan.h"
#include "outrider/harness/commands.h"
#include "outrider/harness/fault_executor.h"
#include "outrider/harness/fault_records.h"
#include "outrider/harness/live_alerts.h"
#include "outrider/harness/supervisor_pod_control.h"
#include "outrider/harness/judgement.h"
#include "outrider/harness/load_generator.h"
#include "outrider/harness/progress.h"
#include "outrider/harness/run_telemetry.h"
#include "outrider/harness/scenario_source.h"
#include "outrider/harness/supervisor.h"
#include "outrider/reports/journal.h"
#include "outrider/reports/html_report.h"
#include "outrider/reports/junit_report.h"
#include "outrider/reports/markdown_report.h"
#include "outrider/reports/postmortem.h"
#include "outrider/scenarios/placeholders.h"

namespace outrider::harness {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using std::chrono::nanoseconds;

namespace {

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

reports::LatencySummary toJournal(const LatencySummary& s) {
  return reports::LatencySummary{s.p50_ms, s.p90_ms, s.p99_ms, s.p999_ms, s.max_ms, s.mean_ms};
}

// Everything one run owns. Lives on the main thread's io_context; the links and the load
// generator each get their own io_context and thread so a slow pod cannot slow the measurement.
class GameDay {
 public:
  GameDay(const Environment& env, scenarios::Scenario scenario, uint64_t seed, std::string run_dir,
          Progress& progress)
      : env_(env),
        scenario_(std::move(scenario)),
        seed_(seed),
        run_dir_(std::move(run_dir)),
        progress_(progress),
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
    journal_.seed = seed_;
    journal_.started_at = formatUtc(env_.clock.systemNow(), false);
    for (const auto* process : scenario_.processes()) {
      if (process->memory_limit_bytes || process->cpu_limit_cores) {
        // Said out loud rather than pretended: limits need cgroups, which this version lacks.
        std::cerr << "outrider: warning: " << process->name
                  << ": memory_limit and cpu_limit are not enforced by this version\n";
      }
    }
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
    SupervisorOptions options;
    for (const auto* spec : scenario_.processes()) {
      options.processes.push_back(*spec);
    }
    options.log_dir = run_dir_ + "/logs";
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
    pod_control_ = std::make_unique<SupervisorPodControl>(*supervisor_);
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
    if (!started || interrupted_) {
      failHarness(interrupted_ ? "interrupted during pod start-up"
                               : "the pod did not start: " + started.error().message);
      phase_ = Phase::Stopping;
      co_await supervisor_->stop();
      co_return;
    }
    phase_ = Phase::Running;
    timeline(t0_, "run-start", "pod ready; load begins");
    telemetry_->tick();  // tick 0: the counters ratio SLIs count from
    if (!startLoad()) {
      phase_ = Phase::Stopping;
      co_await supervisor_->stop();
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
    for (auto& link : links_) {
      link->stop();
    }
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
      auto link = faults::LinkProxy::create(links_ctx_.get_executor(), env_.clock,
                                            std::move(config));
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
    config.path = target->path;
    config.method = load.method;
    config.headers = load.headers;
    config.body = load.body;
    config.rate = load.rate;
    config.connections = load.connections;
    config.warmup = load.warmup;
    config.duration = scenario_.duration;
    config.timeout = load.timeout;
    config.start = t0_;
    live_alerts_ = LiveAlerts::create(scenario_);
    if (live_alerts_) {
      // Each final second goes to the main thread, where the live engine shows alerts firing.
      config.on_second_final = [this, slos = scenario_.slos](uint64_t second,
                                                             const LoadSecond& counts) {
        asio::post(main_ctx_, [this, second, events = eventsForSecond(slos, counts)] {
          liveSecond(second, events);
        });
      };
    }
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
    for (const auto& line : live_alerts_->addSecond(second, counted)) {
      progress_.event(line.at_s, line.text);
    }
    firing_ = live_alerts_->firing();
  }

  void showStatus() {
    ProgressStatus status;
    status.alerts = firing_;
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
    progress_.status(status);
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
    }
    if (fault_executor_) {
      fault_executor_->onProcessEvent(event);
    }
    if (telemetry_) {
      telemetry_->onProcessEvent(event);
    }
    std::string what = fmt::format("{} {}", toString(event.kind), event.name);
    if (!event.detail.empty()) {
      what += ": " + event.detail;
    }
    timeline(event.at, toString(event.kind), event.name + (event.detail.empty() ? "" : ": " +
                                                                                      event.detail));
    progress_.event(relative(event.at), what, inStartup());
  }

  // Times before t0 (pod start-up) are kept as monotonic stamps and made relative at the end.
  void timeline(MonotonicTime at, std::string event, std::string detail) {
    // Process events print themselves with more detail (onProcessEvent); the run's own do here.
    const bool own = event == "run-start" || event == "load-start" || event == "warmup-end" ||
                     event == "load-end" || event == "pod-stop" || event == "fault-start" ||
                     event == "fault-end";
    if (own) {
      progress_.event(relative(at), event + " " + detail, inStartup());
    }
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
    progress_.finish();
    journal_.duration_s = seconds(scenario_.duration);
    if (interrupted_ && phase_ != Phase::Setup && t0_ != MonotonicTime{}) {
      // An interrupted run covered less than planned: say how much.
      journal_.duration_s =
          std::clamp(seconds(env_.clock.monotonicNow() - t0_), 0.0, journal_.duration_s);
    }
    journal_.startup_s = seconds(t0_ - startup_begin_);
    if (supervisor_) {
      for (const auto& record : supervisor_->records()) {
        reports::ProcessRecord out;
        out.name = record.name;
        out.role = scenarios::toString(record.role);
        out.starts = record.starts;
        out.restarts = record.restarts;
        for (const auto& exit : record.exits) {
          out.exits.push_back({seconds(exit.at - t0_), exit.code, exit.signal});
        }
        for (auto at : record.ready_at) {
          out.ready_at_s.push_back(seconds(at - t0_));
        }
        out.log = "logs/" + record.name + ".log";
        out.pids = pids_[record.name];
        journal_.processes.push_back(std::move(out));
      }
    }
    for (const auto& link : links_) {
      auto stats = link->stats();
      const auto& config = link->config();
      journal_.links.push_back(reports::LinkRecord{
          config.name, fmt::format("{}:{}", config.listen.host, config.listen.port),
          fmt::format("{}:{}", config.to.host, config.to.port), stats.accepted,
          stats.connect_errors, stats.bytes_upstream, stats.bytes_downstream});
    }
    bool behind_schedule = false;
    std::optional<LoadResult> load_result;
    if (generator_ && load_result_.valid() &&
        load_result_.wait_for(std::chrono::seconds(0)) == std::future_status::ready) {
      try {
        load_result = load_result_.get();
      } catch (const std::exception& e) {
        failHarness(std::string("the load generator failed: ") + e.what());
      }
    }
    if (load_result) {
      const LoadResult& result = *load_result;
      fillLoad(result);
      const auto& c = result.counts;
      // spec: invalid when the generator fell behind its schedule by more than 1% of requests.
      // Only its own stalls count (stalled_dispatch: noticed over 10 ms late, its loop or CPU
      // starved). Requests that waited for a busy connection are the target's slowness: they
      // stay in late and not_sent and count against availability, but they do not make the
      // measurement untrustworthy.
      behind_schedule = c.scheduled > 0 && static_cast<double>(c.stalled_dispatch) >
                                               0.01 * static_cast<double>(c.scheduled);
      connections_saturated_ = c.scheduled > 0 && static_cast<double>(c.not_sent) >
                                                      0.01 * static_cast<double>(c.scheduled);
    }
    std::vector<std::string> invalid_reasons;
    if (!journal_.harness_error.empty()) {
      invalid_reasons.push_back("harness error: " + journal_.harness_error);
    }
    if (fault_executor_) {
      auto faults = faultRecords(fault_executor_->outcomes(), t0_,
                                 !interrupted_ && journal_.harness_error.empty());
      journal_.faults = std::move(faults.records);
      invalid_reasons.insert(invalid_reasons.end(), faults.invalid_reasons.begin(),
                             faults.invalid_reasons.end());
    }
    if (behind_schedule) {
      invalid_reasons.push_back(fmt::format(
          "the load generator fell behind its schedule: it noticed {} of {} requests more than "
          "10 ms late (its own thread was starved)",
          load_result->counts.stalled_dispatch, load_result->counts.scheduled));
    }
    int exit_code = judge(load_result ? *load_result : LoadResult{}, std::move(invalid_reasons));
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
    for (const auto& entry : pending_timeline_) {
      journal_.timeline.push_back({seconds(entry.at - t0_), entry.event, entry.detail});
    }
    std::stable_sort(journal_.timeline.begin(), journal_.timeline.end(),
                     [](const auto& a, const auto& b) { return a.at_s < b.at_s; });
    if (auto written = reports::writeJournal(journal_, run_dir_); !written) {
      std::cerr << "outrider: " << written.error().message << "\n";
      return exit_code::Harness;
    }
    writeRenderings();
    printSummary(behind_schedule);
    return exit_code;
  }

  // The verdict: SLOs from the measured seconds, alerts, findings, and the gate's exit code.
  int judge(const LoadResult& load, std::vector<std::string> invalid_reasons) {
    auto judged = judgeRun(scenario_, load, std::move(invalid_reasons),
                           telemetry_ ? telemetry_->ratioSeconds() : RatioSeconds{});
    if (!judged) {
      failHarness("SLO evaluation: " + judged.error().message);
      journal_.verdict = "invalid";
      return exit_code::Harness;
    }
    for (const auto& warning : judged->warnings) {
      std::cerr << "outrider: warning: " << warning << "\n";
    }
    std::map<std::string, std::string> slo_verdicts;
    for (const auto& v : judged->judgement.slos) {
      slo_verdicts[v.slo] = slo::toString(v.verdict);
    }
    for (const auto& report : judged->reports) {
      reports::SloRecord record;
      record.name = report.name;
      const auto* spec = findSlo(report.name);
      record.sli = spec ? scenarios::toString(spec->sli) : "";
      if (spec && spec->threshold) {
        record.threshold_ms = toSeconds(*spec->threshold) * 1000.0;
      }
      record.objective = report.objective;
      record.period_s = report.period_s;
      record.good = report.good;
      record.total = report.total;
      record.measured = report.measured;
      record.met = report.met;
      record.budget_consumed = report.budget_consumed;
      record.verdict = slo_verdicts[report.name];
      journal_.slos.push_back(std::move(record));
    }
    for (const auto& alert : judged->alerts) {
      reports::AlertRecord record{alert.slo,        alert.severity,  alert.long_s,
                                  alert.short_s,    alert.factor,    alert.fired_at_s,
                                  alert.resolved_at_s, "",            std::nullopt};
      // The fault that most recently began before the alert fired is its likely cause.
      const reports::FaultRecord* cause = nullptr;
      for (const auto& fault : journal_.faults) {
        if (fault.effective && fault.started_at_s <= alert.fired_at_s &&
            (cause == nullptr || fault.started_at_s > cause->started_at_s)) {
          cause = &fault;
        }
      }
      if (cause != nullptr) {
        record.caused_by = cause->name;
        record.detect_s = alert.fired_at_s - cause->started_at_s;
      }
      journal_.alerts.push_back(std::move(record));
      pending_timeline_.push_back(
          {t0_ + std::chrono::duration_cast<nanoseconds>(
                     std::chrono::duration<double>(alert.fired_at_s)),
           "alert-fired",
           fmt::format("{} {} ({}/{} burn rate above {})", alert.slo, alert.severity,
                       formatDurationSeconds(alert.long_s), formatDurationSeconds(alert.short_s),
                       alert.factor)});
      if (alert.resolved_at_s) {
        pending_timeline_.push_back(
            {t0_ + std::chrono::duration_cast<nanoseconds>(
                       std::chrono::duration<double>(*alert.resolved_at_s)),
             "alert-resolved", fmt::format("{} {}", alert.slo, alert.severity)});
      }
    }
    journal_.series.burn_rate = judged->burn_rate;
    const auto& judgement = judged->judgement;
    journal_.verdict = slo::toString(judgement.verdict);
    journal_.invalid_reasons = judgement.reasons;
    for (const auto& finding : judgement.findings) {
      journal_.findings.push_back(reports::FindingRecord{
          scenarios::toString(finding.kind), finding.slo, finding.detail, finding.fails});
    }
    return slo::exitCodeFor(judgement.verdict);
  }

  const scenarios::Slo* findSlo(const std::string& name) const {
    for (const auto& slo : scenario_.slos) {
      if (slo.name == name) {
        return &slo;
      }
    }
    return nullptr;
  }

  // Every other file of the run folder is rendered from the journal (spec/cli.md).
  void writeRenderings() {
    auto write = [this](const std::string& name, const std::string& text) {
      std::ofstream file(run_dir_ + "/" + name);
      file << text;
      if (!file) {
        std::cerr << "outrider: cannot write " << run_dir_ << "/" << name << "\n";
      }
    };
    write("report.md", reports::renderMarkdown(journal_));
    write("report.html", reports::renderHtml(journal_));
    write("junit.xml", reports::renderJunit(journal_));
    if (reports::wantsPostmortem(journal_)) {
      write("postmortem.md", reports::renderPostmortem(journal_));
    }
  }

  void fillLoad(const LoadResult& result) {
    const auto& load = *scenario_.load;
    auto& out = journal_.load;
    out.target = load.target;
    out.rate = load.rate;
    out.connections = load.connections;
    out.warmup_s = seconds(load.warmup);
    out.timeout_s = seconds(load.timeout);
    const auto& c = result.counts;
    out.scheduled = c.scheduled;
    out.sent = c.sent;
    out.completed = c.completed;
    out.failed = c.failed;
    out.timed_out = c.timed_out;
    out.late = c.late;
    out.not_sent = c.not_sent;
    out.late_dispatch = c.late_dispatch;
    out.stalled_dispatch = c.stalled_dispatch;
    out.status = {{"1xx", c.status_1xx}, {"2xx", c.status_2xx}, {"3xx", c.status_3xx},
                  {"4xx", c.status_4xx}, {"5xx", c.status_5xx}};
    if (c.status_other > 0) {
      out.status["other"] = c.status_other;
    }
    out.latency_ms = toJournal(result.latency_ms);
    out.service_time_ms = toJournal(result.service_time_ms);
    // The series covers the run's duration, one entry a second, from the measured requests.
    const size_t seconds_in_run =
        static_cast<size_t>((scenario_.duration + std::chrono::seconds(1) - nanoseconds(1)) /
                            std::chrono::seconds(1));
    auto& series = journal_.series;
    for (size_t i = 0; i < seconds_in_run; ++i) {
      if (i < result.series.size()) {
        const auto& second = result.series[i];
        auto summary = summarizeLatency(second.latency);
        series.rps.push_back(static_cast<double>(second.counts.completed));
        series.errors.push_back(second.counts.errors());
        series.p50_ms.push_back(summary.p50_ms);
        series.p99_ms.push_back(summary.p99_ms);
      } else {
        series.rps.push_back(0);
        series.errors.push_back(0);
        series.p50_ms.push_back(0);
        series.p99_ms.push_back(0);
      }
    }
  }

  void printSummary(bool behind_schedule) {
    auto& out = std::cout;
    out << fmt::format("\n{}: seed {}, {}\n", journal_.scenario_name, journal_.seed, run_dir_);
    if (!journal_.harness_error.empty()) {
      std::cerr << "outrider: harness error: " << journal_.harness_error << "\n";
    }
    if (scenario_.load && generator_) {
      const auto& l = journal_.load;
      out << fmt::format(
          "  load: {} scheduled, {} completed, {} failed, {} timed out, {} late, {} not sent\n",
          l.scheduled, l.completed, l.failed, l.timed_out, l.late, l.not_sent);
      out << fmt::format("  latency from schedule: p50 {:.3f} ms, p99 {:.3f} ms, max {:.3f} ms\n",
                         l.latency_ms.p50, l.latency_ms.p99, l.latency_ms.max);
      if (behind_schedule) {
        out << "  invalid: the load generator fell behind its schedule by more than 1% of "
               "requests\n";
      }
      if (connections_saturated_) {
        out << fmt::format(
            "  note: {} requests were never sent because all {} connections were busy: the "
            "target was slower than rate / connections allows (they count as failures)\n",
            l.not_sent, l.connections);
      }
    }
    for (const auto& p : journal_.processes) {
      out << fmt::format("  {} {}: {} start(s), {} exit(s)\n", p.role, p.name, p.starts,
                         p.exits.size());
    }
    for (const auto& slo : journal_.slos) {
      out << fmt::format("  slo {}: {:.5f} vs objective {} ({}), budget consumed {:.2f}%\n",
                         slo.name, slo.measured, slo.objective, slo.met ? "met" : "MISSED",
                         100.0 * slo.budget_consumed);
    }
    for (const auto& a : journal_.alerts) {
      out << fmt::format("  alert {} {} fired at {:.1f}s{}\n", a.slo, a.severity, a.fired_at_s,
                         a.detect_s ? fmt::format(", {:.1f}s after {} began", *a.detect_s,
                                                  a.caused_by)
                                    : "");
    }
    if (journal_.verdict) {
      out << fmt::format("  verdict: {}\n", *journal_.verdict);
      for (const auto& reason : journal_.invalid_reasons) {
        out << "    - " << reason << "\n";
      }
      for (const auto& f : journal_.findings) {
        out << fmt::format("    - {} {}: {}{}\n", f.kind, f.slo, f.detail,
                           f.fails ? "" : " (not in fail_on)");
      }
    }
    out << fmt::format("  journal: {}/journal.json\n", run_dir_);
    out.flush();
  }

  enum class Phase { Setup, Starting, Running, Stopping };
  struct PendingEvent {
    MonotonicTime at;
    std::string event;
    std::string detail;
  };

  const Environment& env_;
  scenarios::Scenario scenario_;
  uint64_t seed_;
  std::string run_dir_;
  Progress& progress_;

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

  std::vector<faults::LinkProxyPtr> links_;
  std::unique_ptr<Supervisor> supervisor_;
  std::unique_ptr<LoadGenerator> generator_;
  std::unique_ptr<SupervisorPodControl> pod_control_;  // before the executor that uses it
  std::unique_ptr<FaultExecutor> fault_executor_;
  std::unique_ptr<RunTelemetry> telemetry_;
  std::unique_ptr<LiveAlerts> live_alerts_;
  std::string firing_;
  std::future<LoadResult> load_result_;

  Phase phase_ = Phase::Setup;
  bool interrupted_ = false;
  bool connections_saturated_ = false;
  MonotonicTime startup_begin_{};
  MonotonicTime t0_{};
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
  const uint64_t seed = chooseSeed(options.seed, *scenario, env.drawn_seed);
  std::string run_dir = options.out_dir;
  if (run_dir.empty()) {
    run_dir = "runs/" + scenario->name + "-" + formatUtc(env.clock.systemNow(), true);
    // Two runs in one second must not share a folder.
    const std::string base = run_dir;
    for (int n = 2; fs::exists(run_dir); ++n) {
      run_dir = base + "-" + std::to_string(n);
    }
  }
  std::error_code ec;
  fs::create_directories(fs::path(run_dir) / "logs", ec);
  if (ec) {
    std::cerr << "outrider: cannot create " << run_dir << ": " << ec.message() << "\n";
    return exit_code::Harness;
  }
  auto ports = scenarios::allocatePorts(scenarios::portNames(*scenario));
  if (!ports) {
    std::cerr << "outrider: " << ports.error().message << "\n";
    return exit_code::Harness;
  }
  scenarios::PlaceholderContext context;
  context.bin = env.bin_dir;
  context.scenario_dir = fs::absolute(options.scenario_path).parent_path().string();
  context.run_dir = fs::absolute(run_dir).string();
  context.ports = *ports;
  context.env = processEnvironment();
  auto resolved = scenarios::resolvePlaceholders(*scenario, context);
  if (!resolved) {
    std::cerr << "outrider: " << resolved.error().message << "\n";
    return exit_code::Usage;
  }
  Progress progress(std::cout, options.quiet      ? Progress::Mode::Quiet
                               : env.terminal ? Progress::Mode::Terminal
                                              : Progress::Mode::Plain);
  progress.event(0, fmt::format("run {} (seed {}) -> {}", scenario->name, seed, run_dir));
  GameDay day(env, std::move(*resolved), seed, run_dir, progress);
  return day.run();
}

}  // namespace outrider::harness
