#pragma once

// What identifies the contents of certificate files without reading them: device, inode, size and
// modification time of each, symlinks followed, so the `..data` swap of a rotation (new folder,
// new inodes) changes the stamp even within one mtime tick.

#include <array>
#include <cstdint>

#include "outrider/tls/context.h"

namespace outrider::tls {

struct FileStamp {
  struct One {
    uint64_t device = 0;
    uint64_t inode = 0;
    int64_t size = -1;  // -1: missing or not stat-able
    int64_t mtime_ns = 0;
    bool operator==(const One&) const = default;
  };
  std::array<One, 3> files{};  // cert, key, ca
  bool operator==(const FileStamp&) const = default;
};

FileStamp stampOf(const Files& files);

}  // namespace outrider::tls
