#include "store/sqlite_db.h"

#include <sqlite3.h>

namespace roundtable::store {

Status sqliteStatus(int rc, std::string_view what, sqlite3* db) {
  if (rc == SQLITE_OK || rc == SQLITE_DONE || rc == SQLITE_ROW) return Status::Ok();
  // The connection's message is more precise than the code's ("no such
  // table: x" rather than "SQL logic error"), but only if it belongs to rc.
  const char* text = (db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == (rc & 0xff)) ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  std::string msg = std::string(what) + ": " + text + " (SQLite error " + std::to_string(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_FULL:
      return Status::ResourceExhausted(std::move(msg));
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
      return Status::Internal(std::move(msg));
    default:
      return Status::FailedPrecondition(std::move(msg));
  }
}

// --- SqliteStatement ---

SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

void SqliteStatement::bindInt64(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }

void SqliteStatement::bindText(int index, std::string_view value) {
  sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void SqliteStatement::bindBlob(int index, std::span<const uint8_t> value) {
  // A null pointer would bind NULL, not an empty blob.
  static const uint8_t kEmpty = 0;
  sqlite3_bind_blob64(stmt_, index, value.empty() ? &kEmpty : value.data(), value.size(), SQLITE_TRANSIENT);
}

bool SqliteStatement::step(Status* status) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) {
    *status = Status::Ok();
    return true;
  }
  *status = sqliteStatus(rc, sql_, db_);
  return false;
}

Status SqliteStatement::run() {
  Status s;
  while (step(&s)) {
  }
  reset();
  return s;
}

void SqliteStatement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

int64_t SqliteStatement::columnInt64(int index) const { return sqlite3_column_int64(stmt_, index); }

std::span<const uint8_t> SqliteStatement::columnBlob(int index) const {
  const void* p = sqlite3_column_blob(stmt_, index);
  size_t n = static_cast<size_t>(sqlite3_column_bytes(stmt_, index));
  return {static_cast<const uint8_t*>(p), p == nullptr ? 0 : n};
}

std::string_view SqliteStatement::columnText(int index) const {
  const unsigned char* p = sqlite3_column_text(stmt_, index);
  size_t n = static_cast<size_t>(sqlite3_column_bytes(stmt_, index));
  return {reinterpret_cast<const char*>(p), p == nullptr ? 0 : n};
}

bool SqliteStatement::columnIsNull(int index) const { return sqlite3_column_type(stmt_, index) == SQLITE_NULL; }

// --- SqliteDb ---

Status SqliteDb::Open(const std::filesystem::path& path, bool create, std::unique_ptr<SqliteDb>* out) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status s = sqliteStatus(rc, "cannot open database " + path.string(), db);
    sqlite3_close(db);  // sqlite3_open_v2 allocates a handle even on failure
    return s;
  }
  sqlite3_extended_result_codes(db, 1);
  out->reset(new SqliteDb(db, path));
  return Status::Ok();
}

SqliteDb::~SqliteDb() {
  statements_.clear();  // finalize before close, or close fails with SQLITE_BUSY
  sqlite3_close(db_);
}

Status SqliteDb::exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  return sqliteStatus(rc, text, db_);
}

Status SqliteDb::queryInt64(std::string_view sql, int64_t* out) {
  SqliteStatement* st;
  Status s = prepare(std::string(sql), &st);
  if (!s.ok()) return s;
  if (!st->step(&s)) {
    st->reset();
    return s.ok() ? Status::Internal(std::string(sql) + ": returned no row") : s;
  }
  *out = st->columnInt64(0);
  st->reset();
  return Status::Ok();
}

Status SqliteDb::queryText(std::string_view sql, std::string* out) {
  SqliteStatement* st;
  Status s = prepare(std::string(sql), &st);
  if (!s.ok()) return s;
  if (!st->step(&s)) {
    st->reset();
    return s.ok() ? Status::Internal(std::string(sql) + ": returned no row") : s;
  }
  *out = std::string(st->columnText(0));
  st->reset();
  return Status::Ok();
}

Status SqliteDb::prepare(const std::string& sql, SqliteStatement** out) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt,
                                nullptr);
    if (rc != SQLITE_OK) return sqliteStatus(rc, sql, db_);
    it = statements_.emplace(sql, std::unique_ptr<SqliteStatement>(new SqliteStatement(db_, stmt, sql))).first;
  }
  *out = it->second.get();
  return Status::Ok();
}

bool SqliteDb::inTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

}  // namespace roundtable::store
