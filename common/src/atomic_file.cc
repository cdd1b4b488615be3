#include "outrider/common/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "outrider/common/fd_io.h"

namespace outrider {

namespace fs = std::filesystem;

namespace {

tl::unexpected<Error> ioError(const fs::path& path, const char* step, const std::string& why) {
  return makeError(ErrorCode::Io, path.string() + ": " + step + ": " + why);
}

// Writes, sets the mode and (with `sync`) fsyncs an open descriptor; strerror's text on failure.
Result<void> fill(int fd, std::string_view bytes, mode_t mode, bool sync) {
  // O_CREAT applies the umask, and an existing temporary file keeps its mode: set it exactly.
  if (::fchmod(fd, mode) != 0) {
    return makeError(ErrorCode::Io, std::strerror(errno));
  }
  if (auto written = writeAll(fd, bytes); !written) {
    return written;
  }
  if (sync && ::fsync(fd) != 0) {
    return makeError(ErrorCode::Io, std::strerror(errno));
  }
  return {};
}

}  // namespace

Result<void> writeFileAtomically(const fs::path& path, std::string_view bytes,
                                 AtomicFileOptions options) {
  const fs::path folder = path.parent_path().empty() ? fs::path(".") : path.parent_path();
  const fs::path temp = folder / ("." + path.filename().string() + ".tmp");
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, options.mode);
  if (fd < 0) {
    return ioError(temp, "cannot be created", std::strerror(errno));
  }
  auto filled = fill(fd, bytes, options.mode, options.fsync);
  // close() reports what the file system could not write back (NFS, a full disk).
  if (::close(fd) != 0 && filled) {
    filled = makeError(ErrorCode::Io, std::strerror(errno));
  }
  if (!filled) {
    ::unlink(temp.c_str());
    return ioError(temp, "cannot be written", filled.error().message);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return ioError(path, "cannot be renamed into place", std::strerror(error));
  }
  if (options.fsync && options.fsync_folder) {
    return fsyncPath(folder);
  }
  return {};
}

Result<void> fsyncPath(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return ioError(path, "cannot be synced", std::strerror(errno));
  }
  const bool synced = ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  if (!synced) {
    return ioError(path, "cannot be synced", std::strerror(error));
  }
  return {};
}

}  // namespace outrider
