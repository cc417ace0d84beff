// SQLite backend: one connection per pool slot on the same file, WAL journal, full fsync on
// commit (durable), prepared statements cached per connection.
#pragma once

#include "storage/db.hpp"

namespace mamori::storage {

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(std::string url, std::string path, int max_connections);

 protected:
  Result<std::unique_ptr<Connection>> Connect() override;

 private:
  std::string path_;
};

}  // namespace mamori::storage
