// SqliteDb: a small RAII wrapper around one sqlite3 connection, with a cache
// of prepared statements and SQLite result codes turned into Status values.
//
//   std::unique_ptr<SqliteDb> db;
//   Status s = SqliteDb::Open(path, &db);
//   SqliteStatement* st;
//   if (s.ok()) s = db->prepare("SELECT data FROM updates WHERE doc_id = ?", &st);
//   st->bindInt64(1, id);
//   while (st->step(&s)) use(st->columnBlob(0));
//   st->reset();
//
// A connection is not shared between threads without a lock held by the
// caller (the store uses one connection per thread role).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "roundtable/base/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace roundtable::store {

// Turns a SQLite result code into a Status:
//   SQLITE_FULL                      -> ResourceExhausted (disk full, size limit)
//   SQLITE_MISUSE, SQLITE_RANGE      -> Internal (a bug in the caller)
//   everything else that is an error -> FailedPrecondition (I/O error,
//                                       corrupt file, read-only file, busy)
// The message is "<what>: <sqlite message> (SQLite error <extended code>)".
Status sqliteStatus(int rc, std::string_view what, sqlite3* db);

class SqliteStatement {
 public:
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Parameters are 1-based, as in SQLite. Text and blobs are copied
  // (SQLITE_TRANSIENT), so the argument need not outlive the call.
  void bindInt64(int index, int64_t value);
  void bindText(int index, std::string_view value);
  void bindBlob(int index, std::span<const uint8_t> value);

  // Runs one step. Returns true when a row is available; false when done or
  // on error, and then *status says which (Ok when done).
  bool step(Status* status);
  // Runs the statement to completion, ignoring rows; then resets it.
  Status run();
  // Resets the statement and clears its bindings, ready for reuse. Always
  // call it (or use run()) before the statement is used again.
  void reset();

  // Column accessors for the current row (0-based). The span and view stay
  // valid until the next step() or reset().
  int64_t columnInt64(int index) const;
  std::span<const uint8_t> columnBlob(int index) const;
  std::string_view columnText(int index) const;
  bool columnIsNull(int index) const;

 private:
  friend class SqliteDb;
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt, std::string sql)
      : db_(db), stmt_(stmt), sql_(std::move(sql)) {}
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
};

class SqliteDb {
 public:
  // Opens (creating when `create` is true) the database file at `path`, with
  // extended result codes on. Does not read the file yet: a corrupt file
  // shows up at the first statement.
  static Status Open(const std::filesystem::path& path, bool create, std::unique_ptr<SqliteDb>* out);
  ~SqliteDb();  // finalizes cached statements, closes the connection
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more SQL statements that return nothing of interest.
  Status exec(std::string_view sql);

  // Runs a statement that returns one integer (e.g. "PRAGMA user_version").
  Status queryInt64(std::string_view sql, int64_t* out);

  // Runs a statement that returns one text value (e.g. "PRAGMA journal_mode=WAL").
  Status queryText(std::string_view sql, std::string* out);

  // Returns a prepared statement for `sql`, compiled on first use and cached
  // for the lifetime of the connection. The pointer is owned by this object.
  Status prepare(const std::string& sql, SqliteStatement** out);

  // True while a transaction is open (BEGIN ran and was not yet committed or
  // rolled back, by us or by SQLite itself after some errors).
  bool inTransaction() const;

  const std::filesystem::path& path() const { return path_; }
  sqlite3* raw() { return db_; }

 private:
  SqliteDb(sqlite3* db, std::filesystem::path path) : db_(db), path_(std::move(path)) {}
  sqlite3* db_;
  std::filesystem::path path_;
  std::map<std::string, std::unique_ptr<SqliteStatement>, std::less<>> statements_;
};

}  // namespace roundtable::store
