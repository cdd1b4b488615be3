#include "outrider/tls/file_stamp.h"

#include <sys/stat.h>

namespace outrider::tls {
namespace {

FileStamp::One stampOne(const std::string& path) {
  FileStamp::One one;
  struct stat info {};
  if (path.empty() || ::stat(path.c_str(), &info) != 0) {
    return one;
  }
  one.device = info.st_dev;
  one.inode = info.st_ino;
  one.size = info.st_size;
  one.mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec;
  return one;
}

}  // namespace

FileStamp stampOf(const Files& files) {
  return FileStamp{{stampOne(files.cert), stampOne(files.key), stampOne(files.ca)}};
}

}  // namespace outrider::tls
