#include "outrider/secrets/agent.h"

#include <fmt/core.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <condition_variable>
#include <mutex>

#include "outrider/common/time_format.h"
#include "outrider/common/timer.h"
#include "outrider/control/v1/control.grpc.pb.h"

namespace outrider::secrets {

namespace asio = boost::asio;
namespace v1 = outrider::control::v1;
using std::chrono::nanoseconds;

std::string grpcCodeName(int code) {
  static const char* const Names[] = {"OK",
                                      "CANCELLED",
                                      "UNKNOWN",
                                      "INVALID_ARGUMENT",
                                      "DEADLINE_EXCEEDED",
                                      "NOT_FOUND",
                                      "ALREADY_EXISTS",
                                      "PERMISSION_DENIED",
                                      "RESOURCE_EXHAUSTED",
                                      "FAILED_PRECONDITION",
                                      "ABORTED",
                                      "OUT_OF_RANGE",
                                      "UNIMPLEMENTED",
                                      "INTERNAL",
                                      "UNAVAILABLE",
                                      "DATA_LOSS",
                                      "UNAUTHENTICATED"};
  if (code >= 0 && code < static_cast<int>(std::size(Names))) {
    return Names[code];
  }
  return "CODE_" + std::to_string(code);
}

namespace {

// The hand-off from gRPC's threads onto the agent's executor. Once closed (the agent is going
// away) posts are dropped, and handlers already queued find it closed and do nothing.
class Mailbox {
 public:
  explicit Mailbox(asio::any_io_executor executor) : executor_(std::move(executor)) {}

  void post(std::function<void()> handler, const std::shared_ptr<Mailbox>& self) {
    std::lock_guard lock(mutex_);
    if (!open_) {
      return;
    }
    asio::post(executor_, [self, handler = std::move(handler)] {
      if (self->isOpen()) {
        handler();
      }
    });
  }
  bool isOpen() {
    std::lock_guard lock(mutex_);
    return open_;
  }
  void close() {
    std::lock_guard lock(mutex_);
    open_ = false;
  }
  void callStarted() {
    std::lock_guard lock(mutex_);
    ++live_calls_;
  }
  void callEnded() {
    std::lock_guard lock(mutex_);
    --live_calls_;
    ended_.notify_all();
  }
  // Bounded: a call gRPC never completes must not hang the shutdown.
  void waitForCalls(nanoseconds cap) {
    std::unique_lock lock(mutex_);
    ended_.wait_for(lock, cap, [this] { return live_calls_ == 0; });
  }

 private:
  asio::any_io_executor executor_;
  std::mutex mutex_;
  std::condition_variable ended_;
  bool open_ = true;
  int live_calls_ = 0;
};

using MailboxPtr = std::shared_ptr<Mailbox>;
using MessageHandler = std::function<void(uint64_t, std::shared_ptr<v1::X509Update>)>;
using DoneHandler = std::function<void(uint64_t, grpc::Status)>;

// One FetchX509 call (gRPC's callback API). It owns itself from start() to OnDone.
class FetchCall final : public grpc::ClientReadReactor<v1::X509Update>,
                        public std::enable_shared_from_this<FetchCall> {
 public:
  FetchCall(uint64_t id, MailboxPtr mailbox, MessageHandler on_message, DoneHandler on_done)
      : id_(id),
        mailbox_(std::move(mailbox)),
        on_message_(std::move(on_message)),
        on_done_(std::move(on_done)) {}

  void start(v1::Control::Stub& stub, const std::string& session,
             const v1::FetchX509Request& request) {
    self_ = shared_from_this();
    mailbox_->callStarted();
    context_.AddMetadata("authorization", "Bearer " + session);
    request_ = request;
    stub.async()->FetchX509(&context_, &request_, this);
    StartRead(&update_);
    StartCall();
  }
  void cancel() { context_.TryCancel(); }
  uint64_t id() const { return id_; }

  void OnReadDone(bool ok) override {
    if (!ok) {
      return;  // the stream ended; OnDone follows
    }
    auto update = std::make_shared<v1::X509Update>(std::move(update_));
    update_.Clear();
    mailbox_->post([handler = on_message_, id = id_, update] { handler(id, update); }, mailbox_);
    StartRead(&update_);
  }
  void OnDone(const grpc::Status& status) override {
    mailbox_->post([handler = on_done_, id = id_, status] { handler(id, status); }, mailbox_);
    mailbox_->callEnded();
    auto last = std::move(self_);  // may destroy this on return: touch no member after
  }

 private:
  uint64_t id_;
  MailboxPtr mailbox_;
  MessageHandler on_message_;
  DoneHandler on_done_;
  grpc::ClientContext context_;
  v1::FetchX509Request request_;
  v1::X509Update update_;
  std::shared_ptr<FetchCall> self_;
};

struct JoinCall {
  uint64_t id = 0;
  grpc::ClientContext context;
  v1::JoinRequest request;
  v1::JoinResponse response;
};

// Replaces the token and the session wherever they appear in text that came from elsewhere
// (a status message), and drops text that carries PEM key material.
class Redactor {
 public:
  void add(const std::string& secret) {
    if (!secret.empty()) {
      secrets_.push_back(secret);
    }
  }
  std::string operator()(std::string text) const {
    if (text.find("PRIVATE KEY") != std::string::npos) {
      return "<redacted: key material>";
    }
    for (const auto& secret : secrets_) {
      for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
        text.replace(at, secret.size(), "<redacted>");
      }
    }
    return text;
  }

 private:
  std::vector<std::string> secrets_;
};

double seconds(nanoseconds d) { return static_cast<double>(d.count()) / 1e9; }

double unixSeconds(SystemTime t) {
  return static_cast<double>(
             std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count()) /
         1e3;
}

// The soonest retry of a set that landed past its rotation point: a certificate with almost no
// life left must not turn into a fetch loop.
constexpr nanoseconds MinRetry = std::chrono::milliseconds(50);

nanoseconds until(SystemTime at, SystemTime now) {
  if (at == SystemTime::max()) {
    return nanoseconds::max();
  }
  return std::max(nanoseconds(0), std::chrono::duration_cast<nanoseconds>(at - now));
}

class AgentImpl final : public Agent {
 public:
  AgentImpl(const asio::any_io_executor& executor, const Clock& clock, AgentOptions options,
            SecretsMetrics& metrics, LogSink log, std::unique_ptr<AtomicWriter> writer)
      : executor_(executor),
        clock_(clock),
        options_(std::move(options)),
        metrics_(metrics),
        log_(std::move(log)),
        writer_(std::move(writer)),
        planner_(options_.policy, options_.seed),
        mailbox_(std::make_shared<Mailbox>(executor)),
        next_timer_(clock.createTimer(executor)),
        op_timer_(clock.createTimer(executor)),
        health_timer_(clock.createTimer(executor)) {
    redact_.add(options_.token);
    grpc::ChannelArguments args;
    // The agent backs off on its own; the channel's reconnect back-off must not add to it.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    args.SetMaxReceiveMessageSize(1 << 20);
    channel_ =
        grpc::CreateCustomChannel(options_.control, grpc::InsecureChannelCredentials(), args);
    stub_ = v1::Control::NewStub(channel_);
    for (const auto& name : options_.dns_names) {
      fetch_request_.add_dns_names(name);
    }
  }

  ~AgentImpl() override {
    stop();
    mailbox_->close();
    mailbox_->waitForCalls(std::chrono::seconds(5));
  }

  void start() override {
    loadFromDisk();
    updateHealth();
    attempt();
  }

  void stop() override {
    stopped_ = true;
    next_timer_->cancel();
    op_timer_->cancel();
    health_timer_->cancel();
    if (join_) {
      join_->context.TryCancel();
      join_.reset();
    }
    for (auto* call : {&pending_, &active_}) {
      if (*call) {
        (*call)->cancel();
        call->reset();
      }
    }
  }

  bool ready() const override { return health().valid; }
  bool degraded() const override { return current_.has_value() && health().degraded; }

  std::string describe() const override {
    if (!current_) {
      return "not ready: no credential set yet";
    }
    const SetHealth h = health();
    const std::string what = fmt::format(
        "serial {} not_after {} remaining {:.0f}s ({:.0f}% of lifetime)", current_->serial_hex,
        formatUtc(current_->window.not_after), seconds(h.remaining), h.remaining_fraction * 100);
    if (h.expired) {
      return "not ready: the credential set expired: " + what;
    }
    if (!h.valid) {
      return "not ready: the credential set is not valid yet: " + what;
    }
    return (h.degraded ? "ready (degraded): " : "ready: ") + what;
  }

  void refreshGauges() override { updateHealth(); }

  void onSetWritten(std::function<void(const SetInfo&)> callback) override {
    on_written_ = std::move(callback);
  }
  std::optional<SetInfo> current() const override { return current_; }
  bool idleForTest() const override { return !join_ && !pending_; }
  uint64_t callsOpenedForTest() const override { return calls_opened_; }

 private:
  SetHealth health() const {
    if (!current_) {
      return SetHealth{};
    }
    return assessSet(current_->window, clock_.systemNow(), options_.policy);
  }

  void log(const std::string& line) {
    if (log_) {
      log_(line);
    }
  }

  // A timer wait that calls `then` when it fires (not when re-armed, cancelled or destroyed).
  void armTimer(Timer& timer, nanoseconds after, void (AgentImpl::*then)()) {
    timer.expiresAfter(after);
    asio::co_spawn(executor_, waitThen(&timer, then, mailbox_), asio::detached);
  }
  asio::awaitable<void> waitThen(Timer* timer, void (AgentImpl::*then)(), MailboxPtr mailbox) {
    const bool fired = co_await timer->wait();
    if (fired && mailbox->isOpen()) {
      (this->*then)();
    }
  }

  void loadFromDisk() {
    auto set = readSet(options_.dir);
    if (!set) {
      log(set.error().code == ErrorCode::NotFound
              ? fmt::format("no credential set in {} yet", options_.dir.string())
              : fmt::format("cannot read the set in {}: {}", options_.dir.string(),
                            set.error().message));
      return;
    }
    auto info = inspectSet(*set, options_.chain_check);
    if (!info) {
      log(fmt::format("the set on disk is not usable: {}", info.error().message));
      return;
    }
    current_ = *info;
    const SetHealth h = health();
    log(fmt::format("found set on disk serial {} not_after {} ({})", info->serial_hex,
                    formatUtc(info->window.not_after),
                    h.valid ? "valid, ready" : (h.expired ? "expired" : "not valid yet")));
  }

  // Joins if there is no session, then opens a new FetchX509 call: a rotation.
  void attempt() {
    if (stopped_ || join_ || pending_) {
      return;
    }
    next_timer_->cancel();
    if (session_.empty()) {
      join();
    } else {
      openFetch();
    }
  }

  void join() {
    auto call = std::make_shared<JoinCall>();
    call->id = ++next_id_;
    call->request.set_token(options_.token);
    call->request.set_node_name(options_.node_name);
    join_ = call;
    mailbox_->callStarted();
    armTimer(*op_timer_, options_.fetch_timeout, &AgentImpl::onOpTimeout);
    MailboxPtr mailbox = mailbox_;
    stub_->async()->Join(&call->context, &call->request, &call->response,
                         [this, call, mailbox](grpc::Status status) {
                           mailbox->post([this, call, status] { onJoinDone(call, status); },
                                         mailbox);
                           mailbox->callEnded();
                         });
  }

  void onJoinDone(const std::shared_ptr<JoinCall>& call, const grpc::Status& status) {
    if (join_ != call) {
      return;  // timed out or stopped meanwhile
    }
    join_.reset();
    op_timer_->cancel();
    if (!status.ok()) {
      fail("join", status.error_code(), status.error_message());
      return;
    }
    session_ = call->response.session();
    redact_.add(session_);
    log(fmt::format("joined as {}", call->response.spiffe_id()));
    openFetch();
  }

  void openFetch() {
    const uint64_t id = ++next_id_;
    MessageHandler on_message = [this](uint64_t call_id, std::shared_ptr<v1::X509Update> update) {
      onMessage(call_id, *update);
    };
    DoneHandler on_done = [this](uint64_t call_id, const grpc::Status& status) {
      onDone(call_id, status);
    };
    pending_ = std::make_shared<FetchCall>(id, mailbox_, std::move(on_message), std::move(on_done));
    pending_opened_ = clock_.monotonicNow();
    ++calls_opened_;
    armTimer(*op_timer_, options_.fetch_timeout, &AgentImpl::onOpTimeout);
    pending_->start(*stub_, session_, fetch_request_);
  }

  void onOpTimeout() {
    if (join_) {
      join_->context.TryCancel();
      join_.reset();
      fail("join", grpc::StatusCode::DEADLINE_EXCEEDED, "no answer within --fetch-timeout");
    } else if (pending_) {
      pending_->cancel();
      pending_.reset();
      fail("fetch", grpc::StatusCode::DEADLINE_EXCEEDED, "no first message within --fetch-timeout");
    }
  }

  void onMessage(uint64_t id, const v1::X509Update& update) {
    const bool first = pending_ && pending_->id() == id;
    const bool pushed = active_ && active_->id() == id;
    if (!first && !pushed) {
      return;  // a call we gave up on
    }
    if (first) {
      op_timer_->cancel();
    }
    CredentialSet set{update.svid().cert_chain_pem(), update.svid().private_key_pem(),
                      update.bundle_pem()};
    auto info = inspectSet(set, options_.chain_check);
    std::string reason = info ? "" : info.error().message;
    if (info) {
      const SetHealth h = assessSet(info->window, clock_.systemNow(), options_.policy);
      if (h.expired) {
        reason = fmt::format("the certificate expired at {}", formatUtc(info->window.not_after));
      } else if (!h.valid) {
        // Not valid yet (a control plane whose clock runs ahead): writing it would replace
        // material that works with material that does not.
        reason = fmt::format("the certificate is not valid before {}",
                             formatUtc(info->window.not_before));
      }
    }
    if (!reason.empty()) {
      // A protocol error: counted, never written; the set on disk stays.
      metrics_.countFailure("INVALID_SET");
      log(fmt::format("rejected a set from the control plane: {}", redact_(reason)));
      if (first) {
        pending_->cancel();
        pending_.reset();
        retryLater();
      }
      return;
    }
    auto written = writer_->write(set);
    if (!written) {
      metrics_.countFailure("WRITE_FAILED");
      log(fmt::format("cannot write the set: {}", written.error().message));
      if (first) {
        pending_->cancel();
        pending_.reset();
        retryLater();
      }
      return;
    }
    const bool replaced = current_.has_value();
    current_ = *info;
    if (first) {
      metrics_.observeRefresh(seconds(clock_.monotonicNow() - pending_opened_));
      if (active_) {
        active_->cancel();  // the old call goes only now that its successor's set is on disk
      }
      active_ = std::move(pending_);
      pending_.reset();
    }
    if (replaced) {
      metrics_.countRotation();
    }
    failures_ = 0;
    // issued_unix_ms: when the control plane issued it, so a reader can tell issue-to-disk lag.
    log(fmt::format("wrote set serial {} not_after {} issued_unix_ms {}{} into {}",
                    info->serial_hex, formatUtc(info->window.not_after), update.issued_unix_ms(),
                    first ? "" : " (pushed)", *written));
    updateHealth();
    scheduleRotation();
    if (on_written_) {
      on_written_(*current_);
    }
  }

  void onDone(uint64_t id, const grpc::Status& status) {
    if (pending_ && pending_->id() == id) {
      pending_.reset();
      op_timer_->cancel();
      fail("fetch", status.error_code(), status.error_message());
      return;
    }
    if (active_ && active_->id() == id) {
      active_.reset();
      if (status.error_code() == grpc::StatusCode::UNAUTHENTICATED) {
        session_.clear();
      }
      if (!status.ok()) {
        // The set stays valid; the next call is opened at the planned rotation.
        metrics_.countFailure(grpcCodeName(status.error_code()));
        log(fmt::format("the update stream ended: code {} ({}); next fetch at the rotation",
                        grpcCodeName(status.error_code()), redact_(status.error_message())));
      }
    }
  }

  void fail(const char* what, grpc::StatusCode code, const std::string& message) {
    if (code == grpc::StatusCode::UNAUTHENTICATED) {
      session_.clear();  // join again on the next attempt
    }
    const std::string name = grpcCodeName(code);
    metrics_.countFailure(name);
    log(fmt::format("{} failed: code {} ({})", what, name, redact_(message)));
    retryLater();
  }

  // Full-jitter back-off; the set on disk keeps being served meanwhile.
  void retryLater() {
    if (stopped_) {
      return;
    }
    const nanoseconds delay = planner_.retryDelay(failures_++);
    log(fmt::format("retry in {:.3f}s (attempt {})", seconds(delay), failures_));
    armTimer(*next_timer_, delay, &AgentImpl::attempt);
    updateHealth();
  }

  void scheduleRotation() {
    if (stopped_ || !current_) {
      return;
    }
    SystemTime at = planner_.rotateAt(current_->window);
    const SystemTime now = clock_.systemNow();
    if (at <= now) {
      // A set that is past its rotation point already as it lands (backdated by the control
      // plane, or issued with little life left: whole-second X.509 times can take most of a
      // second off a 2 s certificate): fetching again at once would only loop, but waiting the
      // back-off could outlast it. Halfway to its NotAfter at the latest, and not sooner than
      // MinRetry.
      const nanoseconds left = until(current_->window.not_after, now);
      const nanoseconds wait =
          std::max<nanoseconds>(MinRetry, std::min<nanoseconds>(options_.policy.backoff_min, left / 2));
      at = now + wait;
      log(fmt::format("this set is past its rotation point already; next try in {:.3f}s",
                      seconds(wait)));
    }
    const nanoseconds delay = until(at, now);
    log(fmt::format("next rotation at {} (in {:.3f}s)", formatUtc(at), seconds(delay)));
    armTimer(*next_timer_, delay, &AgentImpl::attempt);
  }

  // Ready, degraded and the gauges at the clock's now; logs each change; wakes at the next one.
  void updateHealth() {
    const SystemTime now = clock_.systemNow();
    const SetHealth h = health();
    const bool is_degraded = current_.has_value() && h.degraded;
    if (current_ && (is_degraded != was_degraded_ || h.expired != was_expired_)) {
      if (h.expired) {
        log(fmt::format("expired: set serial {} expired at {}; not ready", current_->serial_hex,
                        formatUtc(current_->window.not_after)));
      } else if (is_degraded) {
        log(fmt::format("degraded: {:.0f}% of the lifetime left ({:.0f}s), below {:.0f}%",
                        h.remaining_fraction * 100, seconds(h.remaining),
                        options_.policy.degraded_below * 100));
      } else {
        log("no longer degraded");
      }
    }
    was_degraded_ = is_degraded;
    was_expired_ = h.expired;
    metrics_.setReady(h.valid);
    metrics_.setDegraded(is_degraded);
    metrics_.setRemainingValidity(seconds(h.remaining));
    metrics_.setNotAfter(current_ ? unixSeconds(current_->window.not_after) : 0);
    if (!stopped_ && current_) {
      const nanoseconds next = until(nextHealthChange(current_->window, now, options_.policy), now);
      if (next != nanoseconds::max()) {
        armTimer(*health_timer_, next, &AgentImpl::updateHealth);
      }
    }
  }

  asio::any_io_executor executor_;
  const Clock& clock_;
  AgentOptions options_;
  SecretsMetrics& metrics_;
  LogSink log_;
  std::unique_ptr<AtomicWriter> writer_;
  RotationPlanner planner_;
  MailboxPtr mailbox_;
  TimerPtr next_timer_;    // the next rotation or retry
  TimerPtr op_timer_;      // the deadline of the join or first message in flight
  TimerPtr health_timer_;  // the next change of ready/degraded on its own
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Control::Stub> stub_;
  v1::FetchX509Request fetch_request_;
  Redactor redact_;
  std::function<void(const SetInfo&)> on_written_;

  std::string session_;  // never logged
  std::shared_ptr<JoinCall> join_;
  std::shared_ptr<FetchCall> pending_;  // opened, first message not yet in
  std::shared_ptr<FetchCall> active_;   // delivered the current set; may push more
  MonotonicTime pending_opened_{};
  std::optional<SetInfo> current_;
  unsigned failures_ = 0;
  uint64_t next_id_ = 0;
  uint64_t calls_opened_ = 0;
  bool stopped_ = false;
  bool was_degraded_ = false;
  bool was_expired_ = false;
};

}  // namespace

Result<std::unique_ptr<Agent>> Agent::create(const asio::any_io_executor& executor,
                                             const Clock& clock, AgentOptions options,
                                             SecretsMetrics& metrics, LogSink log) {
  if (options.control.empty()) {
    return makeError(ErrorCode::InvalidArgument, "no control plane address");
  }
  if (options.policy.rotate_fraction <= 0 || options.policy.rotate_fraction >= 1 ||
      options.policy.jitter < 0 || options.policy.jitter >= options.policy.rotate_fraction ||
      options.policy.rotate_fraction + options.policy.jitter >= 1) {
    return makeError(ErrorCode::InvalidArgument,
                     "the rotation point rotate_fraction +/- jitter must lie inside (0, 1)");
  }
  if (options.policy.backoff_min <= nanoseconds(0) ||
      options.policy.backoff_max < options.policy.backoff_min) {
    return makeError(ErrorCode::InvalidArgument, "the back-off needs 0 < min <= max");
  }
  auto writer = AtomicWriter::create(options.dir, clock, options.writer);
  if (!writer) {
    return tl::unexpected(writer.error());
  }
  return std::unique_ptr<Agent>(new AgentImpl(executor, clock, std::move(options), metrics,
                                              std::move(log), std::move(*writer)));
}

}  // namespace outrider::secrets
