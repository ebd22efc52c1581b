#include "store/schema.h"

#include <iterator>
#include <string>

namespace roundtable::store {

namespace {

// kMigrations[i] takes the schema from version i to i + 1. Append only:
// never edit a step that has shipped.
constexpr const char* kMigrations[] = {
    // 0 -> 1: documents and their update logs.
    R"sql(
      CREATE TABLE docs (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL UNIQUE
      );
      CREATE TABLE updates (
        doc_id INTEGER NOT NULL REFERENCES docs(id),
        seq    INTEGER NOT NULL,
        data   BLOB NOT NULL,
        PRIMARY KEY (doc_id, seq)
      );
    )sql",
    // 1 -> 2: integrity. Each update row carries the CRC-32C of its data
    // (NULL in rows written by version 1, which are not checked), and each
    // doc records the seq range its log must hold (first_seq..next_seq-1,
    // every one present), so that a lost row, even the last, is noticed.
    R"sql(
      ALTER TABLE updates ADD COLUMN crc INTEGER;
      ALTER TABLE docs ADD COLUMN first_seq INTEGER;
      ALTER TABLE docs ADD COLUMN next_seq INTEGER;
      UPDATE docs SET
        first_seq = (SELECT min(seq) FROM updates WHERE doc_id = docs.id),
        next_seq  = (SELECT max(seq) + 1 FROM updates WHERE doc_id = docs.id);
    )sql",
};
static_assert(std::size(kMigrations) == kSchemaVersion);

Status unreadable(SqliteDb& db, const Status& s) {
  return Status::FailedPrecondition("cannot read " + db.path().string() +
                                    " (is it a corrupt or foreign file? move it away to start afresh): " +
                                    s.message());
}

}  // namespace

Status migrateSchema(SqliteDb& db) {
  int64_t appId = 0, version = 0, tables = 0;
  // The first read of the file: a non-database or corrupt header fails here.
  Status s = db.queryInt64("PRAGMA application_id", &appId);
  if (s.ok()) s = db.queryInt64("PRAGMA user_version", &version);
  if (s.ok()) s = db.queryInt64("SELECT count(*) FROM sqlite_schema", &tables);
  if (!s.ok()) return unreadable(db, s);

  bool empty = appId == 0 && version == 0 && tables == 0;
  if (!empty && appId != kApplicationId) {
    return Status::FailedPrecondition(db.path().string() + " is not a roundtable database (application_id " +
                                      std::to_string(appId) + ")");
  }
  if (version > kSchemaVersion) {
    return Status::FailedPrecondition(db.path().string() + " was written by a newer roundtable (schema version " +
                                      std::to_string(version) + ", this build reads up to " +
                                      std::to_string(kSchemaVersion) + "); upgrade roundtable");
  }
  for (int64_t v = version; v < kSchemaVersion; ++v) {
    std::string sql = std::string("BEGIN IMMEDIATE;") + kMigrations[v] +
                      "PRAGMA application_id = " + std::to_string(kApplicationId) + ";" +
                      "PRAGMA user_version = " + std::to_string(v + 1) + ";COMMIT;";
    s = db.exec(sql);
    if (!s.ok()) {
      if (db.inTransaction()) (void)db.exec("ROLLBACK");
      return Status::FailedPrecondition("migrating " + db.path().string() + " to schema version " +
                                        std::to_string(v + 1) + " failed: " + s.message());
    }
  }
  return Status::Ok();
}

}  // namespace roundtable::store
