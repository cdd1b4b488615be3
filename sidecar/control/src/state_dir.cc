#include "outrider/control/state_dir.h"

#include <fmt/core.h>
#include <openssl/rand.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "outrider/common/atomic_file.h"

namespace outrider::control {
namespace {

namespace fs = std::filesystem;

constexpr const char* CaCertFile = "ca.pem";
constexpr const char* CaKeyFile = "ca.key";
constexpr const char* SessionKeyFile = "session.key";
constexpr const char* IssuedFile = "issued.json";
constexpr const char* WrongCaCertFile = "wrong-ca.pem";
constexpr const char* WrongCaKeyFile = "wrong-ca.key";

Result<std::string> readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return makeError(ErrorCode::Io, fmt::format("{}: cannot be read", path.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

tl::unexpected<Error> corrupt(const fs::path& path, std::string_view why) {
  return makeError(
      ErrorCode::InvalidArgument,
      fmt::format("state dir: {}: {} (move it away to start afresh)", path.string(), why));
}

std::string randomHex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), static_cast<int>(bytes)) != 1) {
    return {};
  }
  static constexpr char Digits[] = "0123456789abcdef";
  std::string hex;
  for (const char c : raw) {
    hex.push_back(Digits[static_cast<unsigned char>(c) >> 4]);
    hex.push_back(Digits[static_cast<unsigned char>(c) & 0xf]);
  }
  return hex;
}

}  // namespace

// A CA kept as a certificate and a key file of `dir`: loaded when both are there, created (and
// written) when neither is; one without the other is an InvalidArgument naming the one missing.
Result<CertificateAuthorityPtr> loadOrCreateCa(const fs::path& dir, const char* cert_file,
                                               const char* key_file, const std::string& common_name,
                                               SystemTime now, bool& created) {
  const fs::path cert_path = dir / cert_file;
  const fs::path key_path = dir / key_file;
  const bool have_cert = fs::exists(cert_path);
  const bool have_key = fs::exists(key_path);
  if (have_cert != have_key) {
    return corrupt(have_cert ? key_path : cert_path,
                   fmt::format("missing while {} is there", have_cert ? cert_file : key_file));
  }
  created = false;
  if (have_cert) {
    auto cert_pem = readFile(cert_path);
    auto key_pem = readFile(key_path);
    if (!cert_pem) {
      return tl::unexpected(cert_pem.error());
    }
    if (!key_pem) {
      return tl::unexpected(key_pem.error());
    }
    auto ca = CertificateAuthority::load(*cert_pem, *key_pem);
    if (!ca) {
      // The message says which of the two did not parse; name the file it is about.
      const bool about_key = ca.error().message.find("key") != std::string::npos &&
                             ca.error().message.find("certificate") == std::string::npos;
      return corrupt(about_key ? key_path : cert_path, ca.error().message);
    }
    return std::move(*ca);
  }
  auto ca = CertificateAuthority::createRoot(common_name, now);
  if (!ca) {
    return tl::unexpected(ca.error());
  }
  // The key first: a crash between the two leaves a key without a certificate, which open()
  // reports, never a certificate whose key is lost.
  if (auto w = writeFileAtomically(key_path, (*ca)->keyPem(), {.mode = 0600}); !w) {
    return tl::unexpected(w.error());
  }
  if (auto w = writeFileAtomically(cert_path, (*ca)->certPem(), {.mode = 0644}); !w) {
    return tl::unexpected(w.error());
  }
  created = true;
  return std::move(*ca);
}

Result<std::unique_ptr<StateDir>> StateDir::open(const fs::path& dir, const Clock& clock) {
  std::error_code ec;
  if (fs::create_directories(dir, ec)) {
    fs::permissions(dir, fs::perms::owner_all, ec);  // it will hold keys
  }
  if (ec || !fs::is_directory(dir)) {
    return makeError(ErrorCode::Io, fmt::format("state dir {}: cannot be created: {}", dir.string(),
                                                ec ? ec.message() : "not a directory"));
  }
  std::unique_ptr<StateDir> state(new StateDir());
  state->dir_ = dir;
  bool created = false;
  auto ca =
      loadOrCreateCa(dir, CaCertFile, CaKeyFile, "outrider local CA", clock.systemNow(), created);
  if (!ca) {
    return tl::unexpected(ca.error());
  }
  state->ca_ = std::move(*ca);
  state->created_ = created;

  const fs::path session_path = dir / SessionKeyFile;
  if (fs::exists(session_path)) {
    auto text = readFile(session_path);
    if (!text) {
      return tl::unexpected(text.error());
    }
    std::string hex = *text;
    while (!hex.empty() && (hex.back() == '\n' || hex.back() == '\r')) {
      hex.pop_back();
    }
    if (hex.size() != 64 || hex.find_first_not_of("0123456789abcdef") != std::string::npos) {
      return corrupt(session_path, "expected 64 lower-case hex digits");
    }
    state->session_key_ = hex;
  } else {
    state->session_key_ = randomHex(32);
    if (state->session_key_.empty()) {
      return makeError(ErrorCode::Internal, "no randomness for the session key");
    }
    if (auto w = writeFileAtomically(session_path, state->session_key_ + "\n", {.mode = 0600});
        !w) {
      return tl::unexpected(w.error());
    }
  }
  if (auto loaded = state->loadIssued(); !loaded) {
    return tl::unexpected(loaded.error());
  }
  return state;
}

Result<void> StateDir::loadIssued() {
  const fs::path path = dir_ / IssuedFile;
  if (!fs::exists(path)) {
    return {};
  }
  auto text = readFile(path);
  if (!text) {
    return tl::unexpected(text.error());
  }
  const auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("count") ||
      !json["count"].is_number_unsigned() || !json.contains("recent_serials") ||
      !json["recent_serials"].is_array()) {
    return corrupt(path, "expected {\"count\": N, \"recent_serials\": [...]}");
  }
  issued_count_ = json["count"].get<uint64_t>();
  for (const auto& serial : json["recent_serials"]) {
    if (!serial.is_string()) {
      return corrupt(path, "recent_serials holds a value that is not a string");
    }
    recent_serials_.push_back(serial.get<std::string>());
  }
  return {};
}

Result<const CertificateAuthority*> StateDir::wrongCa(SystemTime now) {
  std::lock_guard lock(wrong_ca_mutex_);
  if (!wrong_ca_) {
    bool created = false;
    // A different name as well as a different key: a peer's error then says which CA it saw.
    auto ca = loadOrCreateCa(dir_, WrongCaCertFile, WrongCaKeyFile,
                             "outrider wrong CA (cert-wrong-ca fault)", now, created);
    if (!ca) {
      return tl::unexpected(ca.error());
    }
    wrong_ca_ = std::move(*ca);
  }
  return wrong_ca_.get();
}

uint64_t StateDir::issuedCount() const {
  std::lock_guard lock(mutex_);
  return issued_count_;
}

Result<void> StateDir::recordIssued(const std::string& serial_hex) {
  std::lock_guard lock(mutex_);
  ++issued_count_;
  recent_serials_.push_back(serial_hex);
  while (recent_serials_.size() > RecentSerials) {
    recent_serials_.pop_front();
  }
  nlohmann::json json;
  json["count"] = issued_count_;
  json["recent_serials"] = recent_serials_;
  return writeFileAtomically(dir_ / IssuedFile, json.dump() + "\n", {.mode = 0644});
}

}  // namespace outrider::control
