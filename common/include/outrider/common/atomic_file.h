#pragma once

// Writing a file so that a reader, or the file system after a crash, sees the old file or the new
// one and never a part: a temporary file in the same folder, written, fsynced, renamed over the
// path, then the folder fsynced. One helper for the harness's leases, the journal, the control
// plane's state files and the secret sidecar's credential files.

#include <sys/types.h>

#include <filesystem>
#include <string_view>

#include "outrider/common/result.h"

namespace outrider {

struct AtomicFileOptions {
  // Set exactly on the file, whatever the umask (or an older temporary file's mode) would give.
  mode_t mode = 0644;
  // fsync the file before the rename and its folder after it. Off where a crash may lose the
  // file (tests, a secrets writer told not to sync); the rename keeps readers safe either way.
  bool fsync = true;
  // With fsync: the folder too. Off for a writer filling a new folder that it syncs once, after
  // its last file (outrider-secrets' set folders).
  bool fsync_folder = true;
};

// Replaces `path` with `bytes` through `.<name>.tmp` beside it. Every error is Io and names the
// file (the temporary one for the steps before the rename) and the step that failed; no
// temporary file is left behind by a failure.
Result<void> writeFileAtomically(const std::filesystem::path& path, std::string_view bytes,
                                 AtomicFileOptions options = {});

// fsync of a file or a folder (a folder after a rename in it, so that the new name lasts).
// Io "<path>: cannot be synced: <why>".
Result<void> fsyncPath(const std::filesystem::path& path);

}  // namespace outrider
