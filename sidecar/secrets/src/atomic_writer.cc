#include "outrider/secrets/atomic_writer.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

#include "outrider/common/atomic_file.h"

namespace outrider::secrets {

namespace fs = std::filesystem;

namespace {

constexpr const char* DataTmpLink = "..data_tmp";

tl::unexpected<Error> ioError(const std::string& what, int err = errno) {
  return makeError(ErrorCode::Io, fmt::format("{}: {}", what, std::strerror(err)));
}

// A descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool ok() const { return fd_ >= 0; }

 private:
  int fd_;
};

// "..2026_11_27_08_00_00.123456789", kubelet's folder naming with nanoseconds.
std::string folderName(SystemTime now) {
  const auto since_epoch = now.time_since_epoch();
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch - secs);
  const std::time_t t = static_cast<std::time_t>(secs.count());
  struct tm parts {};
  gmtime_r(&t, &parts);
  return fmt::format("..{:04}_{:02}_{:02}_{:02}_{:02}_{:02}.{:09}", parts.tm_year + 1900,
                     parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec,
                     nanos.count());
}

std::string readLink(const fs::path& link) {
  std::error_code ec;
  const fs::path target = fs::read_symlink(link, ec);
  return ec ? std::string() : target.string();
}

// Reads a whole file relative to a directory descriptor.
Result<std::string> readAt(int dir_fd, const char* name) {
  Fd fd(::openat(dir_fd, name, O_RDONLY | O_CLOEXEC));
  if (!fd.ok()) {
    return makeError(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                     fmt::format("open {}: {}", name, std::strerror(errno)));
  }
  std::string text;
  char buffer[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      return ioError(std::string("read ") + name);
    }
    if (n == 0) {
      return text;
    }
    text.append(buffer, static_cast<size_t>(n));
  }
}

}  // namespace

AtomicWriter::AtomicWriter(fs::path dir, const Clock& clock, AtomicWriterOptions options)
    : dir_(std::move(dir)), clock_(clock), options_(options) {}

Result<std::unique_ptr<AtomicWriter>> AtomicWriter::create(fs::path dir, const Clock& clock,
                                                           AtomicWriterOptions options) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    return makeError(ErrorCode::Io, fmt::format("create {}: {}", dir.string(), ec.message()));
  }
  if (!fs::is_directory(dir, ec)) {
    return makeError(ErrorCode::InvalidArgument, dir.string() + " is not a directory");
  }
  return std::unique_ptr<AtomicWriter>(new AtomicWriter(std::move(dir), clock, options));
}

std::string AtomicWriter::currentFolder() const { return readLink(dir_ / DataLink); }

Result<std::string> AtomicWriter::write(const CredentialSet& set) {
  // 1. A new folder; two writes within one clock tick get a suffix.
  std::string folder = folderName(clock_.systemNow());
  for (int suffix = 1; ::mkdir((dir_ / folder).c_str(), 0755) != 0; ++suffix) {
    if (errno != EEXIST || suffix > 1000) {
      return ioError("mkdir " + (dir_ / folder).string());
    }
    folder = folderName(clock_.systemNow()) + "-" + std::to_string(suffix);
  }
  const fs::path folder_path = dir_ / folder;
  auto discard = [&folder_path] {
    std::error_code ignored;
    fs::remove_all(folder_path, ignored);
  };

  // 2. The files, each fsynced, then the folder once; modes set explicitly so the umask cannot
  // widen or narrow them. Nobody reads the folder before the swap: temporary names are harmless.
  struct Item {
    const char* name;
    const std::string* data;
    mode_t mode;
  };
  const Item items[] = {{CertFile, &set.cert_pem, 0644},
                        {KeyFile, &set.key_pem, 0600},
                        {BundleFile, &set.bundle_pem, 0644}};
  for (const Item& item : items) {
    if (auto written = writeFileAtomically(
            folder_path / item.name, *item.data,
            {.mode = item.mode, .fsync = options_.fsync, .fsync_folder = false});
        !written) {
      discard();
      return tl::unexpected(written.error());
    }
  }
  if (options_.fsync) {
    if (auto synced = fsyncPath(folder_path); !synced) {
      discard();
      return tl::unexpected(synced.error());
    }
  }

  // 3. The swap: ..data_tmp -> folder, renamed over ..data.
  const std::string previous = currentFolder();
  const fs::path tmp_link = dir_ / DataTmpLink;
  ::unlink(tmp_link.c_str());  // a crash may have left one
  if (::symlink(folder.c_str(), tmp_link.c_str()) != 0) {
    auto error = ioError("symlink " + tmp_link.string());
    discard();
    return error;
  }
  if (::rename(tmp_link.c_str(), (dir_ / DataLink).c_str()) != 0) {
    auto error = ioError("rename " + tmp_link.string());
    ::unlink(tmp_link.c_str());
    discard();
    return error;
  }
  if (auto linked = ensureUserLinks(); !linked) {
    return tl::unexpected(linked.error());
  }
  if (options_.fsync) {
    if (auto synced = fsyncPath(dir_); !synced) {
      return tl::unexpected(synced.error());
    }
  }

  // 4. Older sets go; the current one and the newest `keep_previous` stay.
  prune(folder, previous);
  return folder;
}

Result<void> AtomicWriter::ensureUserLinks() {
  for (const char* name : {CertFile, KeyFile, BundleFile}) {
    const fs::path link = dir_ / name;
    const std::string target = std::string(DataLink) + "/" + name;
    if (readLink(link) == target) {
      continue;
    }
    // Made once, atomically replacing whatever stood there (a plain file of an older writer).
    const fs::path tmp = dir_ / (std::string("..") + name + ".tmp");
    ::unlink(tmp.c_str());
    if (::symlink(target.c_str(), tmp.c_str()) != 0 || ::rename(tmp.c_str(), link.c_str()) != 0) {
      auto error = ioError("link " + link.string());
      ::unlink(tmp.c_str());
      return error;
    }
  }
  return {};
}

void AtomicWriter::prune(const std::string& current, const std::string& previous) {
  if (!previous.empty() && previous != current) {
    history_.erase(std::remove(history_.begin(), history_.end(), previous), history_.end());
    history_.insert(history_.begin(), previous);
  }
  std::vector<std::string> keep{current};
  for (size_t i = 0; i < history_.size() && i < options_.keep_previous; ++i) {
    keep.push_back(history_[i]);
  }
  history_.resize(std::min<size_t>(history_.size(), options_.keep_previous));
  // Every other ..<time> folder goes, also those of an earlier run of the writer.
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("..", 0) != 0 || name == DataLink || name == DataTmpLink ||
        entry.is_symlink(ec) || !entry.is_directory(ec)) {
      continue;
    }
    if (std::find(keep.begin(), keep.end(), name) != keep.end()) {
      continue;
    }
    std::error_code ignored;
    fs::remove_all(entry.path(), ignored);
  }
}

namespace {

Result<CredentialSet> readSetOnce(const fs::path& dir) {
  Fd data(::open((dir / DataLink).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!data.ok()) {
    return makeError(errno == ENOENT ? ErrorCode::NotFound : ErrorCode::Io,
                     fmt::format("open {}: {}", (dir / DataLink).string(), std::strerror(errno)));
  }
  CredentialSet set;
  auto cert = readAt(data.get(), CertFile);
  if (!cert) {
    return tl::unexpected(cert.error());
  }
  auto key = readAt(data.get(), KeyFile);
  if (!key) {
    return tl::unexpected(key.error());
  }
  auto bundle = readAt(data.get(), BundleFile);
  if (!bundle) {
    return tl::unexpected(bundle.error());
  }
  set.cert_pem = std::move(*cert);
  set.key_pem = std::move(*key);
  set.bundle_pem = std::move(*bundle);
  return set;
}

}  // namespace

Result<CredentialSet> readSet(const fs::path& dir, unsigned* retries) {
  for (unsigned attempt = 0;; ++attempt) {
    auto set = readSetOnce(dir);
    // NotFound after ..data opened: the folder was pruned while we read it; a newer one exists.
    if (set || set.error().code != ErrorCode::NotFound || attempt == 3 ||
        !fs::exists(dir / DataLink)) {
      return set;
    }
    if (retries != nullptr) {
      ++*retries;
    }
  }
}

}  // namespace outrider::secrets
