#pragma once

// Writing a whole buffer to a descriptor, past short writes and EINTR: one loop for the
// supervisor's log markers, the secret sidecar's set files and the control plane's state files.

#include <string_view>

#include "outrider/common/result.h"

namespace outrider {

// Io with strerror's text when a write fails (or writes nothing).
Result<void> writeAll(int fd, std::string_view data);

}  // namespace outrider
