// writeFileAtomically() and fsyncPath(): whole files with exact modes, errors naming the path.
#include "outrider/common/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <fstream>
#include <iterator>

#include "test_dir.h"

namespace outrider {
namespace {

namespace fs = std::filesystem;
using testing::HasSubstr;

mode_t modeOf(const fs::path& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

std::string readText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The names in a folder, sorted.
std::vector<std::string> namesIn(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class AtomicFileTest : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = test::freshTestDir("atomic-file");
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ignored;
    fs::permissions(dir_, fs::perms::owner_all, ignored);
    fs::remove_all(dir_, ignored);
  }
  fs::path dir_;
};

// A write replaces the file whole, takes the new mode and leaves no temporary file.
TEST_F(AtomicFileTest, ReplacesTheFileWhole) {
  const auto path = dir_ / "f";
  ASSERT_TRUE(writeFileAtomically(path, "one", {.mode = 0600}));
  ASSERT_TRUE(writeFileAtomically(path, "two", {.mode = 0640}));
  EXPECT_EQ(readText(path), "two");
  EXPECT_EQ(modeOf(path), 0640u);
  EXPECT_THAT(namesIn(dir_), testing::ElementsAre("f"));
}

// The mode is the one asked for, whatever the umask would take away or an old temporary had.
TEST_F(AtomicFileTest, SetsTheModeRegardlessOfTheUmask) {
  std::ofstream(dir_ / ".f.tmp") << "left by a crash";
  fs::permissions(dir_ / ".f.tmp", fs::perms::owner_read | fs::perms::owner_write);
  const mode_t old_umask = ::umask(0077);
  auto written = writeFileAtomically(dir_ / "f", "text", {.mode = 0644});
  ::umask(old_umask);
  ASSERT_TRUE(written) << written.error().message;
  EXPECT_EQ(modeOf(dir_ / "f"), 0644u);
  EXPECT_THAT(namesIn(dir_), testing::ElementsAre("f"));
}

// Without fsync (or without the folder's) the file is still renamed into place whole.
TEST_F(AtomicFileTest, WritesWithoutFsync) {
  ASSERT_TRUE(writeFileAtomically(dir_ / "f", "text", {.mode = 0600, .fsync = false}));
  EXPECT_EQ(readText(dir_ / "f"), "text");
  EXPECT_EQ(modeOf(dir_ / "f"), 0600u);
  ASSERT_TRUE(writeFileAtomically(dir_ / "g", "more", {.mode = 0640, .fsync_folder = false}));
  EXPECT_EQ(readText(dir_ / "g"), "more");
  EXPECT_EQ(modeOf(dir_ / "g"), 0640u);
  EXPECT_THAT(namesIn(dir_), testing::ElementsAre("f", "g"));
}

// A folder that is not there is an Io error naming the temporary file it could not create.
TEST_F(AtomicFileTest, MissingFolderIsAnErrorNamingThePath) {
  auto written = writeFileAtomically(dir_ / "absent" / "f", "text");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::Io);
  EXPECT_THAT(written.error().message,
              HasSubstr((dir_ / "absent" / ".f.tmp").string() + ": cannot be created: "));
}

// A rename that fails (a folder stands at the path) names the path and leaves no temporary file.
TEST_F(AtomicFileTest, FailedRenameLeavesNoTemporaryFile) {
  fs::create_directories(dir_ / "f" / "inside");
  auto written = writeFileAtomically(dir_ / "f", "text");
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::Io);
  EXPECT_THAT(written.error().message,
              HasSubstr((dir_ / "f").string() + ": cannot be renamed into place: "));
  EXPECT_THAT(namesIn(dir_), testing::ElementsAre("f"));
  EXPECT_TRUE(fs::is_directory(dir_ / "f"));
}

// A write that fails part way (over the file size limit) removes its temporary file and keeps
// the old file as it was.
TEST_F(AtomicFileTest, FailedWriteLeavesTheOldFile) {
  ASSERT_TRUE(writeFileAtomically(dir_ / "f", "old"));
  rlimit old_limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);  // EFBIG instead of the signal
  rlimit small = old_limit;
  small.rlim_cur = 4;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto written = writeFileAtomically(dir_ / "f", "longer than four bytes");
  ::setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().code, ErrorCode::Io);
  EXPECT_THAT(written.error().message,
              HasSubstr((dir_ / ".f.tmp").string() + ": cannot be written: "));
  EXPECT_EQ(readText(dir_ / "f"), "old");
  EXPECT_THAT(namesIn(dir_), testing::ElementsAre("f"));
}

// fsyncPath syncs a folder or a file, and names a path that is not there.
TEST_F(AtomicFileTest, FsyncPathNamesThePath) {
  ASSERT_TRUE(writeFileAtomically(dir_ / "f", "text"));
  EXPECT_TRUE(fsyncPath(dir_));
  EXPECT_TRUE(fsyncPath(dir_ / "f"));
  auto synced = fsyncPath(dir_ / "absent");
  ASSERT_FALSE(synced);
  EXPECT_EQ(synced.error().code, ErrorCode::Io);
  EXPECT_THAT(synced.error().message,
              HasSubstr((dir_ / "absent").string() + ": cannot be synced: "));
}

}  // namespace
}  // namespace outrider
