#include "cli/install_paths.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace mamori::cli {
namespace {

namespace fs = std::filesystem;

class InstallPathsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("mamori-paths-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(InstallPathsTest, AnInstalledBinaryFindsShareMamoriUnderItsPrefix) {
  fs::create_directories(root_ / "usr/bin");
  fs::create_directories(root_ / "usr/share/mamori/web");
  EXPECT_EQ(ShareDirFor((root_ / "usr/bin/mamori").string()), (root_ / "usr/share/mamori").string());
}

TEST_F(InstallPathsTest, TheBuildTreeBinaryFindsTheShareDirectoryBesideIt) {
  fs::create_directories(root_ / "build/share/mamori");
  EXPECT_EQ(ShareDirFor((root_ / "build/mamori").string()), (root_ / "build/share/mamori").string());
}

TEST_F(InstallPathsTest, WithNeitherTheInstalledPlaceIsNamed) {
  EXPECT_EQ(ShareDirFor((root_ / "opt/bin/mamori").string()), (root_ / "opt/share/mamori").string())
      << "the error a caller reports names where an installed copy looks";
}

TEST_F(InstallPathsTest, TheRunningExecutableIsTheStartingPoint) {
  // This test binary is not mamori: ShareDir is derived from /proc/self/exe, whatever it is.
  const fs::path exe = fs::read_symlink("/proc/self/exe");
  EXPECT_EQ(ShareDir(), ShareDirFor(exe.string()));
  EXPECT_EQ(DefaultWebDir(), ShareDir() + "/web");
}

}  // namespace
}  // namespace mamori::cli
