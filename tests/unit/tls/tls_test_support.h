#pragma once

#include <gtest/gtest.h>

#include <filesystem>

#include "memory_handshake.h"
#include "test_dir.h"
#include "test_pki.h"

namespace outrider::tls::test {

using namespace std::chrono_literals;

// A fixed instant: every test says the time verification uses.
inline SystemTime testNow() { return SystemTime(std::chrono::seconds(1780000000)); }

class TlsFixture : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = outrider::test::freshTestDir("tls");
    pki_ = std::make_unique<outrider::test::TestPki>(dir_ / "pki", testNow());
    other_ = std::make_unique<outrider::test::TestPki>(dir_ / "other", testNow(), "other CA");
    ASSERT_TRUE(pki_->ok() && other_->ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ContextPtr context(Role role, const Files& files) {
    auto made = makeContext(role, files);
    EXPECT_TRUE(made) << made.error().message;
    return made ? *made : nullptr;
  }
  // The server with its leaf; mTLS when `client_ca` is set.
  ContextPtr server(const outrider::test::PemFiles& leaf, const std::string& client_ca = "") {
    return context(Role::Server, {leaf.cert, leaf.key, client_ca});
  }
  ContextPtr client(const std::string& ca, const outrider::test::PemFiles* leaf = nullptr) {
    return context(Role::Client, {leaf ? leaf->cert : "", leaf ? leaf->key : "", ca});
  }
  HandshakeOptions at(SystemTime client_time, SystemTime server_time) {
    HandshakeOptions options;
    options.client_time = client_time;
    options.server_time = server_time;
    return options;
  }

  std::filesystem::path dir_;
  std::unique_ptr<outrider::test::TestPki> pki_;
  std::unique_ptr<outrider::test::TestPki> other_;
};

}  // namespace outrider::tls::test
