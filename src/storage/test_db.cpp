#include "storage/test_db.hpp"

#include <cstdlib>
#include <filesystem>

#include "common/crypto.hpp"
#include "storage/migrations.hpp"

namespace mamori::storage {

TestDatabase::TestDatabase(const std::string& engine) : engine_(engine) {
  const std::string tag = crypto::HexEncode(crypto::RandomBytes(6));
  if (engine == "sqlite") {
    path_ = (std::filesystem::temp_directory_path() / ("mamori-test-" + tag + ".db")).string();
    url_ = "sqlite:" + path_;
  } else {
    const char* base = std::getenv("MAMORI_TEST_PG_URL");
    if (!base || !*base) return;
    // Each test gets its own schema through the search_path connection option.
    schema_ = "t_" + tag;
    auto admin = Database::Open(base, 1);
    if (!admin.ok()) return;
    {
      auto c = (*admin)->Acquire();
      if (!c.ok() || !(*c)->ExecScript("CREATE SCHEMA " + schema_).ok()) return;
    }
    std::string b(base);
    url_ = b + (b.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema_;
  }
  auto db = Database::Open(url_);
  if (!db.ok()) return;
  if (!Migrate(**db).ok()) return;
  db_ = std::move(db).value();
}

TestDatabase::~TestDatabase() {
  db_.reset();
  if (!path_.empty()) {
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix, ec);
  }
  if (!schema_.empty()) {
    if (auto admin = Database::Open(std::getenv("MAMORI_TEST_PG_URL"), 1); admin.ok()) {
      if (auto c = (*admin)->Acquire(); c.ok()) (void)(*c)->ExecScript("DROP SCHEMA " + schema_ + " CASCADE");
    }
  }
}

}  // namespace mamori::storage
