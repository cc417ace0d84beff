#include "backup/scheduler.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace mamori::backup {
namespace {

namespace fs = std::filesystem;

TEST(Scheduler, ABackupIsDueAtOnceWhenThereIsNoneAndAfterTheIntervalOtherwise) {
  char tmpl[] = "/tmp/scheduler-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  Scheduler s({.data_dir = "", .db_override = "", .dir = dir, .key_file = "", .interval_minutes = 60, .keep = 3});
  const int64_t now = static_cast<int64_t>(time(nullptr)) * 1000000;
  EXPECT_EQ(s.DueInMicros(now), 0);
  std::ofstream(dir + "/" + BackupFileName(now)) << "x";  // written just now
  const int64_t due = s.DueInMicros(now);
  EXPECT_GT(due, int64_t{59} * 60 * 1000000);
  EXPECT_LE(due, int64_t{61} * 60 * 1000000);
  EXPECT_EQ(s.DueInMicros(now + int64_t{61} * 60 * 1000000), 0);
  fs::remove_all(dir);
}

TEST(Scheduler, AFailingBackupIsReportedAndWritesNoFile) {
  char tmpl[] = "/tmp/scheduler-test-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  Scheduler s({.data_dir = dir + "/missing", .db_override = "", .dir = dir + "/b", .key_file = dir + "/k",
               .interval_minutes = 60, .keep = 3});
  auto r = s.RunOnce();
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(ListBackups(dir + "/b").empty());
  s.Start();
  s.Stop();  // returns promptly even with a backup failing
  fs::remove_all(dir);
}

}  // namespace
}  // namespace mamori::backup
