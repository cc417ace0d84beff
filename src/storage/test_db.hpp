// Test support: a fresh, migrated database for one test — a temporary SQLite file, or the
// PostgreSQL server named by MAMORI_TEST_PG_URL with a private schema dropped afterwards.
#pragma once

#include <memory>
#include <string>

#include "storage/db.hpp"

namespace mamori::storage {

class TestDatabase {
 public:
  // `engine` is "sqlite" or "postgres". For postgres without MAMORI_TEST_PG_URL, db() is null.
  explicit TestDatabase(const std::string& engine);
  ~TestDatabase();
  Database* db() { return db_.get(); }
  const std::string& url() const { return url_; }

 private:
  std::string engine_;
  std::string path_;
  std::string schema_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

}  // namespace mamori::storage
