// The store's SQLite schema and its migrations (docs/storage.md describes
// the tables).
//
// A roundtable database carries PRAGMA application_id = kApplicationId and
// PRAGMA user_version = the schema version. Version 0 is an empty file.
// Each migration step takes version N to N+1 in its own transaction, so a
// crash during migration leaves a database at some whole version.
#pragma once

#include <cstdint>

#include "roundtable/base/status.h"
#include "store/sqlite_db.h"

namespace roundtable::store {

inline constexpr int64_t kSchemaVersion = 2;
inline constexpr int64_t kApplicationId = 0x52544231;  // "RTB1"

// Brings the database to kSchemaVersion. Fails with FailedPrecondition, and
// leaves the file unchanged, if it belongs to another application, was
// written by a newer Roundtable (a higher version), or cannot be read
// (corrupt, not a database).
Status migrateSchema(SqliteDb& db);

}  // namespace roundtable::store
