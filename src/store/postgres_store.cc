#include "store/postgres_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>

#include "store/crc32c.h"
#include "store/write_queue.h"

namespace roundtable::store {

namespace {

// The schema this build writes; a database at a higher version is refused.
constexpr int64_t kPgSchemaVersion = 1;
// pg_advisory_xact_lock key that serializes schema creation and migration
// between hubs starting at once ("RTB1", as the SQLite application id).
constexpr int64_t kMigrationLockKey = 0x52544231;
// First key of the two-key advisory lock a hub holds on a document from the
// moment its store asks it to compact until the compaction ("RTB2"); the
// second is the document's id (modulo 2^31: two documents that share a key
// only take turns).
constexpr int64_t kCompactionLockKey = 0x52544232;

constexpr unsigned kByteaOid = 17;
constexpr unsigned kInt8Oid = 20;
constexpr unsigned kByteaArrayOid = 1001;
constexpr unsigned kInt8ArrayOid = 1016;

const char* const kCreateSchema[] = {
    "CREATE TABLE roundtable_docs ("
    "  id bigserial PRIMARY KEY,"
    "  name bytea NOT NULL UNIQUE,"  // UTF-8 checked by the store; bytea sorts by byte value, whatever the collation
    "  first_seq bigint NOT NULL,"   // the log holds every seq from first_seq
    "  next_seq bigint NOT NULL,"    //   to next_seq - 1
    "  log_updates bigint NOT NULL,"
    "  log_bytes bigint NOT NULL,"
    "  oldest_bytes bigint NOT NULL)",
    "CREATE TABLE roundtable_updates ("
    "  doc_id bigint NOT NULL REFERENCES roundtable_docs(id) ON DELETE CASCADE,"
    "  seq bigint NOT NULL,"
    "  data bytea NOT NULL,"
    "  crc bigint NOT NULL,"  // CRC-32C of data
    "  PRIMARY KEY (doc_id, seq))",
};

// libpq's notices ("relation already exists, skipping") are not for the hub's log.
void ignoreNotice(void*, const char*) {}

std::string trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

void putInt64(std::string& out, int64_t v) {
  uint64_t u = static_cast<uint64_t>(v);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((u >> (8 * i)) & 0xff));
}

int64_t getInt64(const PGresult* r, int row, int col) {
  const auto* p = reinterpret_cast<const uint8_t*>(PQgetvalue(r, row, col));
  if (PQgetlength(r, row, col) != 8) return 0;
  uint64_t u = 0;
  for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
  return static_cast<int64_t>(u);
}

std::span<const uint8_t> getBytes(const PGresult* r, int row, int col) {
  return {reinterpret_cast<const uint8_t*>(PQgetvalue(r, row, col)), static_cast<size_t>(PQgetlength(r, row, col))};
}

// Parameters of one statement, all sent in binary.
class Params {
 public:
  Params& bytes(std::span<const uint8_t> b) {
    add(kByteaOid, std::string(b.begin(), b.end()));
    return *this;
  }
  Params& text(const std::string& s) {
    add(kByteaOid, s);
    return *this;
  }
  // An array (bytea[] or int8[]) in PostgreSQL's binary array format.
  Params& array(unsigned arrayType, unsigned elemType, const std::vector<std::string>& elems) {
    std::string out;
    auto put32 = [&](uint32_t v) {
      for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    };
    put32(1);         // dimensions
    put32(0);         // no NULLs
    put32(elemType);
    put32(static_cast<uint32_t>(elems.size()));
    put32(1);         // lower bound
    for (const std::string& e : elems) {
      put32(static_cast<uint32_t>(e.size()));
      out += e;
    }
    add(arrayType, std::move(out));
    return *this;
  }
  Params& int64(int64_t v) {
    std::string s;
    putInt64(s, v);
    add(kInt8Oid, std::move(s));
    return *this;
  }

  int count() const { return static_cast<int>(values_.size()); }
  const unsigned* types() const { return types_.data(); }
  const char* const* values() {
    ptrs_.clear();
    for (const std::string& v : values_) ptrs_.push_back(v.data());
    return ptrs_.data();
  }
  const int* lengths() {
    lengths_.clear();
    for (const std::string& v : values_) lengths_.push_back(static_cast<int>(v.size()));
    return lengths_.data();
  }
  const int* formats() {
    formats_.assign(values_.size(), 1);
    return formats_.data();
  }

 private:
  void add(unsigned type, std::string value) {
    types_.push_back(type);
    values_.push_back(std::move(value));
  }
  std::vector<unsigned> types_;
  std::vector<std::string> values_;
  std::vector<const char*> ptrs_;
  std::vector<int> lengths_, formats_;
};

using Result = std::unique_ptr<PGresult, decltype(&PQclear)>;

// One libpq connection, used by one thread at a time.
class PgConn {
 public:
  static Status Connect(const std::string& url, std::unique_ptr<PgConn>* out) {
    // Defaults the URL may override (libpq keeps the last value of a key, and
    // dbname expands the URL in its place). Over TCP, keepalives notice a
    // server that vanished while the connection was idle, and
    // tcp_user_timeout fails a write the server's host has not acknowledged
    // for 15 s, instead of the kernel's retransmissions for about 15 minutes.
    const char* keys[] = {"connect_timeout",    "keepalives", "keepalives_idle", "keepalives_interval",
                          "keepalives_count",   "tcp_user_timeout", "fallback_application_name", "dbname",
                          nullptr};
    const char* values[] = {"10", "1", "10", "5", "3", "15000", "roundtable", url.c_str(), nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
    if (conn == nullptr) return Status::FailedPrecondition("cannot connect to PostgreSQL: out of memory");
    auto c = std::unique_ptr<PgConn>(new PgConn(conn, url));
    if (PQstatus(conn) != CONNECTION_OK) {
      return Status::FailedPrecondition("cannot connect to PostgreSQL at " + describePostgresUrl(url) + ": " +
                                        trimmed(PQerrorMessage(conn)));
    }
    PQsetNoticeProcessor(conn, ignoreNotice, nullptr);
    *out = std::move(c);
    return Status::Ok();
  }
  ~PgConn() { PQfinish(conn_); }

  // Reconnects if the connection broke (the server restarted, say); Ok if
  // it is usable.
  Status ensure() {
    if (PQstatus(conn_) == CONNECTION_OK) return Status::Ok();
    ++resets_;
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) {
      return Status::FailedPrecondition("cannot reach PostgreSQL at " + describePostgresUrl(url_) + ": " +
                                        trimmed(PQerrorMessage(conn_)));
    }
    PQsetNoticeProcessor(conn_, ignoreNotice, nullptr);
    return Status::Ok();
  }

  // Runs `sql` with `params` (binary in and out). *out (may be null) gets
  // the result of a statement that returns rows.
  Status exec(const std::string& sql, Params params = {}, Result* out = nullptr) {
    Result r(PQexecParams(conn_, sql.c_str(), params.count(), params.types(), params.values(), params.lengths(),
                          params.formats(), /*resultFormat=*/1),
             &PQclear);
    ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string msg = r ? trimmed(PQresultErrorMessage(r.get())) : "";
      if (msg.empty()) msg = trimmed(PQerrorMessage(conn_));
      return Status::FailedPrecondition("PostgreSQL at " + describePostgresUrl(url_) + ": " + msg);
    }
    if (out) *out = std::move(r);
    return Status::Ok();
  }

  // exec() for a statement that may simply be run again: once more on a new
  // connection when the old one turns out broken (the server restarted).
  Status execOrReconnect(const std::string& sql, const Params& params, Result* out) {
    Status s = ensure();
    if (s.ok()) s = exec(sql, params, out);
    if (!s.ok() && PQstatus(conn_) == CONNECTION_BAD) {
      s = ensure();
      if (s.ok()) s = exec(sql, params, out);
    }
    return s;
  }

  bool inTransaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }
  // How many times ensure() replaced the session (and with it every
  // session-level lock).
  uint64_t resets() const { return resets_; }

 private:
  PgConn(PGconn* conn, std::string url) : conn_(conn), url_(std::move(url)) {}
  PGconn* conn_;
  std::string url_;
  uint64_t resets_ = 0;
};

// What this store knows the hub's copy of a doc holds: every row of the
// log (the docs row `docId`) from its head up to seq `through`.
struct Known {
  int64_t docId = 0;
  int64_t through = -1;
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(const StoreOptions& options)
      : options_(options),
        queue_(options.maxBatchBytes, /*inlineAppends=*/false, [this](std::vector<Job>& batch) { runBatch(batch); }) {}
  ~PostgresStore() override { queue_.stop(); }

  Status open();
  void start() { queue_.start(); }

  Status load(const std::string& doc, std::vector<std::vector<uint8_t>>* updates) override {
    uint64_t next;
    return loadFrom(doc, 0, updates, &next);
  }
  Status loadFrom(const std::string& doc, uint64_t from, std::vector<std::vector<uint8_t>>* updates,
                  uint64_t* next) override;
  void append(std::string doc, std::vector<uint8_t> update, std::function<void(const AppendResult&)> done) override {
    queue_.enqueue(makeAppendJob(std::move(doc), std::move(update), std::move(done)));
  }
  void compact(std::string doc, std::vector<uint8_t> state, std::function<void(Status)> done) override {
    queue_.enqueue(makeCompactJob(std::move(doc), std::move(state), std::move(done)));
  }
  void remove(std::string doc, std::function<void(Status)> done) override {
    queue_.enqueue(makeRemoveJob(std::move(doc), std::move(done)));
  }
  void setMaxDatabaseBytes(uint64_t, std::function<void(Status)> done) override {
    if (done) done(Status::FailedPrecondition("the PostgreSQL store has no database size limit of its own"));
  }
  void flush() override { queue_.flush(); }
  // COMMIT returned after the server flushed its WAL.
  void whenSynced(std::function<void(Status)> done) override { done(Status::Ok()); }
  std::string location() const override { return "PostgreSQL at " + describePostgresUrl(options_.postgresUrl); }
  Status listDocs(std::vector<std::string>* names) override;
  std::vector<std::string> damagedDocs() const override {
    std::lock_guard l(damagedMu_);
    return {damaged_.begin(), damaged_.end()};
  }
  size_t queuedBytes() const override { return queue_.queuedBytes(); }
  bool overloaded() const override { return queue_.queuedBytes() > options_.queueLimitBytes; }
  // After a failed transaction, a check of health (a load balancer's, every
  // second or so) queues an empty transaction at most once a second, so a
  // hub that gets no writes (a load balancer sends it none while it answers
  // 503) still finds out that the server is back.
  // A server that stops answering without closing the connection (frozen,
  // or the network to it gone quiet) holds the transaction under way: it
  // fails health once it has waited stallLimit, and an idle store finds out
  // by an empty transaction of its own, at most one per stallLimit.
  Status health() const override {
    Status health;
    bool probe = false;
    {
      std::lock_guard l(statsMu_);
      health = commitError_;
      auto now = std::chrono::steady_clock::now();
      bool busy = batchStarted_ != std::chrono::steady_clock::time_point{};
      if (busy && now - batchStarted_ >= options_.stallLimit) {
        auto waited = std::chrono::duration_cast<std::chrono::seconds>(now - batchStarted_).count();
        health = Status::FailedPrecondition(location() + " has not answered for " + std::to_string(waited) + " s");
      }
      bool due = commitError_.ok() ? now - lastAnswer_ >= options_.stallLimit : now - lastProbe_ >= std::chrono::seconds(1);
      if (!busy && !probing_ && due) {
        probing_ = true;
        lastProbe_ = now;
        probe = true;
      }
    }
    if (probe) {
      Job job;
      job.kind = Job::Kind::kProbe;
      job.statusDone = [this](Status) {
        std::lock_guard l(statsMu_);
        probing_ = false;
      };
      queue_.enqueue(std::move(job));
    }
    return health;
  }
  Stats stats() const override {
    Stats st;
    {
      std::lock_guard l(statsMu_);
      st = stats_;
    }
    std::lock_guard l(damagedMu_);
    st.damagedDocs = damaged_.size();
    return st;
  }

 private:
  struct JobResult {
    Status status;
    AppendResult append;
  };

  Status migrate();
  void runBatch(std::vector<Job>& batch);
  Status applyAppends(const std::vector<Job>& batch, const std::vector<size_t>& appends, std::vector<JobResult>& results,
                      std::map<std::string, Known>& known, const std::set<std::string>& forgotten);
  Status applyJob(Job& job, std::map<std::string, Known>& known, std::set<std::string>& forgotten);
  Status applyCompact(Job& job, std::map<std::string, Known>& known);
  bool shouldCompact(uint64_t updates, uint64_t bytes, uint64_t oldestBytes) const;
  bool knownOf(const std::string& doc, Known* out);
  Status claimCompaction(int64_t docId, bool* claimed);
  void releaseCompaction(int64_t docId);
  void releaseStaleCompactions();

  const StoreOptions options_;
  std::unique_ptr<PgConn> writer_;  // the writer thread's (and open()'s) connection
  std::mutex readerMu_;
  std::unique_ptr<PgConn> reader_;  // guarded by readerMu_

  mutable std::mutex knownMu_;
  std::map<std::string, Known, std::less<>> known_;  // committed knowledge (guarded by knownMu_)

  mutable std::mutex damagedMu_;
  std::set<std::string> damaged_;

  mutable std::mutex statsMu_;
  Stats stats_;
  Status commitError_;
  mutable bool probing_ = false;                             // a health probe is queued (guarded by statsMu_)
  mutable std::chrono::steady_clock::time_point lastProbe_;  // when the last one was (guarded by statsMu_)
  // When the transaction under way began (zero: none), and when the server
  // last answered one, either way (guarded by statsMu_).
  std::chrono::steady_clock::time_point batchStarted_;
  std::chrono::steady_clock::time_point lastAnswer_ = std::chrono::steady_clock::now();

  // The writer thread's: documents (by id) whose compaction lock this
  // store's session holds, since when; and the session they belong to.
  std::map<int64_t, std::chrono::steady_clock::time_point> compactionLocks_;
  uint64_t compactionLocksSession_ = 0;

  // Declared last: stopped (drained) first. Mutable: health() queues its probe.
  mutable WriteQueue queue_;
};

Status PostgresStore::open() {
  Status s = PgConn::Connect(options_.postgresUrl, &writer_);
  if (s.ok()) s = migrate();
  if (s.ok()) s = PgConn::Connect(options_.postgresUrl, &reader_);
  return s;
}

Status PostgresStore::migrate() {
  Result r(nullptr, &PQclear);
  Status s = writer_->exec("BEGIN");
  if (s.ok()) s = writer_->exec("SELECT pg_advisory_xact_lock($1)", Params().int64(kMigrationLockKey));
  // Looked up before any CREATE: a user who may use the tables but not
  // create any (PostgreSQL 15 gives only the owner CREATE on `public`) can
  // open a database someone else set up.
  if (s.ok()) s = writer_->exec("SELECT (to_regclass('roundtable_schema') IS NOT NULL)::int::int8", {}, &r);
  bool haveSchemaTable = s.ok() && PQntuples(r.get()) == 1 && getInt64(r.get(), 0, 0) == 1;
  if (s.ok() && !haveSchemaTable) s = writer_->exec("CREATE TABLE roundtable_schema (version bigint NOT NULL)");
  if (s.ok()) s = writer_->exec("SELECT coalesce(max(version), 0)::int8 FROM roundtable_schema", {}, &r);
  int64_t version = s.ok() && PQntuples(r.get()) == 1 ? getInt64(r.get(), 0, 0) : 0;
  if (s.ok() && version > kPgSchemaVersion) {
    (void)writer_->exec("ROLLBACK");
    return Status::FailedPrecondition("the PostgreSQL database at " + describePostgresUrl(options_.postgresUrl) +
                                      " holds Roundtable schema version " + std::to_string(version) +
                                      ", newer than this build's " + std::to_string(kPgSchemaVersion) +
                                      "; run a newer roundtable, or another database");
  }
  if (s.ok() && version == 0) {
    for (const char* sql : kCreateSchema) {
      if (s.ok()) s = writer_->exec(sql);
    }
    if (s.ok()) s = writer_->exec("INSERT INTO roundtable_schema (version) VALUES ($1)", Params().int64(kPgSchemaVersion));
  }
  if (s.ok()) s = writer_->exec("COMMIT");
  if (!s.ok()) {
    if (writer_->inTransaction()) (void)writer_->exec("ROLLBACK");
    return Status::FailedPrecondition("cannot set up the Roundtable schema: " + s.message());
  }
  return Status::Ok();
}

bool PostgresStore::knownOf(const std::string& doc, Known* out) {
  std::lock_guard l(knownMu_);
  auto it = known_.find(doc);
  if (it == known_.end()) return false;
  *out = it->second;
  return true;
}

void PostgresStore::runBatch(std::vector<Job>& batch) {
  std::vector<JobResult> results(batch.size());
  bool anyValid = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    results[i].status = batch[i].invalid;
    anyValid = anyValid || batch[i].invalid.ok();
  }
  if (anyValid) {
    // A health probe alone is not counted among the commits.
    bool probeOnly =
        std::all_of(batch.begin(), batch.end(), [](const Job& j) { return j.kind == Job::Kind::kProbe; });
    auto start = std::chrono::steady_clock::now();
    {
      std::lock_guard l(statsMu_);
      batchStarted_ = start;
    }
    // What this batch learns of its docs, applied to known_ only once committed.
    std::map<std::string, Known> known;
    std::set<std::string> forgotten;
    Status s = writer_->ensure();
    if (s.ok() && writer_->inTransaction()) (void)writer_->exec("ROLLBACK");
    if (s.ok()) releaseStaleCompactions();
    if (s.ok()) s = writer_->exec("BEGIN");
    // Documents are locked in name order (each doc's jobs keep their queue
    // order), so two hubs' batches never wait for each other in a cycle.
    std::vector<size_t> order(batch.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return batch[x].doc < batch[y].doc; });
    // Consecutive appends (of any docs) go to the server as one statement.
    std::vector<size_t> appends;
    for (size_t i : order) {
      if (!s.ok()) break;
      if (!batch[i].invalid.ok()) continue;
      if (batch[i].kind == Job::Kind::kAppend) {
        appends.push_back(i);
        continue;
      }
      s = applyAppends(batch, appends, results, known, forgotten);
      appends.clear();
      if (s.ok()) s = applyJob(batch[i], known, forgotten);
    }
    if (s.ok()) s = applyAppends(batch, appends, results, known, forgotten);
    if (s.ok()) s = writer_->exec("COMMIT");
    if (s.ok()) {
      {
        std::lock_guard l(knownMu_);
        for (const std::string& doc : forgotten) known_.erase(doc);
        for (auto& [doc, k] : known) known_[doc] = k;
      }
      std::lock_guard l(statsMu_);
      if (!probeOnly)
        recordCommit(stats_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), batch);
      commitError_ = Status::Ok();
      batchStarted_ = {};
      lastAnswer_ = std::chrono::steady_clock::now();
    } else {
      if (writer_->inTransaction()) (void)writer_->exec("ROLLBACK");
      Status err = withMessage(s, "cannot store: " + s.message());
      for (size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].invalid.ok()) results[i] = JobResult{err, AppendResult{err}};
      }
      std::lock_guard l(statsMu_);
      if (!probeOnly) ++stats_.failedCommits;
      commitError_ = err;
      batchStarted_ = {};
      lastAnswer_ = std::chrono::steady_clock::now();
    }
  }
  for (size_t i = 0; i < batch.size(); ++i) {
    Job& job = batch[i];
    if (job.kind == Job::Kind::kAppend) {
      if (!results[i].status.ok()) results[i].append = AppendResult{results[i].status};
      if (job.appendDone) job.appendDone(results[i].append);
    } else if (job.statusDone) {
      job.statusDone(results[i].status);
    }
  }
}

Status PostgresStore::applyAppends(const std::vector<Job>& batch, const std::vector<size_t>& appends,
                                   std::vector<JobResult>& results, std::map<std::string, Known>& known,
                                   const std::set<std::string>& forgotten) {
  // One statement for every append of the run. Per doc, the seqs come from
  // its docs row, which the upsert locks until COMMIT (docs in name order):
  // a transaction of another hub appending to the same doc waits, then
  // takes the next seqs, so seqs are gap-free and in commit order. Within
  // the run, a doc's appends take consecutive seqs in their queue order
  // (`ord`), and each gets the log's size as of its own row.
  static const std::string kAppends =
      "WITH input AS ("
      "  SELECT name, data, crc, ord FROM unnest($1::bytea[], $2::bytea[], $3::int8[]) WITH ORDINALITY"
      "    AS t(name, data, crc, ord)),"
      " per_doc AS ("
      "  SELECT name, count(*)::int8 AS n, sum(octet_length(data))::int8 AS bytes,"
      "    (array_agg(octet_length(data) ORDER BY ord))[1]::int8 AS first_len"
      "  FROM input GROUP BY name),"
      " d AS ("
      "  INSERT INTO roundtable_docs AS d (name, first_seq, next_seq, log_updates, log_bytes, oldest_bytes)"
      "  SELECT name, 0, n, n, bytes, first_len FROM per_doc ORDER BY name"
      "  ON CONFLICT (name) DO UPDATE SET next_seq = d.next_seq + EXCLUDED.next_seq,"
      "    log_updates = d.log_updates + EXCLUDED.log_updates, log_bytes = d.log_bytes + EXCLUDED.log_bytes,"
      "    oldest_bytes = CASE WHEN d.log_updates = 0 THEN EXCLUDED.oldest_bytes ELSE d.oldest_bytes END"
      "  RETURNING d.id, d.name, d.first_seq, d.next_seq, d.log_updates, d.log_bytes, d.oldest_bytes),"
      " rows AS ("
      "  SELECT i.ord, d.id, i.data, i.crc, d.first_seq, d.oldest_bytes,"
      "    (d.next_seq - p.n + row_number() OVER w - 1)::int8 AS seq,"
      "    (d.log_updates - p.n + row_number() OVER w)::int8 AS updates,"
      "    (d.log_bytes - p.bytes + sum(octet_length(i.data)) OVER w)::int8 AS bytes"
      "  FROM input i JOIN d ON d.name = i.name JOIN per_doc p ON p.name = i.name"
      "  WINDOW w AS (PARTITION BY i.name ORDER BY i.ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)),"
      " ins AS (INSERT INTO roundtable_updates (doc_id, seq, data, crc) SELECT id, seq, data, crc FROM rows)"
      " SELECT ord::int8, id, seq, first_seq, updates, bytes, oldest_bytes FROM rows ORDER BY ord";
  if (appends.empty()) return Status::Ok();
  std::vector<std::string> names, datas, crcs;
  for (size_t i : appends) {
    names.push_back(batch[i].doc);
    datas.emplace_back(batch[i].data.begin(), batch[i].data.end());
    std::string crc;
    putInt64(crc, crc32c(batch[i].data));
    crcs.push_back(std::move(crc));
  }
  Result r(nullptr, &PQclear);
  Status s = writer_->exec(kAppends,
                           Params()
                               .array(kByteaArrayOid, kByteaOid, names)
                               .array(kByteaArrayOid, kByteaOid, datas)
                               .array(kInt8ArrayOid, kInt8Oid, crcs),
                           &r);
  if (!s.ok()) return s;
  if (PQntuples(r.get()) != static_cast<int>(appends.size())) return Status::Internal("the appends returned too few rows");
  for (int row = 0; row < PQntuples(r.get()); ++row) {
    int64_t ord = getInt64(r.get(), row, 0);
    if (ord < 1 || ord > static_cast<int64_t>(appends.size())) return Status::Internal("an append returned no place");
    size_t i = appends[static_cast<size_t>(ord - 1)];
    const std::string& doc = batch[i].doc;
    int64_t docId = getInt64(r.get(), row, 1), seq = getInt64(r.get(), row, 2), firstSeq = getInt64(r.get(), row, 3);
    uint64_t updates = static_cast<uint64_t>(getInt64(r.get(), row, 4));
    uint64_t bytes = static_cast<uint64_t>(getInt64(r.get(), row, 5));
    uint64_t oldest = static_cast<uint64_t>(getInt64(r.get(), row, 6));
    // The hub's copy holds this row; it extends what this store knows the
    // copy holds only if it follows the known run directly (or starts the log).
    Known k;
    bool have = known.count(doc) ? (k = known[doc], true) : (!forgotten.count(doc) && knownOf(doc, &k));
    if ((have && k.docId == docId && seq == k.through + 1) || seq == firstSeq) {
      k = known[doc] = Known{docId, seq};
      have = true;
    }
    // Compaction is only worth asking for when it would replace at least two
    // rows (see applyCompact); else the hub would encode its document for
    // nothing on every append, until it loads the document again.
    bool compactable = have && k.docId == docId && k.through > firstSeq;
    // With several hubs, only the one holding the document's compaction
    // lock is asked: the others would encode the same state for nothing.
    bool compact = compactable && shouldCompact(updates, bytes, oldest);
    if (compact) {
      Status claimed = claimCompaction(docId, &compact);
      if (!claimed.ok()) return claimed;
    }
    results[i].append = AppendResult{Status::Ok(), updates, bytes, compact, static_cast<uint64_t>(seq)};
  }
  return Status::Ok();
}

Status PostgresStore::applyJob(Job& job, std::map<std::string, Known>& known, std::set<std::string>& forgotten) {
  if (job.kind == Job::Kind::kProbe) return Status::Ok();  // the transaction around it is the probe
  if (job.kind == Job::Kind::kRemove) {
    known.erase(job.doc);
    forgotten.insert(job.doc);
    return writer_->exec("DELETE FROM roundtable_docs WHERE name = $1", Params().text(job.doc));
  }
  return applyCompact(job, known);
}

// A session-level advisory lock: held across this store's transactions (and
// their rollbacks) until released, or until the session ends with the hub.
Status PostgresStore::claimCompaction(int64_t docId, bool* claimed) {
  if (compactionLocks_.count(docId)) {
    *claimed = true;
    return Status::Ok();
  }
  Result r(nullptr, &PQclear);
  Status s = writer_->exec("SELECT pg_try_advisory_lock($1::int4, ($2 % 2147483648)::int4)::int::int8",
                           Params().int64(kCompactionLockKey).int64(docId), &r);
  if (!s.ok()) return s;
  *claimed = PQntuples(r.get()) == 1 && getInt64(r.get(), 0, 0) == 1;
  if (*claimed) compactionLocks_[docId] = std::chrono::steady_clock::now();
  return Status::Ok();
}

void PostgresStore::releaseCompaction(int64_t docId) {
  auto it = compactionLocks_.find(docId);
  if (it == compactionLocks_.end()) return;
  Status s = writer_->exec("SELECT pg_advisory_unlock($1::int4, ($2 % 2147483648)::int4)",
                           Params().int64(kCompactionLockKey).int64(docId));
  // In a transaction that already failed the unlock fails too: kept as
  // stale, released before the next batch's BEGIN.
  if (s.ok()) compactionLocks_.erase(it);
  else it->second = {};
}

// A hub asked to compact may not (its room closed meanwhile, or is already
// compacting): after compactionClaim the lock goes back, so that another
// hub may be asked. A new session holds none of the old one's locks.
void PostgresStore::releaseStaleCompactions() {
  if (writer_->resets() != compactionLocksSession_) {
    compactionLocks_.clear();
    compactionLocksSession_ = writer_->resets();
  }
  auto now = std::chrono::steady_clock::now();
  std::vector<int64_t> stale;
  for (const auto& [docId, since] : compactionLocks_) {
    if (now - since >= options_.compactionClaim) stale.push_back(docId);
  }
  for (int64_t docId : stale) releaseCompaction(docId);
}

Status PostgresStore::applyCompact(Job& job, std::map<std::string, Known>& known) {
  // The row lock taken here (FOR UPDATE) keeps other hubs' appends and
  // compactions of this doc out until COMMIT.
  Params name = Params().text(job.doc);
  Status s = writer_->exec(
      "INSERT INTO roundtable_docs (name, first_seq, next_seq, log_updates, log_bytes, oldest_bytes)"
      " VALUES ($1, 0, 0, 0, 0, 0) ON CONFLICT (name) DO NOTHING",
      name);
  Result r(nullptr, &PQclear);
  if (s.ok()) s = writer_->exec("SELECT id, first_seq, next_seq FROM roundtable_docs WHERE name = $1 FOR UPDATE", name, &r);
  if (!s.ok()) return s;
  if (PQntuples(r.get()) != 1) return Status::Internal("the compacted doc's row is missing");
  int64_t docId = getInt64(r.get(), 0, 0), firstSeq = getInt64(r.get(), 0, 1), nextSeq = getInt64(r.get(), 0, 2);
  // Done with, whatever happens next: the next append past the thresholds
  // asks again, of whichever hub then claims the document.
  struct Release {
    PostgresStore* store;
    int64_t docId;
    ~Release() { store->releaseCompaction(docId); }
  } release{this, docId};
  int64_t size = static_cast<int64_t>(job.data.size());
  int64_t crc = crc32c(job.data);

  if (nextSeq == firstSeq) {
    // No log yet: the state is its first row.
    s = writer_->exec("INSERT INTO roundtable_updates (doc_id, seq, data, crc) VALUES ($1, $2, $3, $4)",
                      Params().int64(docId).int64(nextSeq).bytes(job.data).int64(crc));
    if (s.ok()) {
      s = writer_->exec(
          "UPDATE roundtable_docs SET next_seq = $2 + 1, log_updates = 1, log_bytes = $3, oldest_bytes = $3 WHERE id = $1",
          Params().int64(docId).int64(nextSeq).int64(size));
    }
    if (s.ok()) known[job.doc] = Known{docId, nextSeq};
    return s;
  }

  Known k;
  bool have = known.count(job.doc) ? (k = known[job.doc], true) : knownOf(job.doc, &k);
  // Replace only rows the state is known to cover: the run from the log's
  // head up to `through`, all loaded or appended by this store. Rows of
  // other hubs beyond the run stay, after the state.
  if (!have || k.docId != docId || k.through < firstSeq || k.through >= nextSeq) return Status::Ok();
  int64_t upTo = k.through;
  s = writer_->exec("DELETE FROM roundtable_updates WHERE doc_id = $1 AND seq <= $2", Params().int64(docId).int64(upTo));
  // The state takes the seq of the last row it replaces, so the log stays gap-free.
  if (s.ok()) {
    s = writer_->exec("INSERT INTO roundtable_updates (doc_id, seq, data, crc) VALUES ($1, $2, $3, $4)",
                      Params().int64(docId).int64(upTo).bytes(job.data).int64(crc));
  }
  if (s.ok()) {
    s = writer_->exec(
        "UPDATE roundtable_docs SET first_seq = $2, oldest_bytes = $3,"
        " (log_updates, log_bytes) = (SELECT count(*), coalesce(sum(octet_length(data)), 0)"
        "   FROM roundtable_updates WHERE doc_id = $1)"
        " WHERE id = $1",
        Params().int64(docId).int64(upTo).int64(size));
  }
  return s;
}

bool PostgresStore::shouldCompact(uint64_t updates, uint64_t bytes, uint64_t oldestBytes) const {
  if (updates < 2) return false;
  if (updates >= options_.compactAfterUpdates) return true;
  return bytes >= options_.compactAfterBytes && bytes - oldestBytes >= oldestBytes;
}

Status PostgresStore::loadFrom(const std::string& doc, uint64_t from, std::vector<std::vector<uint8_t>>* updates,
                               uint64_t* next) {
  // One statement, so one snapshot: the recorded seq range and the rows are
  // of the same commit.
  static const std::string kLoad =
      "SELECT d.id, d.first_seq, d.next_seq, u.seq, u.data, u.crc FROM roundtable_docs d"
      " LEFT JOIN roundtable_updates u ON u.doc_id = d.id WHERE d.name = $1 ORDER BY u.seq";
  updates->clear();
  *next = 0;
  Status s = validateDocName(doc);
  if (!s.ok()) return s;
  queue_.waitForDoc(doc);  // so that the result includes this doc's queued jobs

  std::string damage;
  int64_t logEnd = 0;
  int64_t docId = 0, lastSeq = -1;
  {
    std::lock_guard l(readerMu_);
    Result r(nullptr, &PQclear);
    s = reader_->execOrReconnect(kLoad, Params().text(doc), &r);
    if (!s.ok()) return s;
    int rows = PQntuples(r.get());
    if (rows > 0) {
      docId = getInt64(r.get(), 0, 0);
      int64_t expected = getInt64(r.get(), 0, 1), nextSeq = getInt64(r.get(), 0, 2);
      logEnd = nextSeq;
      for (int i = 0; i < rows && damage.empty(); ++i) {
        if (PQgetisnull(r.get(), i, 3)) break;  // a docs row without updates: damage, below
        int64_t seq = getInt64(r.get(), i, 3);
        std::span<const uint8_t> data = getBytes(r.get(), i, 4);
        if (seq != expected) {
          damage = seq < expected ? "update " + std::to_string(seq) + " lies before the log's first (" +
                                        std::to_string(expected) + ")"
                                  : "updates " + std::to_string(expected) + ".." + std::to_string(seq - 1) +
                                        " are missing";
        } else if (static_cast<int64_t>(crc32c(data)) != getInt64(r.get(), i, 5)) {
          damage = "update " + std::to_string(seq) + " fails its checksum";
        } else {
          // The whole log is read and checked even for a later `from`: logs
          // are compacted short, and a damaged one is never served.
          if (seq >= static_cast<int64_t>(from)) updates->emplace_back(data.begin(), data.end());
          lastSeq = seq;
          ++expected;
        }
      }
      if (damage.empty() && expected != nextSeq) {
        damage = expected < nextSeq ? "updates " + std::to_string(expected) + ".." + std::to_string(nextSeq - 1) +
                                          " (the end of its log) are missing"
                                    : "its log goes past its recorded end (" + std::to_string(nextSeq) + ")";
      }
    }
  }
  if (!damage.empty()) {
    updates->clear();
    {
      std::lock_guard l(damagedMu_);
      damaged_.insert(doc);
    }
    return Status::FailedPrecondition("document '" + doc + "' is damaged in PostgreSQL at " +
                                      describePostgresUrl(options_.postgresUrl) + ": " + damage +
                                      "; it is not served until repaired or removed");
  }
  *next = static_cast<uint64_t>(logEnd);
  if (lastSeq >= 0) {
    // The caller's copy now holds the whole log up to lastSeq.
    std::lock_guard l(knownMu_);
    Known& k = known_[doc];
    if (k.docId != docId || k.through < lastSeq) k = Known{docId, lastSeq};
  }
  std::lock_guard l(damagedMu_);
  damaged_.erase(doc);
  return Status::Ok();
}

Status PostgresStore::listDocs(std::vector<std::string>* names) {
  names->clear();
  std::lock_guard l(readerMu_);
  Result r(nullptr, &PQclear);
  Status s = reader_->execOrReconnect("SELECT name FROM roundtable_docs ORDER BY name", {}, &r);
  if (!s.ok()) return s;
  for (int i = 0; i < PQntuples(r.get()); ++i) {
    std::span<const uint8_t> b = getBytes(r.get(), i, 0);
    names->emplace_back(b.begin(), b.end());
  }
  return Status::Ok();
}

}  // namespace

std::string describePostgresUrl(const std::string& url) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(url.c_str(), &err);
  if (err) PQfreemem(err);
  if (opts == nullptr) return "(unparsable)";
  std::string user, host, port, db;
  for (PQconninfoOption* o = opts; o->keyword; ++o) {
    std::string k = o->keyword, v = o->val ? o->val : "";
    if (k == "user") user = v;
    if (k == "host" && host.empty()) host = v;
    if (k == "hostaddr" && host.empty()) host = v;
    if (k == "port") port = v;
    if (k == "dbname") db = v;
  }
  PQconninfoFree(opts);
  std::string out;
  if (!user.empty()) out += user + "@";
  out += host.empty() ? "(libpq's default host)" : host;
  if (!port.empty()) out += ":" + port;
  if (!db.empty()) out += "/" + db;
  return out;
}

Status OpenPostgresStore(const StoreOptions& options, std::unique_ptr<Store>* out) {
  if (options.postgresUrl.empty()) return Status::InvalidArgument("no PostgreSQL connection string given");
  auto store = std::make_unique<PostgresStore>(options);
  Status s = store->open();
  if (!s.ok()) return s;
  store->start();
  *out = std::move(store);
  return Status::Ok();
}

}  // namespace roundtable::store
