#include "outrider/control/control_server.h"

#include <fmt/core.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/support/server_callback.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "outrider/common/timer.h"
#include "outrider/control/ca.h"
#include "outrider/control/control_metrics.h"
#include "outrider/control/join_tokens.h"
#include "outrider/control/request_validation.h"
#include "outrider/control/session.h"
#include "outrider/control/v1/control.grpc.pb.h"

namespace outrider::control {
namespace {

namespace asio = boost::asio;
using grpc::Status;
using grpc::StatusCode;

int64_t unixMs(SystemTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

std::string_view codeName(StatusCode code) {
  switch (code) {
    case StatusCode::OK:
      return "OK";
    case StatusCode::CANCELLED:
      return "CANCELLED";
    case StatusCode::UNKNOWN:
      return "UNKNOWN";
    case StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    case StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case StatusCode::ABORTED:
      return "ABORTED";
    case StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case StatusCode::INTERNAL:
      return "INTERNAL";
    case StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    default:
      return "UNKNOWN";
  }
}

using SecretMap = std::map<std::string, std::map<std::string, std::string>>;

Result<SecretMap> loadSecrets(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("--secrets {}: cannot be read", file.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  const auto json = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  const auto wrong = [&](const std::string& why) {
    return makeError(ErrorCode::InvalidArgument,
                     fmt::format("--secrets {}: {}", file.string(), why));
  };
  if (json.is_discarded() || !json.is_object()) {
    return wrong("expected a JSON object {\"name\": {\"key\": \"value\"}, ...}");
  }
  SecretMap secrets;
  for (const auto& [name, data] : json.items()) {
    if (!isValidSecretName(name)) {
      return wrong(fmt::format("\"{}\": a secret name must match [A-Za-z0-9._/-]{{1,253}}",
                               name.substr(0, 64)));
    }
    if (!data.is_object()) {
      return wrong(fmt::format("\"{}\": expected an object of string values", name));
    }
    auto& out = secrets[name];
    for (const auto& [key, value] : data.items()) {
      if (!value.is_string()) {
        // The value itself is never quoted: it is a secret.
        return wrong(
            fmt::format("\"{}\".\"{}\": expected a string value", name, key.substr(0, 64)));
      }
      out[key] = value.get<std::string>();
    }
  }
  return secrets;
}

std::string listenAddress(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) {
    return fmt::format("[{}]:{}", host, port);
  }
  return fmt::format("{}:{}", host, port);
}

class Call;
class StreamCall;

}  // namespace

// What every call shares: the CA and state, the credentials, the fault switch, the metrics, and
// the calls a fault mode must find again (parked `hang` calls, open streams).
struct ControlServer::Core : std::enable_shared_from_this<ControlServer::Core> {
  Core(const ControlOptions& options_in, const Clock& clock_in, asio::any_io_executor executor_in,
       prometheus::Registry& registry, StateDirPtr state_in, JoinTokens tokens_in,
       SecretMap secrets_in)
      : options(options_in),
        clock(clock_in),
        executor(std::move(executor_in)),
        metrics(registry),
        state(std::move(state_in)),
        signer(state->sessionKey()),
        tokens(std::move(tokens_in)),
        secrets(std::move(secrets_in)) {}

  const ControlOptions options;
  const Clock& clock;
  const asio::any_io_executor executor;
  ControlMetrics metrics;
  StateDirPtr state;
  SessionSigner signer;
  mutable std::mutex tokens_mutex;
  JoinTokens tokens;
  SecretMap secrets;
  FaultSwitch faults;
  IssuanceSwitch issuance;

  // What each node was last handed (no-renewal gives it back). In memory only: the switch itself
  // is, so a restart of the control plane ends the fault and these records together.
  struct HeldCertificate {
    v1::X509Update update;
    bool wrong_ca = false;
  };
  static constexpr std::size_t MaxHeldNodes = 4096;
  std::mutex held_mutex;
  std::map<std::string, HeldCertificate> held;
  std::deque<std::string> held_order;  // insertion order, for the bound

  std::mutex calls_mutex;
  std::set<std::shared_ptr<Call>> parked;         // `hang`: admitted, not answered
  std::set<std::shared_ptr<StreamCall>> streams;  // open FetchX509 streams

  // Runs `call` under the fault mode in force (see admit in the .cc).
  void admit(const std::shared_ptr<Call>& call);
  void affected(FaultMode mode, uint64_t calls = 1) {
    faults.countAffected(calls);
    metrics.faultAffected(mode, static_cast<double>(calls));
  }
  void unpark(Call* call);
  // Takes the parked calls out (to admit them again or end them).
  std::vector<std::shared_ptr<Call>> takeParked();
  std::vector<std::shared_ptr<StreamCall>> openStreams();

  Status sessionOf(const grpc::CallbackServerContext& context, Session& session) const;
  Status join(const v1::JoinRequest& request, v1::JoinResponse& response);
  Status fetchSecret(const grpc::CallbackServerContext& context,
                     const v1::FetchSecretRequest& request, v1::FetchSecretResponse& response);
  Result<v1::X509Update> issueUpdate(const std::string& node_name,
                                     const std::vector<std::string>& dns_names);
  void remember(const std::string& node_name, const v1::X509Update& update, bool wrong_ca);
  std::string spiffeId(const std::string& node_name) const {
    return fmt::format("spiffe://{}/node/{}", options.trust_domain, node_name);
  }
};

namespace {

using Core = ControlServer::Core;

// One call, whatever its shape: `proceed` answers it for real, `finish` ends it with a status;
// whichever comes first wins and the other does nothing.
class Call : public std::enable_shared_from_this<Call> {
 public:
  Call(std::shared_ptr<Core> core, std::string_view method)
      : core_(std::move(core)), method_(method) {}
  virtual ~Call() = default;
  virtual void proceed() = 0;
  virtual void finish(const Status& status) = 0;

 protected:
  std::shared_ptr<Core> core_;
  std::string_view method_;
};

// A unary call. The reactor belongs to gRPC (deleted in OnDone, which follows Finish); only the
// one thread that wins `claimed_` touches it or the response, and only before Finish.
class UnaryCall final : public Call {
 public:
  using Handler = std::function<Status()>;
  UnaryCall(std::shared_ptr<Core> core, std::string_view method, grpc::ServerUnaryReactor* reactor)
      : Call(std::move(core), method), reactor_(reactor) {}

  void setHandler(Handler handler) { handler_ = std::move(handler); }

  void proceed() override {
    if (claimed_.exchange(true)) {
      return;
    }
    complete(handler_());
  }
  void finish(const Status& status) override {
    if (claimed_.exchange(true)) {
      return;
    }
    complete(status);
  }

 private:
  void complete(const Status& status) {
    core_->unpark(this);
    core_->metrics.call(method_, codeName(status.error_code()));
    reactor_->Finish(status);
  }

  grpc::ServerUnaryReactor* reactor_;
  Handler handler_;
  std::atomic<bool> claimed_{false};
};

class UnaryReactor final : public grpc::ServerUnaryReactor {
 public:
  UnaryReactor(std::shared_ptr<Core> core, std::string_view method)
      : call_(std::make_shared<UnaryCall>(std::move(core), method, this)) {}
  const std::shared_ptr<UnaryCall>& call() const { return call_; }
  void OnCancel() override { call_->finish(Status(StatusCode::CANCELLED, "cancelled")); }
  void OnDone() override { delete this; }

 private:
  std::shared_ptr<UnaryCall> call_;
};

// A FetchX509 stream. Writes go one at a time (gRPC allows one outstanding write); a push while
// one is in flight waits in next_, a finish waits for the write to complete. The mutex is
// recursive because gRPC may run OnWriteDone/OnDone inline in StartWrite/Finish on this thread.
class StreamCall final : public Call {
 public:
  StreamCall(std::shared_ptr<Core> core, grpc::ServerWriteReactor<v1::X509Update>* reactor,
             const grpc::CallbackServerContext* context, const v1::FetchX509Request* request)
      : Call(std::move(core), "FetchX509"),
        reactor_(reactor),
        context_(context),
        request_(request) {}

  void proceed() override {
    std::unique_lock lock(mutex_);
    if (finishing_ || first_sent_) {
      return;
    }
    Session session;
    if (auto status = core_->sessionOf(*context_, session); !status.ok()) {
      lock.unlock();
      finish(status);
      return;
    }
    if (auto invalid = validateFetchX509(*request_)) {
      lock.unlock();
      finish(Status(StatusCode::INVALID_ARGUMENT, *invalid));
      return;
    }
    node_name_ = session.node_name;
    dns_names_.assign(request_->dns_names().begin(), request_->dns_names().end());
    auto update = core_->issueUpdate(node_name_, dns_names_);
    if (!update) {
      lock.unlock();
      finish(Status(StatusCode::INTERNAL, "issuing failed"));
      return;
    }
    first_sent_ = true;
    sendLocked(std::move(*update));
  }

  // The re-issue hook: a new SVID for this stream, unless it has not begun or is ending.
  bool push() {
    std::lock_guard lock(mutex_);
    if (finishing_ || !first_sent_) {
      return false;
    }
    auto update = core_->issueUpdate(node_name_, dns_names_);
    if (!update) {
      return false;
    }
    sendLocked(std::move(*update));
    return true;
  }

  void finish(const Status& status) override {
    std::lock_guard lock(mutex_);
    if (finishing_) {
      return;
    }
    finishing_ = true;
    core_->unpark(this);
    core_->metrics.call(method_, codeName(status.error_code()));
    if (writing_) {
      finish_after_write_ = status;
      return;
    }
    reactor_->Finish(status);
  }

  void onWriteDone(bool ok) {
    std::lock_guard lock(mutex_);
    writing_ = false;
    if (finish_after_write_) {
      const Status status = *finish_after_write_;
      finish_after_write_.reset();
      reactor_->Finish(status);
      return;
    }
    if (finishing_) {
      return;
    }
    if (!ok) {
      // The stream broke (the client went away): it must still be finished.
      finishing_ = true;
      core_->metrics.call(method_, codeName(StatusCode::CANCELLED));
      reactor_->Finish(Status(StatusCode::CANCELLED, "stream broken"));
      return;
    }
    if (next_) {
      auto update = std::move(*next_);
      next_.reset();
      sendLocked(std::move(update));
    }
  }

 private:
  void sendLocked(v1::X509Update update) {
    if (writing_) {
      next_ = std::move(update);
      return;
    }
    current_ = std::move(update);
    writing_ = true;
    reactor_->StartWrite(&current_);  // last: OnWriteDone may run inline
  }

  std::recursive_mutex mutex_;
  grpc::ServerWriteReactor<v1::X509Update>* reactor_;
  const grpc::CallbackServerContext* context_;
  const v1::FetchX509Request* request_;
  bool finishing_ = false;
  bool writing_ = false;
  bool first_sent_ = false;
  std::optional<Status> finish_after_write_;
  v1::X509Update current_;
  std::optional<v1::X509Update> next_;
  std::string node_name_;
  std::vector<std::string> dns_names_;
};

class StreamReactor final : public grpc::ServerWriteReactor<v1::X509Update> {
 public:
  StreamReactor(std::shared_ptr<Core> core, const grpc::CallbackServerContext* context,
                const v1::FetchX509Request* request)
      : core_(std::move(core)), call_(std::make_shared<StreamCall>(core_, this, context, request)) {
    {
      std::lock_guard lock(core_->calls_mutex);
      core_->streams.insert(call_);
    }
    core_->metrics.streamOpened();
  }
  const std::shared_ptr<StreamCall>& call() const { return call_; }
  void OnWriteDone(bool ok) override { call_->onWriteDone(ok); }
  void OnCancel() override { call_->finish(Status(StatusCode::CANCELLED, "cancelled")); }
  void OnDone() override {
    {
      std::lock_guard lock(core_->calls_mutex);
      core_->streams.erase(call_);
    }
    core_->metrics.streamClosed();
    delete this;
  }

 private:
  std::shared_ptr<Core> core_;
  std::shared_ptr<StreamCall> call_;
};

asio::awaitable<void> proceedAfter(std::shared_ptr<Core> core, std::shared_ptr<Call> call,
                                   std::chrono::nanoseconds latency) {
  co_await sleepFor(core->clock, latency);
  call->proceed();
}

class ControlService final : public v1::Control::CallbackService {
 public:
  explicit ControlService(std::shared_ptr<Core> core) : core_(std::move(core)) {}

  grpc::ServerUnaryReactor* Join(grpc::CallbackServerContext* /*context*/,
                                 const v1::JoinRequest* request,
                                 v1::JoinResponse* response) override {
    auto* reactor = new UnaryReactor(core_, "Join");
    reactor->call()->setHandler(
        [core = core_, request, response] { return core->join(*request, *response); });
    core_->admit(reactor->call());
    return reactor;
  }

  grpc::ServerUnaryReactor* FetchSecret(grpc::CallbackServerContext* context,
                                        const v1::FetchSecretRequest* request,
                                        v1::FetchSecretResponse* response) override {
    auto* reactor = new UnaryReactor(core_, "FetchSecret");
    reactor->call()->setHandler([core = core_, context, request, response] {
      return core->fetchSecret(*context, *request, *response);
    });
    core_->admit(reactor->call());
    return reactor;
  }

  grpc::ServerWriteReactor<v1::X509Update>* FetchX509(
      grpc::CallbackServerContext* context, const v1::FetchX509Request* request) override {
    auto* reactor = new StreamReactor(core_, context, request);
    core_->admit(reactor->call());
    return reactor;
  }

 private:
  std::shared_ptr<Core> core_;
};

}  // namespace

void Core::admit(const std::shared_ptr<Call>& call) {
  const FaultState fault = faults.state();
  switch (fault.setting.mode) {
    case FaultMode::None:
      call->proceed();
      return;
    case FaultMode::Error:
      affected(FaultMode::Error);
      call->finish(Status(StatusCode::UNAVAILABLE, "control plane unavailable (fault: error)"));
      return;
    case FaultMode::Down:
      // Only a call that raced the listener's close gets here.
      affected(FaultMode::Down);
      call->finish(Status(StatusCode::UNAVAILABLE, "control plane down"));
      return;
    case FaultMode::Slow:
      affected(FaultMode::Slow);
      asio::co_spawn(executor, proceedAfter(shared_from_this(), call, fault.setting.latency),
                     asio::detached);
      return;
    case FaultMode::Hang: {
      std::unique_lock lock(calls_mutex);
      // Checked again under the lock that takeParked() takes after the mode changes, so a call
      // is either parked before the change (and taken out by it) or sees the new mode.
      if (faults.mode() != FaultMode::Hang) {
        lock.unlock();
        admit(call);
        return;
      }
      parked.insert(call);
      lock.unlock();
      affected(FaultMode::Hang);
      return;
    }
  }
}

void Core::unpark(Call* call) {
  std::lock_guard lock(calls_mutex);
  for (auto it = parked.begin(); it != parked.end(); ++it) {
    if (it->get() == call) {
      parked.erase(it);
      return;
    }
  }
}

std::vector<std::shared_ptr<Call>> Core::takeParked() {
  std::lock_guard lock(calls_mutex);
  std::vector<std::shared_ptr<Call>> out(parked.begin(), parked.end());
  parked.clear();
  return out;
}

std::vector<std::shared_ptr<StreamCall>> Core::openStreams() {
  std::lock_guard lock(calls_mutex);
  return {streams.begin(), streams.end()};
}

Status Core::sessionOf(const grpc::CallbackServerContext& context, Session& session) const {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  if (it == metadata.end()) {
    return Status(StatusCode::UNAUTHENTICATED, "no authorization: Bearer <session> metadata");
  }
  const std::string_view value(it->second.data(), it->second.size());
  auto verified = signer.verify(bearerCredential(value), clock.systemNow());
  if (!verified) {
    return Status(StatusCode::UNAUTHENTICATED,
                  "session not valid (expired or not ours); join again");
  }
  session = std::move(*verified);
  return Status::OK;
}

Status Core::join(const v1::JoinRequest& request, v1::JoinResponse& response) {
  if (auto invalid = validateJoin(request)) {
    return Status(StatusCode::INVALID_ARGUMENT, *invalid);
  }
  bool accepted = false;
  {
    std::lock_guard lock(tokens_mutex);
    accepted = tokens.accepts(request.token());
  }
  if (!accepted) {
    fmt::print(stderr, "outrider-control: join refused for node {}: token not accepted\n",
               request.node_name());
    return Status(StatusCode::UNAUTHENTICATED, "join token not accepted");
  }
  const SystemTime expires = clock.systemNow() + options.session_ttl;
  response.set_spiffe_id(spiffeId(request.node_name()));
  response.set_session(signer.mint(request.node_name(), expires));
  response.set_session_expires_unix_ms(unixMs(expires));
  fmt::print(stderr, "outrider-control: node {} joined as {}\n", request.node_name(),
             response.spiffe_id());
  return Status::OK;
}

Status Core::fetchSecret(const grpc::CallbackServerContext& context,
                         const v1::FetchSecretRequest& request, v1::FetchSecretResponse& response) {
  Session session;
  if (auto status = sessionOf(context, session); !status.ok()) {
    return status;
  }
  if (auto invalid = validateFetchSecret(request)) {
    return Status(StatusCode::INVALID_ARGUMENT, *invalid);
  }
  const auto it = secrets.find(request.name());
  if (it == secrets.end()) {
    return Status(StatusCode::NOT_FOUND, fmt::format("no secret named {}", request.name()));
  }
  response.set_name(it->first);
  for (const auto& [key, value] : it->second) {
    (*response.mutable_data())[key] = value;
  }
  response.set_ttl_ms(options.secret_ttl.count());
  response.set_version(1);
  return Status::OK;
}

Result<v1::X509Update> Core::issueUpdate(const std::string& node_name,
                                         const std::vector<std::string>& dns_names) {
  // The issuance switch decides what the node gets: cert-expiry's no-renewal hands back what it
  // holds, cert-wrong-ca signs with the second CA (kept out of the bundle).
  const IssuanceState issuance_state = issuance.state();
  const IssuanceMode mode = issuance_state.setting.mode;
  if (mode == IssuanceMode::NoRenewal) {
    std::lock_guard lock(held_mutex);
    if (auto it = held.find(node_name); it != held.end()) {
      v1::X509Update update = it->second.update;
      update.set_bundle_pem(state->ca().certPem());
      const SystemTime not_after(std::chrono::milliseconds(update.svid().not_after_unix_ms()));
      issuance.countHandedOut(/*re_served=*/true, it->second.wrong_ca, not_after);
      metrics.certificateHandedOut(/*re_served=*/true, it->second.wrong_ca, not_after);
      return update;
    }
  }
  const bool wrong_ca = mode == IssuanceMode::WrongCa;
  const SystemTime now = clock.systemNow();
  const CertificateAuthority* issuer = &state->ca();
  if (wrong_ca) {
    auto second = state->wrongCa(now);
    if (!second) {
      fmt::print(stderr, "outrider-control: the wrong CA for node {}: {}\n", node_name,
                 second.error().message);
      return tl::unexpected(second.error());
    }
    issuer = *second;
  }
  LeafRequest leaf;
  leaf.common_name = node_name;
  leaf.spiffe_id = spiffeId(node_name);
  leaf.dns_names = dns_names;
  leaf.ttl = mode != IssuanceMode::Normal && issuance_state.setting.ttl
                 ? *issuance_state.setting.ttl
                 : options.cert_ttl;
  auto issued = issuer->issue(leaf, now);
  if (!issued) {
    fmt::print(stderr, "outrider-control: issuing for node {} failed: {}\n", node_name,
               issued.error().message);
    return tl::unexpected(issued.error());
  }
  metrics.certificateIssued();
  if (auto recorded = state->recordIssued(issued->serial_hex); !recorded) {
    // The certificate is good; only the count on disk lags. Said, not fatal.
    fmt::print(stderr, "outrider-control: recording serial {}: {}\n", issued->serial_hex,
               recorded.error().message);
  }
  v1::X509Update update;
  auto* svid = update.mutable_svid();
  svid->set_spiffe_id(leaf.spiffe_id);
  svid->set_cert_chain_pem(issued->cert_pem);
  svid->set_private_key_pem(issued->key_pem);
  svid->set_serial_hex(issued->serial_hex);
  svid->set_not_before_unix_ms(unixMs(issued->not_before));
  svid->set_not_after_unix_ms(unixMs(issued->not_after));
  // Always the real CA: a wrong-CA leaf must fail against what the peers trust.
  update.set_bundle_pem(state->ca().certPem());
  update.set_issued_unix_ms(unixMs(now));
  remember(node_name, update, wrong_ca);
  issuance.countHandedOut(/*re_served=*/false, wrong_ca, issued->not_after);
  metrics.certificateHandedOut(/*re_served=*/false, wrong_ca, issued->not_after);
  return update;
}

void Core::remember(const std::string& node_name, const v1::X509Update& update, bool wrong_ca) {
  std::lock_guard lock(held_mutex);
  auto [it, inserted] = held.insert_or_assign(node_name, HeldCertificate{update, wrong_ca});
  if (inserted) {
    held_order.push_back(node_name);
  }
  // Bounded: the oldest node's record goes first (it gets a fresh certificate in no-renewal).
  while (held_order.size() > MaxHeldNodes) {
    held.erase(held_order.front());
    held_order.pop_front();
  }
}

struct ControlServer::Generation {
  std::unique_ptr<ControlService> service;
  std::unique_ptr<grpc::Server> server;
};

Result<std::unique_ptr<ControlServer>> ControlServer::create(const ControlOptions& options,
                                                             const Clock& clock,
                                                             const asio::any_io_executor& executor,
                                                             prometheus::Registry& registry) {
  if (options.cert_ttl <= std::chrono::seconds(0)) {
    return makeError(ErrorCode::InvalidArgument, "--cert-ttl must be at least 1s");
  }
  auto tokens = JoinTokens::load(options.tokens_file);
  if (!tokens) {
    return tl::unexpected(tokens.error());
  }
  SecretMap secrets;
  if (options.secrets_file) {
    auto loaded = loadSecrets(*options.secrets_file);
    if (!loaded) {
      return tl::unexpected(loaded.error());
    }
    secrets = std::move(*loaded);
  }
  auto state = StateDir::open(options.state_dir, clock);
  if (!state) {
    return tl::unexpected(state.error());
  }
  std::unique_ptr<ControlServer> server(new ControlServer());
  server->core_ = std::make_shared<Core>(options, clock, executor, registry, std::move(*state),
                                         std::move(*tokens), std::move(secrets));
  return server;
}

ControlServer::~ControlServer() { stop(); }

Result<void> ControlServer::bind(uint16_t port) {
  const auto& options = core_->options;
  auto generation = std::make_unique<Generation>();
  generation->service = std::make_unique<ControlService>(core_);
  grpc::ServerBuilder builder;
  int selected = 0;
  const std::string address = listenAddress(options.listen.host, port);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &selected);
  builder.RegisterService(generation->service.get());
  builder.SetMaxReceiveMessageSize(options.max_receive_message_bytes);
  // gRPC sets SO_REUSEPORT by default: two control planes on one port would both "bind".
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             static_cast<int>(options.keepalive_time.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             static_cast<int>(options.keepalive_timeout.count()));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS,
                             static_cast<int>(options.max_connection_idle.count()));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, options.max_concurrent_streams);
  generation->server = builder.BuildAndStart();
  if (!generation->server || selected == 0) {
    return makeError(ErrorCode::Io,
                     fmt::format("gRPC listener on {}: cannot bind (in use, or not an address "
                                 "of this host)",
                                 address));
  }
  port_ = static_cast<uint16_t>(selected);
  generation_ = std::move(generation);
  return {};
}

void ControlServer::shutdownGrpc() {
  if (!generation_) {
    return;
  }
  // A deadline in the past: what is still in flight is cancelled at once, not waited for.
  generation_->server->Shutdown(gpr_inf_past(GPR_CLOCK_MONOTONIC));
  generation_->server->Wait();
  generation_.reset();
}

Result<void> ControlServer::start() {
  std::lock_guard lock(mutex_);
  if (started_) {
    return {};
  }
  if (auto bound = bind(core_->options.listen.port); !bound) {
    return bound;
  }
  started_ = true;
  return {};
}

uint16_t ControlServer::port() const {
  std::lock_guard lock(mutex_);
  return port_;
}

bool ControlServer::started() const {
  std::lock_guard lock(mutex_);
  return started_;
}

FaultState ControlServer::fault() const { return core_->faults.state(); }

Result<FaultState> ControlServer::setFault(const FaultSetting& setting) {
  std::lock_guard lock(mutex_);
  const FaultState before = core_->faults.state();
  if (before.setting.mode == setting.mode && before.setting.latency == setting.latency) {
    return before;  // the same switch again: the mode keeps its start and its count
  }
  const FaultMode from = before.setting.mode;
  const FaultMode to = setting.mode;
  if (from == FaultMode::Down && started_) {
    if (auto bound = bind(port_); !bound) {
      fmt::print(stderr, "outrider-control: fault down cannot end: {}\n", bound.error().message);
      return tl::unexpected(bound.error());
    }
  }
  core_->faults.set(setting, core_->clock.systemNow());
  core_->metrics.faultMode(to);
  fmt::print(
      stderr, "outrider-control: fault mode {} -> {}{}\n", faultModeName(from), faultModeName(to),
      to == FaultMode::Slow
          ? fmt::format(
                " latency={}ms",
                std::chrono::duration_cast<std::chrono::milliseconds>(setting.latency).count())
          : std::string{});
  if (to == FaultMode::Down || to == FaultMode::Error) {
    const Status status(StatusCode::UNAVAILABLE, to == FaultMode::Down
                                                     ? "control plane down"
                                                     : "control plane unavailable (fault: error)");
    auto streams = core_->openStreams();
    auto parked = core_->takeParked();
    for (const auto& call : parked) {
      call->finish(status);
    }
    for (const auto& stream : streams) {
      stream->finish(status);
    }
    const auto ended = streams.size() + parked.size();
    if (ended > 0) {
      core_->affected(to, ended);
    }
    if (to == FaultMode::Down) {
      shutdownGrpc();
    }
  } else if (from == FaultMode::Hang) {
    // The hung calls are answered now, under the new mode (none: at once; slow: after it).
    for (const auto& call : core_->takeParked()) {
      core_->admit(call);
    }
  }
  return core_->faults.state();
}

IssuanceState ControlServer::issuance() const { return core_->issuance.state(); }

Result<IssuanceState> ControlServer::setIssuance(const IssuanceSetting& setting) {
  std::lock_guard lock(issuance_mutex_);
  const IssuanceState before = core_->issuance.state();
  if (before.setting == setting) {
    return before;  // the same switch again: the mode keeps its start and its counts
  }
  const SystemTime now = core_->clock.systemNow();
  if (setting.mode == IssuanceMode::WrongCa) {
    // Made (or loaded) now, so a state dir that cannot hold it fails the switch, not each call.
    if (auto ca = core_->state->wrongCa(now); !ca) {
      return tl::unexpected(ca.error());
    }
  }
  core_->issuance.set(setting, now);
  core_->metrics.issuanceMode(setting.mode);
  fmt::print(stderr, "outrider-control: issuance {} -> {}{}\n",
             issuanceModeName(before.setting.mode), issuanceModeName(setting.mode),
             setting.ttl ? fmt::format(" ttl={}s", setting.ttl->count()) : std::string{});
  // The CA changes for the certificates in use at once, both ways: a peer sees the fault begin
  // (and end) without waiting for a rotation.
  if (before.setting.mode == IssuanceMode::WrongCa || setting.mode == IssuanceMode::WrongCa) {
    const std::size_t pushed = reissueAll();
    fmt::print(stderr, "outrider-control: {} open stream(s) pushed a new certificate\n", pushed);
  }
  return core_->issuance.state();
}

Result<std::size_t> ControlServer::reloadTokens() {
  auto tokens = JoinTokens::load(core_->options.tokens_file);
  if (!tokens) {
    return tl::unexpected(tokens.error());
  }
  const std::size_t count = tokens->size();
  std::lock_guard lock(core_->tokens_mutex);
  core_->tokens = std::move(*tokens);
  return count;
}

std::size_t ControlServer::reissueAll() {
  const FaultMode mode = core_->faults.mode();
  if (mode == FaultMode::Hang || mode == FaultMode::Down || mode == FaultMode::Error) {
    return 0;  // streams do not push while the control plane is out
  }
  std::size_t pushed = 0;
  for (const auto& stream : core_->openStreams()) {
    pushed += stream->push() ? 1 : 0;
  }
  return pushed;
}

void ControlServer::stop() {
  std::lock_guard lock(mutex_);
  if (!core_) {
    return;
  }
  const Status status(StatusCode::UNAVAILABLE, "control plane stopping");
  for (const auto& call : core_->takeParked()) {
    call->finish(status);
  }
  for (const auto& stream : core_->openStreams()) {
    stream->finish(status);
  }
  shutdownGrpc();
  started_ = false;
}

const StateDir& ControlServer::stateDir() const { return *core_->state; }

}  // namespace outrider::control
