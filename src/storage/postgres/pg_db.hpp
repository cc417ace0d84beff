// PostgreSQL backend over libpq: '?' placeholders rewritten to $n once per statement,
// statements prepared once per connection, text-format results.
#pragma once

#include "storage/db.hpp"

namespace mamori::storage {

class PgDatabase final : public Database {
 public:
  PgDatabase(std::string url, int max_connections);

 protected:
  Result<std::unique_ptr<Connection>> Connect() override;
};

// Whether a SQLSTATE means the server cannot take work now (connection lost, shutting down,
// starting, read-only standby, out of connections): answered as `unavailable`, not internal.
bool IsUnavailableState(std::string_view sqlstate);

// "SELECT ? , '?'" → "SELECT $1 , '?'": placeholders outside quotes become numbered.
std::string RewritePlaceholders(std::string_view sql);

}  // namespace mamori::storage
