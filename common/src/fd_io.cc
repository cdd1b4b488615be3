#include "outrider/common/fd_io.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace outrider {

Result<void> writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return makeError(ErrorCode::Io, n < 0 ? std::strerror(errno) : "wrote nothing");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

}  // namespace outrider
