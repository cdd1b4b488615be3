#pragma once

// `user` and `group` of a process: names (or decimal ids) resolved against this machine's user
// and group databases (getpwnam_r, getgrnam_r), so that `outrider validate` refuses what `run`
// would.

#include <cstdint>
#include <optional>
#include <string>

#include "outrider/common/result.h"

namespace outrider::scenarios::detail {

struct UserEntry {
  std::string name;
  uint32_t uid = 0;
  std::optional<uint32_t> primary_gid;  // none for a bare uid without a database entry
};

struct GroupEntry {
  std::string name;
  uint32_t gid = 0;
};

// A user by name, or by a decimal uid ("65534", which needs no entry): NotFound for an
// unknown name.
Result<UserEntry> lookUpUser(const std::string& text);
// A group by name, or by a decimal gid.
Result<GroupEntry> lookUpGroup(const std::string& text);

}  // namespace outrider::scenarios::detail
