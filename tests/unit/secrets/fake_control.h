#pragma once

// An in-process fake of outrider-control on 127.0.0.1:0 (gRPC callback API): Join checks the
// token and hands out a session, FetchX509 checks the session, issues a leaf from a TestPki and
// keeps the stream open until the client cancels. Switches make it fail with a code, hang (a
// stream whose first message never comes), revoke sessions or send a broken set.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "outrider/control/v1/control.grpc.pb.h"
#include "test_pki.h"

namespace outrider::secrets::test {

namespace v1 = outrider::control::v1;

class FakeControl {
 public:
  static constexpr const char* Token = "join-token-Zq81xv";
  static constexpr const char* SpiffeId = "spiffe://outrider.test/node/workload";

  explicit FakeControl(std::chrono::seconds ttl) : ttl_(ttl), service_(this) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~FakeControl() { shutdown(); }

  void shutdown() {
    if (!server_) {
      return;
    }
    {
      std::lock_guard lock(mutex_);
      const std::set<Stream*> streams = streams_;  // OnDone may run inline and erase
      for (Stream* stream : streams) {
        stream->finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "shutting down"));
      }
    }
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
    server_.reset();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  std::string session() {
    std::lock_guard lock(mutex_);
    return session_;
  }

  // The time certificates are issued at: set by the test (a ManualClock's), or real time.
  // Issue each set this much before now (a set with little life left as it lands).
  void setBackdate(std::chrono::seconds backdate) {
    std::lock_guard lock(mutex_);
    backdate_ = backdate;
  }
  void setNow(SystemTime now) {
    std::lock_guard lock(mutex_);
    now_ = now;
  }
  void useRealTime() {
    std::lock_guard lock(mutex_);
    real_time_ = true;
  }
  // New calls fail with `code` (OK: serve again).
  void failWith(grpc::StatusCode code) {
    std::lock_guard lock(mutex_);
    fail_code_ = code;
  }
  // New FetchX509 calls never send their first message.
  void hang(bool on) {
    std::lock_guard lock(mutex_);
    hang_ = on;
  }
  // The current session stops being accepted; a new Join issues another.
  void revokeSessions() {
    std::lock_guard lock(mutex_);
    session_ = "session-" + std::to_string(++session_number_) + "-Hk27pw";
  }
  // The next set sent carries a key that is not the leaf's.
  void corruptNextSet() {
    std::lock_guard lock(mutex_);
    corrupt_next_ = true;
  }
  // Re-issues to every open stream (a trust-bundle change, say).
  void pushToAll() {
    std::lock_guard lock(mutex_);
    const std::set<Stream*> streams = streams_;
    for (Stream* stream : streams) {
      stream->send(issueLocked());
    }
  }

  int joins() const { return joins_.load(); }
  int fetches() const { return fetches_.load(); }
  int openStreams() {
    std::lock_guard lock(mutex_);
    return static_cast<int>(streams_.size());
  }
  std::vector<std::string> dnsNamesSeen() {
    std::lock_guard lock(mutex_);
    return dns_names_;
  }

 private:
  class Stream final : public grpc::ServerWriteReactor<v1::X509Update> {
   public:
    Stream(FakeControl* owner) : owner_(owner) {}
    // Under the owner's mutex.
    void send(v1::X509Update update) {
      if (finished_) {
        return;
      }
      queue_.push_back(std::move(update));
      if (!writing_) {
        writeNext();
      }
    }
    void finish(const grpc::Status& status) {
      if (finished_) {
        return;
      }
      finished_ = true;
      if (writing_) {
        finish_status_ = status;  // after the write in flight completes
        finish_pending_ = true;
      } else {
        Finish(status);
      }
    }
    void OnWriteDone(bool ok) override {
      std::lock_guard lock(owner_->mutex_);
      writing_ = false;
      queue_.erase(queue_.begin());
      if (finish_pending_) {
        finish_pending_ = false;
        Finish(finish_status_);
        return;
      }
      if (!ok) {
        finish(grpc::Status::CANCELLED);
        return;
      }
      if (!queue_.empty() && !finished_) {
        writeNext();
      }
    }
    void OnCancel() override {
      std::lock_guard lock(owner_->mutex_);
      finish(grpc::Status::CANCELLED);
    }
    void OnDone() override {
      {
        std::lock_guard lock(owner_->mutex_);
        owner_->streams_.erase(this);
      }
      delete this;
    }

   private:
    void writeNext() {
      writing_ = true;
      StartWrite(&queue_.front());
    }
    FakeControl* owner_;
    std::vector<v1::X509Update> queue_;
    bool writing_ = false;
    bool finished_ = false;
    bool finish_pending_ = false;
    grpc::Status finish_status_;
  };

  class Service final : public v1::Control::CallbackService {
   public:
    explicit Service(FakeControl* owner) : owner_(owner) {}
    grpc::ServerUnaryReactor* Join(grpc::CallbackServerContext* context,
                                   const v1::JoinRequest* request,
                                   v1::JoinResponse* response) override {
      auto* reactor = context->DefaultReactor();
      ++owner_->joins_;
      std::lock_guard lock(owner_->mutex_);
      if (owner_->fail_code_ != grpc::StatusCode::OK) {
        reactor->Finish(grpc::Status(owner_->fail_code_, "fake control: failing"));
      } else if (request->token() != Token) {
        reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "token not accepted"));
      } else {
        response->set_spiffe_id(SpiffeId);
        response->set_session(owner_->session_);
        reactor->Finish(grpc::Status::OK);
      }
      return reactor;
    }
    grpc::ServerWriteReactor<v1::X509Update>* FetchX509(
        grpc::CallbackServerContext* context, const v1::FetchX509Request* request) override {
      ++owner_->fetches_;
      auto* stream = new Stream(owner_);
      std::lock_guard lock(owner_->mutex_);
      owner_->streams_.insert(stream);
      owner_->dns_names_.assign(request->dns_names().begin(), request->dns_names().end());
      std::string authorization;
      const auto& metadata = context->client_metadata();
      if (auto found = metadata.find("authorization"); found != metadata.end()) {
        authorization.assign(found->second.data(), found->second.size());
      }
      if (owner_->fail_code_ != grpc::StatusCode::OK) {
        stream->finish(grpc::Status(owner_->fail_code_, "fake control: failing"));
      } else if (authorization != "Bearer " + owner_->session_) {
        stream->finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "session not accepted"));
      } else if (!owner_->hang_) {
        stream->send(owner_->issueLocked());
      }
      return stream;
    }

   private:
    FakeControl* owner_;
  };

  v1::X509Update issueLocked() {
    const SystemTime now = real_time_ ? std::chrono::system_clock::now() : now_;
    const SystemTime not_before =
        std::chrono::time_point_cast<std::chrono::seconds>(now) - backdate_;
    CredentialSet set = pki_.issue(not_before, not_before + ttl_, ++serial_);
    if (corrupt_next_) {
      corrupt_next_ = false;
      set.key_pem = pki_.issue(not_before, not_before + ttl_, 999999).key_pem;
    }
    v1::X509Update update;
    update.mutable_svid()->set_spiffe_id(SpiffeId);
    update.mutable_svid()->set_cert_chain_pem(set.cert_pem);
    update.mutable_svid()->set_private_key_pem(set.key_pem);
    update.set_bundle_pem(set.bundle_pem);
    return update;
  }

  std::chrono::seconds ttl_;
  std::chrono::seconds backdate_{0};
  TestPki pki_;
  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::recursive_mutex mutex_;
  std::set<Stream*> streams_;
  std::vector<std::string> dns_names_;
  SystemTime now_{};
  bool real_time_ = false;
  grpc::StatusCode fail_code_ = grpc::StatusCode::OK;
  bool hang_ = false;
  bool corrupt_next_ = false;
  int session_number_ = 0;
  std::string session_ = "session-0-Hk27pw";
  uint64_t serial_ = 100;
  std::atomic<int> joins_{0};
  std::atomic<int> fetches_{0};
};

}  // namespace outrider::secrets::test
