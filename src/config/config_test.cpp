#include "config/config.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace mamori::config {
namespace {

namespace fs = std::filesystem;

// A data directory with the mamori.yaml init writes, and a service config beside it.
class ServiceConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("mamori-config-test-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    data_ = (root_ / "data").string();
    Write(data_ + "/mamori.yaml",
          "db: sqlite:" + data_ + "/mamori.db\nlisten: 127.0.0.1:8443\nthreads: 4\n"
          "metrics_token: abcdefghijklmnopqrstuvwxyz0123456789\n");
    service_ = (root_ / "mamori.yaml").string();
  }
  void TearDown() override { fs::remove_all(root_); }
  static void Write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  fs::path root_;
  std::string data_, service_;
};

TEST_F(ServiceConfigTest, AServiceFileNamesTheDataDirectoryAndItsKeysWin) {
  Write(service_, "data_dir: " + data_ + "\nlisten: 0.0.0.0:9443\nwitness_dir: /var/lib/mamori-witness\n");
  auto c = Load(Location{.data_dir = "", .file = service_});
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->data_dir, data_);
  EXPECT_EQ(c->service_file, service_);
  EXPECT_EQ(c->listen, "0.0.0.0:9443") << "the service file wins over the data directory's";
  EXPECT_EQ(c->WitnessDir(), "/var/lib/mamori-witness");
  EXPECT_EQ(c->threads, 4) << "a key the service file leaves out comes from the data directory";
  EXPECT_EQ(c->metrics_token, "abcdefghijklmnopqrstuvwxyz0123456789");
  EXPECT_EQ(c->db_url, "sqlite:" + data_ + "/mamori.db");
  EXPECT_EQ(c->policy_file, data_ + "/policy.yaml");
}

TEST_F(ServiceConfigTest, DataDirGivesTheSameConfigurationWithoutAServiceFile) {
  auto c = Load(Location{.data_dir = data_, .file = ""});
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->listen, "127.0.0.1:8443");
  EXPECT_EQ(c->service_file, "");
  EXPECT_EQ(c->WitnessDir(), data_ + "/witness");
}

TEST_F(ServiceConfigTest, AServiceFileWithoutAnAbsoluteDataDirIsRefusedNamingTheKey) {
  Write(service_, "listen: 0.0.0.0:9443\n");
  auto missing = Load(Location{.data_dir = "", .file = service_});
  ASSERT_FALSE(missing.ok());
  ASSERT_EQ(missing.error().fields.size(), 1u);
  EXPECT_EQ(missing.error().fields[0].field, "data_dir");
  EXPECT_EQ(missing.error().fields[0].code, "required");

  Write(service_, "data_dir: var/lib/mamori\n");
  auto relative = Load(Location{.data_dir = "", .file = service_});
  ASSERT_FALSE(relative.ok());
  EXPECT_EQ(relative.error().fields[0].code, "not_absolute");
}

TEST_F(ServiceConfigTest, DataDirBelongsOnlyInTheServiceFile) {
  Write(data_ + "/mamori.yaml", "data_dir: /elsewhere\n");
  auto c = Load(data_);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().fields[0].field, "data_dir");
  EXPECT_EQ(c.error().fields[0].code, "not_here");
}

TEST_F(ServiceConfigTest, AnUnknownKeyOrBadValueInTheServiceFileIsNamedWithTheFile) {
  Write(service_, "data_dir: " + data_ + "\nlisen: 0.0.0.0:9443\n");
  auto unknown = Load(Location{.data_dir = "", .file = service_});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().fields[0].field, "lisen");
  EXPECT_EQ(unknown.error().fields[0].code, "unknown_key");
  EXPECT_NE(unknown.error().detail.find(service_), std::string::npos) << unknown.error().detail;

  Write(service_, "data_dir: " + data_ + "\nthreads: 999\n");
  auto range = Load(Location{.data_dir = "", .file = service_});
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.error().fields[0].field, "threads");
}

TEST_F(ServiceConfigTest, AServiceFileOverAnUninitialisedDirectorySaysToRunInitWithIt) {
  fs::remove(data_ + "/mamori.yaml");
  Write(service_, "data_dir: " + data_ + "\n");
  auto c = Load(Location{.data_dir = "", .file = service_});
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().fields[0].code, "not_initialized");
  EXPECT_NE(c.error().detail.find("mamori init --config " + service_), std::string::npos) << c.error().detail;
}

TEST_F(ServiceConfigTest, ExactlyOneOfDataAndConfigIsGiven) {
  Write(service_, "data_dir: " + data_ + "\n");
  EXPECT_FALSE(DataDirOf(Location{.data_dir = "", .file = ""}).ok());
  EXPECT_FALSE(DataDirOf(Location{.data_dir = data_, .file = service_}).ok());
  auto unreadable = DataDirOf(Location{.data_dir = "", .file = (root_ / "absent.yaml").string()});
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.error().fields[0].code, "unreadable");
  EXPECT_EQ(*DataDirOf(Location{.data_dir = "", .file = service_}), data_);
}

TEST_F(ServiceConfigTest, AServiceFileIsCheckedWholeBeforeTheDataDirectoryExists) {
  Write(service_, "data_dir: " + (root_ / "new").string() + "\nlisten: 0.0.0.0:9443\n");
  auto good = ReadServiceFile(service_);
  ASSERT_TRUE(good.ok()) << good.error().detail;
  EXPECT_EQ(good->listen, "0.0.0.0:9443");
  EXPECT_EQ(good->db_url, "sqlite:" + (root_ / "new").string() + "/mamori.db");
  Write(service_, "data_dir: " + (root_ / "new").string() + "\nwitness_dir: relative/witness\n");
  auto bad = ReadServiceFile(service_);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().fields[0].field, "witness_dir");
  EXPECT_FALSE(fs::exists(root_ / "new")) << "checking writes nothing";
}

}  // namespace
}  // namespace mamori::config
