#pragma once

// inotify on the folders that hold certificate files: an entry created, moved in, written and
// closed or deleted in one of them calls `on_change` on the watch's loop, once a burst of events
// has settled. Watching the folder, not the file, is what sees a rotation: outrider-secrets (like
// Kubernetes) writes a new folder and renames the `..data` symlink over the old one, which
// changes no watched file's inode.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "outrider/common/result.h"

namespace outrider::sidecar {

class DirectoryWatch {
 public:
  // The parent folders of `files` (each watched once).
  static Result<std::unique_ptr<DirectoryWatch>> create(boost::asio::io_context& loop,
                                                        const std::vector<std::string>& files,
                                                        std::function<void()> on_change);
  ~DirectoryWatch();
  DirectoryWatch(const DirectoryWatch&) = delete;
  DirectoryWatch& operator=(const DirectoryWatch&) = delete;

  // Spawns the watch on its loop; stop() (on that loop) ends it.
  void start();
  void stop();

 private:
  DirectoryWatch(boost::asio::io_context& loop, int fd, std::function<void()> on_change);
  boost::asio::awaitable<void> run();

  boost::asio::io_context& loop_;
  boost::asio::posix::stream_descriptor descriptor_;
  boost::asio::steady_timer settle_;
  std::function<void()> on_change_;
};

}  // namespace outrider::sidecar
