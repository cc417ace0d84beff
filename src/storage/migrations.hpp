// Versioned schema migrations, identical on SQLite and PostgreSQL (portable types only:
// TEXT, BIGINT, INTEGER 0/1 for booleans; instants as UTC microseconds).
#pragma once

#include "storage/db.hpp"

namespace mamori::storage {

// Applies every migration not yet recorded in schema_migrations, each in its own transaction.
Status Migrate(Database& db);
// The newest schema version this build knows.
int LatestSchemaVersion();

}  // namespace mamori::storage
