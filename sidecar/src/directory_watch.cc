#include "directory_watch.h"

#include <fmt/core.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>

#include "event_loops.h"
#include "outrider/common/asio.h"

namespace outrider::sidecar {

namespace {

constexpr uint32_t WatchedEvents = IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE;
// A writer's burst (folder, files, symlink, rename) is read as one change.
constexpr std::chrono::milliseconds Settle(50);

}  // namespace

Result<std::unique_ptr<DirectoryWatch>> DirectoryWatch::create(
    asio::io_context& loop, const std::vector<std::string>& files,
    std::function<void()> on_change) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    return makeError(ErrorCode::Io, fmt::format("inotify_init1: {}", std::strerror(errno)));
  }
  std::unique_ptr<DirectoryWatch> watch(new DirectoryWatch(loop, fd, std::move(on_change)));
  std::set<std::string> dirs;
  for (const auto& file : files) {
    if (!file.empty()) {
      const auto parent = std::filesystem::absolute(file).parent_path();
      dirs.insert(parent.empty() ? std::string("/") : parent.string());
    }
  }
  for (const auto& dir : dirs) {
    if (::inotify_add_watch(fd, dir.c_str(), WatchedEvents) < 0) {
      return makeError(ErrorCode::Io,
                       fmt::format("inotify_add_watch {}: {}", dir, std::strerror(errno)));
    }
  }
  return watch;
}

DirectoryWatch::DirectoryWatch(asio::io_context& loop, int fd, std::function<void()> on_change)
    : loop_(loop), descriptor_(loop, fd), settle_(loop), on_change_(std::move(on_change)) {}

DirectoryWatch::~DirectoryWatch() = default;

void DirectoryWatch::start() {
  asio::co_spawn(loop_, run(), LogOnException{"outrider-proxy tls watch"});
}

void DirectoryWatch::stop() {
  boost::system::error_code ignored;
  settle_.cancel();
  descriptor_.close(ignored);
}

awaitable<void> DirectoryWatch::run() {
  // inotify events are variable-length; one read returns whole events only.
  alignas(inotify_event) std::array<char, 4096> events{};
  for (;;) {
    auto [ec, n] = co_await descriptor_.async_read_some(asio::buffer(events), UseNothrow);
    if (ec) {
      co_return;  // stopped (or the descriptor broke; the periodic check still reloads)
    }
    settle_.expires_after(Settle);
    auto [settle_ec] = co_await settle_.async_wait(UseNothrow);
    if (settle_ec) {
      co_return;
    }
    on_change_();
  }
}

}  // namespace outrider::sidecar
