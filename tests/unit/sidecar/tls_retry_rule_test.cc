// The premise of the proxy's "safe to retry" rule on TLS, on real loopback sockets: TCP carries
// more than the plaintext (so plaintext counts cannot be compared with TCP_INFO's acknowledged
// bytes), and a snapshot of the acknowledged bytes taken before a request tells a peer that had
// closed (nothing acknowledged past it) from one that received the request (acknowledged past it).
#include <gtest/gtest.h>
#include <poll.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <thread>

#include "outrider/tls/context.h"
#include "socket_probe.h"
#include "test_dir.h"
#include "test_pki.h"

namespace outrider::sidecar {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
using TlsStream = asio::ssl::stream<tcp::socket>;

class TlsRetryRuleTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = outrider::test::freshTestDir("retry-rule");
    pki_ = std::make_unique<test::TestPki>(dir_, std::chrono::system_clock::now());
    ASSERT_TRUE(pki_->ok());
    const auto leaf = pki_->leaf("server");
    auto server = tls::makeContext(tls::Role::Server, {leaf.cert, leaf.key, ""});
    auto client = tls::makeContext(tls::Role::Client, {"", "", leaf.ca});
    ASSERT_TRUE(server && client);
    server_context_ = *server;
    client_context_ = *client;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A TLS connection over loopback with one 4-byte exchange done; the server's end in `server`.
  void connectPair(std::optional<TlsStream>& client, std::optional<TlsStream>& server) {
    tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
    server.emplace(io_, *server_context_);
    client.emplace(io_, *client_context_);
    std::thread accepting([&] {
      acceptor.accept(server->next_layer());
      server->handshake(asio::ssl::stream_base::server);
      char ping[4];
      asio::read(*server, asio::buffer(ping));
      asio::write(*server, asio::buffer("pong", 4));
    });
    client->next_layer().connect(acceptor.local_endpoint());
    client->handshake(asio::ssl::stream_base::client);
    asio::write(*client, asio::buffer("ping", 4));
    char pong[4];
    asio::read(*client, asio::buffer(pong));
    accepting.join();
  }

  // Polls TCP_INFO until the acknowledged bytes pass `than` or the deadline does.
  static std::uint64_t ackedAfter(int fd, std::uint64_t than, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::uint64_t acked = bytesAckedByPeer(fd).value_or(0);
    while (acked <= than && std::chrono::steady_clock::now() < deadline) {
      ::poll(nullptr, 0, 1);  // a poll interval, not a synchronisation point
      acked = bytesAckedByPeer(fd).value_or(0);
    }
    return acked;
  }

  std::filesystem::path dir_;
  std::unique_ptr<test::TestPki> pki_;
  tls::ContextPtr server_context_;
  tls::ContextPtr client_context_;
  asio::io_context io_;
};

// After the handshake and one exchange of 4 plaintext bytes, TCP has acknowledged far more:
// the plaintext rule (acked <= plaintext written) could never allow a retry on TLS.
TEST_F(TlsRetryRuleTest, TcpAcknowledgesMoreThanThePlaintext) {
  std::optional<TlsStream> client;
  std::optional<TlsStream> server;
  connectPair(client, server);
  const auto acked = bytesAckedByPeer(client->next_layer().native_handle());
  ASSERT_TRUE(acked.has_value());
  EXPECT_GT(*acked, 4u + 100u);
}

// A peer that closed before the request came acknowledges nothing of it: the acknowledged bytes
// stay at the snapshot (the request is answered by a reset), so the request is safe to retry.
TEST_F(TlsRetryRuleTest, ClosedPeerAcknowledgesNothingPastTheSnapshot) {
  std::optional<TlsStream> client;
  std::optional<TlsStream> server;
  connectPair(client, server);
  const int fd = client->next_layer().native_handle();
  // Every byte so far was acknowledged with the pong.
  const std::uint64_t snapshot = bytesAckedByPeer(fd).value_or(0);
  server->next_layer().close();
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::system::error_code ec;
  asio::write(*client, asio::buffer(request), ec);
  // Waits for the reset (POLLERR/POLLHUP are always reported; a FIN alone raises neither).
  pollfd reset{fd, 0, 0};
  ASSERT_EQ(::poll(&reset, 1, 2000), 1) << "no reset within 2s";
  EXPECT_EQ(bytesAckedByPeer(fd).value_or(0), snapshot);
}

// A peer that is there acknowledges the request past the snapshot: not safe to retry.
TEST_F(TlsRetryRuleTest, LivePeerAcknowledgesPastTheSnapshot) {
  std::optional<TlsStream> client;
  std::optional<TlsStream> server;
  connectPair(client, server);
  const int fd = client->next_layer().native_handle();
  const std::uint64_t snapshot = bytesAckedByPeer(fd).value_or(0);
  const std::string request = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  asio::write(*client, asio::buffer(request));
  EXPECT_GT(ackedAfter(fd, snapshot, std::chrono::milliseconds(2000)), snapshot);
}

}  // namespace
}  // namespace outrider::sidecar
