#include "identity.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <vector>

namespace outrider::scenarios::detail {
namespace {

// A decimal id below 2^32 - 1 ((uid_t)-1 means "unchanged" to setresuid).
std::optional<uint32_t> decimalId(const std::string& text) {
  if (text.empty() || text.size() > 10) {
    return std::nullopt;
  }
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value >= 0xffffffffULL) {
    return std::nullopt;
  }
  return static_cast<uint32_t>(value);
}

size_t bufferSize(int name) {
  const long suggested = ::sysconf(name);
  return suggested > 0 ? static_cast<size_t>(suggested) : 16384;
}

// Calls lookup(buffer) with a growing buffer while it answers ERANGE; returns its errno.
template <class Lookup>
int withBuffer(int size_name, Lookup lookup) {
  std::vector<char> buffer(bufferSize(size_name));
  for (;;) {
    const int error = lookup(buffer);
    if (error != ERANGE || buffer.size() > (1U << 20)) {
      return error;
    }
    buffer.resize(buffer.size() * 2);
  }
}

}  // namespace

Result<UserEntry> lookUpUser(const std::string& text) {
  if (text.empty()) {
    return makeError(ErrorCode::InvalidArgument, "must name a user, like \"nobody\"");
  }
  const auto id = decimalId(text);
  std::optional<UserEntry> found;
  const int error = withBuffer(_SC_GETPW_R_SIZE_MAX, [&](std::vector<char>& buffer) {
    struct passwd entry {};
    struct passwd* result = nullptr;
    const int rc = id ? ::getpwuid_r(*id, &entry, buffer.data(), buffer.size(), &result)
                      : ::getpwnam_r(text.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == 0 && result != nullptr) {
      found = UserEntry{result->pw_name, result->pw_uid, result->pw_gid};
    }
    return rc;
  });
  if (found) {
    return *found;
  }
  if (error != 0 && error != ENOENT && error != ESRCH && !id) {
    return makeError(ErrorCode::Io,
                     "cannot look up user '" + text + "': " + std::string(std::strerror(error)));
  }
  if (id) {
    return UserEntry{text, *id, std::nullopt};
  }
  return makeError(ErrorCode::NotFound, "no user named '" + text + "' on this machine");
}

Result<GroupEntry> lookUpGroup(const std::string& text) {
  if (text.empty()) {
    return makeError(ErrorCode::InvalidArgument, "must name a group, like \"nogroup\"");
  }
  const auto id = decimalId(text);
  std::optional<GroupEntry> found;
  const int error = withBuffer(_SC_GETGR_R_SIZE_MAX, [&](std::vector<char>& buffer) {
    struct group entry {};
    struct group* result = nullptr;
    const int rc = id ? ::getgrgid_r(*id, &entry, buffer.data(), buffer.size(), &result)
                      : ::getgrnam_r(text.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == 0 && result != nullptr) {
      found = GroupEntry{result->gr_name, result->gr_gid};
    }
    return rc;
  });
  if (found) {
    return *found;
  }
  if (error != 0 && error != ENOENT && error != ESRCH && !id) {
    return makeError(ErrorCode::Io,
                     "cannot look up group '" + text + "': " + std::string(std::strerror(error)));
  }
  if (id) {
    return GroupEntry{text, *id};  // a bare gid needs no entry: setgid takes any number
  }
  return makeError(ErrorCode::NotFound, "no group named '" + text + "' on this machine");
}

}  // namespace outrider::scenarios::detail
