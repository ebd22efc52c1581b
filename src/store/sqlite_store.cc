#include "store/sqlite_store.h"

#include <errno.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "lib0/utf.h"
#include "store/crc32c.h"
#include "store/dir_lock.h"
#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store/wal_syncer.h"
#include "store/write_queue.h"

namespace roundtable::store {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDbFileName = "roundtable.db";
constexpr int kBusyTimeoutMs = 5000;
constexpr int64_t kJournalSizeLimit = int64_t{64} << 20;  // WAL file kept below this after checkpoints
// SyncMode::kBackground: the sync thread checkpoints from this many WAL
// frames (SQLite's own automatic checkpoint size); should the WAL grow to
// kWalWriterCheckpointFrames regardless (the checkpoints cannot finish while
// commits keep coming), the writer checkpoints itself, as SQLite would.
constexpr int kWalCheckpointFrames = 1000;
constexpr int kWalWriterCheckpointFrames = 16 * kWalCheckpointFrames;
// SyncMode::kBackground: at most one fsync per interval, unless someone waits
// for it (see WalSyncer); what a power loss can cost.
constexpr std::chrono::milliseconds kSyncInterval{50};

// Creates `dir` (mode 0700; missing parents with the default mode) unless it exists.
Status createDir(const fs::path& dir) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return Status::Ok();
  if (dir.has_parent_path()) fs::create_directories(dir.parent_path(), ec);  // mkdir below reports failures
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    int err = errno;
    return Status::FailedPrecondition("cannot create data directory " + dir.string() + ": " + std::strerror(err));
  }
  if (!fs::is_directory(dir, ec)) {
    return Status::FailedPrecondition("data directory " + dir.string() + " is not a directory");
  }
  return Status::Ok();
}

// A doc's row in `docs` and the size of its log, cached by the writer thread.
struct DocLog {
  int64_t id = 0;
  int64_t firstSeq = 0;  // the log holds every seq from firstSeq to nextSeq - 1
  int64_t nextSeq = 0;
  uint64_t updates = 0;
  uint64_t bytes = 0;
  uint64_t oldestBytes = 0;  // size of the oldest row (the last compacted state)
};

}  // namespace

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const StoreOptions& options)
      : options_(options), queue_(options.maxBatchBytes, options.inlineAppends, [this](std::vector<Job>& batch) {
          runBatch(batch);
        }) {}
  ~SqliteStore() override;

  Status open();  // everything up to starting the thread
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
  void setMaxDatabaseBytes(uint64_t bytes, std::function<void(Status)> done) override {
    Job job;
    job.kind = Job::Kind::kSetLimit;
    job.limit = bytes;
    job.statusDone = std::move(done);
    queue_.enqueue(std::move(job));
  }
  void flush() override { queue_.flush(); }
  void whenSynced(std::function<void(Status)> done) override;
  std::string location() const override { return (options_.dir / kDbFileName).string(); }
  Status listDocs(std::vector<std::string>* names) override;
  std::vector<std::string> damagedDocs() const override {
    std::lock_guard l(damagedMu_);
    return {damaged_.begin(), damaged_.end()};
  }
  size_t queuedBytes() const override { return queue_.queuedBytes(); }
  bool overloaded() const override { return queue_.queuedBytes() > options_.queueLimitBytes; }
  Status health() const override {
    if (syncer_) {
      if (Status s = syncer_->error(); !s.ok()) return s;
    }
    std::lock_guard l(statsMu_);
    return commitError_;
  }
  Stats stats() const override;

 private:
  struct JobResult {
    Status status;
    AppendResult append;
  };

  void runBatch(std::vector<Job>& batch);
  Status applyJob(Job& job, JobResult* result);
  Status docLog(const std::string& doc, bool create, DocLog** out);
  Status recordSeqRanges();
  Status applyDatabaseLimit(uint64_t bytes);
  bool shouldCompact(const DocLog& log) const;
  Status run(const std::string& sql);
  static int onWalCommit(void* self, sqlite3* db, const char* schema, int frames);

  const StoreOptions options_;
  std::unique_ptr<DirLock> lock_;     // declared first: released last
  std::unique_ptr<SqliteDb> writer_;  // the writer thread's (and open()'s) connection
  std::mutex readerMu_;
  std::unique_ptr<SqliteDb> reader_;  // guarded by readerMu_
  mutable std::mutex damagedMu_;
  std::set<std::string> damaged_;  // docs whose last load found damage (guarded by damagedMu_)
  int64_t pageSize_ = 4096;
  int64_t defaultMaxPageCount_ = 0;

  std::unique_ptr<WalSyncer> syncer_;  // SyncMode::kBackground only

  // Touched only by whoever runs a batch (the writer thread, or enqueue()
  // committing an append inline; never both at once).
  int walFrames_ = 0;  // frames in the WAL after the last commit
  std::map<std::string, std::unique_ptr<DocLog>, std::less<>> logs_;
  std::set<std::string> touched_;  // docs whose cached log the open transaction changed

  mutable std::mutex statsMu_;
  Stats stats_;
  Status commitError_;  // why the last transaction failed; Ok once one succeeds (guarded by statsMu_)

  WriteQueue queue_;  // declared last: stopped (drained) first
};

SqliteStore::~SqliteStore() {
  queue_.stop();    // the writer drains the queue before it returns
  syncer_.reset();  // syncs the last commits
}

Status SqliteStore::open() {
  Status s = createDir(options_.dir);
  if (!s.ok()) return s;
  s = DirLock::Acquire(options_.dir, &lock_);
  if (!s.ok()) return s;

  fs::path path = options_.dir / kDbFileName;
  s = SqliteDb::Open(path, /*create=*/true, &writer_);
  if (s.ok()) s = writer_->exec("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs));
  if (s.ok()) s = migrateSchema(*writer_);  // the first read: reports corrupt and foreign files
  if (!s.ok()) return s;

  std::string mode;
  s = writer_->queryText("PRAGMA journal_mode = WAL", &mode);
  if (s.ok() && mode != "wal") s = Status::FailedPrecondition("journal_mode is " + mode);
  if (s.ok()) s = writer_->exec(options_.sync == SyncMode::kEveryCommit ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
  if (s.ok()) s = writer_->exec("PRAGMA journal_size_limit = " + std::to_string(kJournalSizeLimit));
  // Page caches far smaller than SQLite's 2 MB default: the hub keeps
  // loaded documents in memory, so the reader sees each page about once per
  // load, and the writer appends (the log's last page and an index page per
  // document); a page not cached is read from the OS's cache. (Measured with
  // 1000 loaded documents: the defaults held 1.9 MB, about 2 KB each.)
  if (s.ok()) s = writer_->exec("PRAGMA cache_size = -256");
  if (s.ok()) s = writer_->queryInt64("PRAGMA page_size", &pageSize_);
  if (s.ok()) s = writer_->queryInt64("PRAGMA max_page_count", &defaultMaxPageCount_);
  if (s.ok() && options_.maxDatabaseBytes > 0) s = applyDatabaseLimit(options_.maxDatabaseBytes);
  if (s.ok()) s = SqliteDb::Open(path, /*create=*/false, &reader_);
  if (s.ok()) s = reader_->exec("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs));
  if (s.ok()) s = reader_->exec("PRAGMA query_only = ON");
  if (s.ok()) s = reader_->exec("PRAGMA cache_size = -64");
  if (s.ok() && options_.sync == SyncMode::kBackground) {
    std::unique_ptr<SqliteDb> checkpointer;
    s = SqliteDb::Open(path, /*create=*/false, &checkpointer);
    if (s.ok()) s = checkpointer->exec("PRAGMA busy_timeout = " + std::to_string(kBusyTimeoutMs));
    if (s.ok()) s = checkpointer->exec("PRAGMA cache_size = -64");
    if (s.ok()) {
      // Replaces SQLite's automatic checkpoint (the same hook).
      sqlite3_wal_hook(writer_->raw(), &SqliteStore::onWalCommit, this);
      syncer_ = std::make_unique<WalSyncer>(path, std::move(checkpointer), kWalCheckpointFrames, kSyncInterval,
                                            options_.openWalForTesting);
    }
  }
  if (!s.ok()) return withMessage(s, "cannot set up database " + path.string() + ": " + s.message());
  return Status::Ok();
}

// On the writer thread, after each commit.
int SqliteStore::onWalCommit(void* self, sqlite3* db, const char* schema, int frames) {
  static_cast<SqliteStore*>(self)->walFrames_ = frames;
  if (frames >= kWalWriterCheckpointFrames) {
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  return SQLITE_OK;
}

void SqliteStore::whenSynced(std::function<void(Status)> done) {
  if (syncer_) return syncer_->whenSynced(std::move(done));
  done(Status::Ok());
}

// --- the writer thread's work ---

Status SqliteStore::run(const std::string& sql) {
  SqliteStatement* st;
  Status s = writer_->prepare(sql, &st);
  return s.ok() ? st->run() : s;
}

void SqliteStore::runBatch(std::vector<Job>& batch) {
  std::vector<JobResult> results(batch.size());
  bool anyValid = false;
  for (size_t i = 0; i < batch.size(); ++i) {
    results[i].status = batch[i].invalid;
    anyValid = anyValid || batch[i].invalid.ok();
  }

  if (batch.size() == 1 && batch[0].kind == Job::Kind::kSetLimit) {
    results[0].status = applyDatabaseLimit(batch[0].limit);
  } else if (anyValid) {
    auto start = std::chrono::steady_clock::now();
    // A failed ROLLBACK may have left a transaction open; end it first.
    if (writer_->inTransaction()) (void)run("ROLLBACK");
    // After a failed fsync nothing more is accepted: what the disk holds is unknown.
    Status s = syncer_ ? syncer_->error() : Status::Ok();
    if (s.ok()) s = run("BEGIN IMMEDIATE");
    for (size_t i = 0; i < batch.size() && s.ok(); ++i) {
      if (batch[i].invalid.ok()) s = applyJob(batch[i], &results[i]);
    }
    if (s.ok()) s = recordSeqRanges();
    if (s.ok()) s = run("COMMIT");
    if (s.ok()) {
      if (syncer_) syncer_->committed(batch.back().ticket, walFrames_);
      touched_.clear();
      std::lock_guard l(statsMu_);
      recordCommit(stats_, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(), batch);
      commitError_ = Status::Ok();
    } else {
      // SQLite may already have rolled back (after SQLITE_FULL, for one).
      if (writer_->inTransaction()) (void)run("ROLLBACK");
      for (const std::string& doc : touched_) logs_.erase(doc);  // reread from the database when next needed
      touched_.clear();
      Status err = withMessage(s, "cannot store to " + writer_->path().string() + ": " + s.message());
      for (size_t i = 0; i < batch.size(); ++i) {
        if (batch[i].invalid.ok()) results[i] = JobResult{err, AppendResult{err}};
      }
      std::lock_guard l(statsMu_);
      ++stats_.failedCommits;
      commitError_ = err;
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

Status SqliteStore::applyJob(Job& job, JobResult* result) {
  static const std::string kInsert = "INSERT INTO updates (doc_id, seq, data, crc) VALUES (?, ?, ?, ?)";
  static const std::string kDeleteUpdates = "DELETE FROM updates WHERE doc_id = ?";
  static const std::string kDeleteDoc = "DELETE FROM docs WHERE id = ?";

  touched_.insert(job.doc);
  DocLog* log = nullptr;
  Status s = docLog(job.doc, /*create=*/job.kind != Job::Kind::kRemove, &log);
  if (!s.ok()) return s;
  SqliteStatement* st;

  if (job.kind == Job::Kind::kRemove) {
    if (log == nullptr) return Status::Ok();  // unknown doc: nothing to do
    for (const std::string* sql : {&kDeleteUpdates, &kDeleteDoc}) {
      if (!(s = writer_->prepare(*sql, &st)).ok()) return s;
      st->bindInt64(1, log->id);
      if (!(s = st->run()).ok()) return s;
    }
    logs_.erase(job.doc);
    return Status::Ok();
  }

  if (job.kind == Job::Kind::kCompact) {
    if (!(s = writer_->prepare(kDeleteUpdates, &st)).ok()) return s;
    st->bindInt64(1, log->id);
    if (!(s = st->run()).ok()) return s;
    log->updates = log->bytes = log->oldestBytes = 0;
    log->firstSeq = log->nextSeq;
  }

  if (!(s = writer_->prepare(kInsert, &st)).ok()) return s;
  st->bindInt64(1, log->id);
  st->bindInt64(2, log->nextSeq);
  st->bindBlob(3, job.data);
  st->bindInt64(4, crc32c(job.data));
  if (!(s = st->run()).ok()) return s;
  ++log->nextSeq;
  ++log->updates;
  log->bytes += job.data.size();
  if (log->updates == 1) log->oldestBytes = job.data.size();
  if (job.kind == Job::Kind::kAppend) {
    result->append = AppendResult{Status::Ok(), log->updates, log->bytes, shouldCompact(*log),
                                  static_cast<uint64_t>(log->nextSeq - 1)};
  }
  return Status::Ok();
}

// Before COMMIT: the seq range of each doc the transaction wrote, which
// load() checks the log against.
Status SqliteStore::recordSeqRanges() {
  static const std::string kUpdate = "UPDATE docs SET first_seq = ?, next_seq = ? WHERE id = ?";
  for (const std::string& doc : touched_) {
    auto it = logs_.find(doc);
    if (it == logs_.end()) continue;  // removed
    SqliteStatement* st;
    Status s = writer_->prepare(kUpdate, &st);
    if (!s.ok()) return s;
    st->bindInt64(1, it->second->firstSeq);
    st->bindInt64(2, it->second->nextSeq);
    st->bindInt64(3, it->second->id);
    if (!(s = st->run()).ok()) return s;
  }
  return Status::Ok();
}

Status SqliteStore::docLog(const std::string& doc, bool create, DocLog** out) {
  static const std::string kFindDoc = "SELECT id, first_seq, next_seq FROM docs WHERE name = ?";
  static const std::string kInsertDoc = "INSERT INTO docs (name) VALUES (?) RETURNING id";
  static const std::string kLogSize =
      "SELECT count(*), coalesce(sum(length(data)), 0), coalesce(max(seq) + 1, 0), coalesce(min(seq), 0) "
      "FROM updates WHERE doc_id = ?";
  static const std::string kOldest = "SELECT length(data) FROM updates WHERE doc_id = ? ORDER BY seq LIMIT 1";

  *out = nullptr;
  if (auto it = logs_.find(doc); it != logs_.end()) {
    *out = it->second.get();
    return Status::Ok();
  }
  auto log = std::make_unique<DocLog>();
  SqliteStatement* st;
  Status s = writer_->prepare(kFindDoc, &st);
  if (!s.ok()) return s;
  st->bindText(1, doc);
  bool found = st->step(&s);
  bool ranged = found && !st->columnIsNull(1) && !st->columnIsNull(2);
  if (found) log->id = st->columnInt64(0);
  if (ranged) {
    log->firstSeq = st->columnInt64(1);
    log->nextSeq = st->columnInt64(2);
  }
  st->reset();
  if (!s.ok()) return s;

  if (found) {
    if (!(s = writer_->prepare(kLogSize, &st)).ok()) return s;
    st->bindInt64(1, log->id);
    if (st->step(&s)) {
      log->updates = static_cast<uint64_t>(st->columnInt64(0));
      log->bytes = static_cast<uint64_t>(st->columnInt64(1));
      // The recorded range wins: seqs are never reused, and a damaged log's
      // missing rows stay missing (load() keeps refusing it).
      log->nextSeq = std::max(log->nextSeq, st->columnInt64(2));
      if (!ranged) log->firstSeq = st->columnInt64(3);
    }
    st->reset();
    if (!s.ok()) return s;
    if (!(s = writer_->prepare(kOldest, &st)).ok()) return s;
    st->bindInt64(1, log->id);
    if (st->step(&s)) log->oldestBytes = static_cast<uint64_t>(st->columnInt64(0));
    st->reset();
    if (!s.ok()) return s;
  } else if (!create) {
    return Status::Ok();
  } else {
    if (!(s = writer_->prepare(kInsertDoc, &st)).ok()) return s;
    st->bindText(1, doc);
    bool row = st->step(&s);
    if (row) log->id = st->columnInt64(0);
    st->reset();
    if (!s.ok()) return s;
    if (!row) return Status::Internal("INSERT INTO docs returned no id");
  }
  *out = log.get();
  logs_.emplace(doc, std::move(log));
  return Status::Ok();
}

bool SqliteStore::shouldCompact(const DocLog& log) const {
  if (log.updates < 2) return false;
  if (log.updates >= options_.compactAfterUpdates) return true;
  return log.bytes >= options_.compactAfterBytes && log.bytes - log.oldestBytes >= log.oldestBytes;
}

Status SqliteStore::applyDatabaseLimit(uint64_t bytes) {
  uint64_t pageSize = static_cast<uint64_t>(pageSize_);
  int64_t pages = bytes == 0 ? defaultMaxPageCount_ : static_cast<int64_t>((bytes + pageSize - 1) / pageSize);
  // SQLite never sets the limit below the current size of the file.
  return writer_->exec("PRAGMA max_page_count = " + std::to_string(pages));
}

Store::Stats SqliteStore::stats() const {
  Stats st;
  {
    std::lock_guard l(statsMu_);
    st = stats_;
  }
  if (syncer_) {
    WalSyncer::Stats sync = syncer_->stats();
    st.syncs = sync.syncs;
    st.syncSecondsSum = sync.syncSecondsSum;
    st.maxSyncSeconds = sync.maxSyncSeconds;
    st.checkpoints = sync.checkpoints;
    st.syncRetries = sync.retries;
  }
  std::lock_guard l(damagedMu_);
  st.damagedDocs = damaged_.size();
  return st;
}

// --- reads ---

Status SqliteStore::loadFrom(const std::string& doc, uint64_t from, std::vector<std::vector<uint8_t>>* updates,
                             uint64_t* next) {
  // One statement, so one read transaction: the recorded seq range and the
  // rows are of the same commit.
  static const std::string kLoad =
      "SELECT d.first_seq, d.next_seq, u.seq, u.data, u.crc FROM docs d LEFT JOIN updates u ON u.doc_id = d.id "
      "WHERE d.name = ? ORDER BY u.seq";
  updates->clear();
  *next = 0;
  Status s = validateDocName(doc);
  if (!s.ok()) return s;
  queue_.waitForDoc(doc);  // so that the result includes this doc's queued jobs
  int64_t logEnd = 0;
  // Every row must be there (seq first_seq, first_seq + 1, ... up to
  // next_seq - 1) and match its checksum; anything else is damage, and the
  // doc is refused rather than returned short or altered.
  std::string damage;
  {
    std::lock_guard l(readerMu_);
    SqliteStatement* st;
    if (!(s = reader_->prepare(kLoad, &st)).ok()) return s;
    st->bindText(1, doc);
    bool first = true, ranged = false;  // ranged: the doc's seq range is recorded (always, from schema 2 on)
    int64_t expected = 0, nextSeq = 0;
    bool corrupt = false;  // SQLite found the file's structure damaged
    while (damage.empty() && st->step(&s)) {
      int64_t seq = st->columnInt64(2);
      if (first) {
        first = false;
        ranged = !st->columnIsNull(0) && !st->columnIsNull(1);
        expected = ranged ? st->columnInt64(0) : seq;
        nextSeq = st->columnInt64(1);
        if (st->columnIsNull(2)) break;  // a docs row without updates: damage if a range is recorded
      }
      std::span<const uint8_t> data = st->columnBlob(3);
      if (seq != expected) {
        damage = seq < expected ? "update " + std::to_string(seq) + " lies before the log's first (" +
                                      std::to_string(expected) + ")"
                                : "updates " + std::to_string(expected) + ".." + std::to_string(seq - 1) + " are missing";
      } else if (!st->columnIsNull(4) && static_cast<int64_t>(crc32c(data)) != st->columnInt64(4)) {
        damage = "update " + std::to_string(seq) + " fails its checksum";
      } else {
        if (seq >= static_cast<int64_t>(from)) updates->emplace_back(data.begin(), data.end());
        ++expected;
      }
    }
    logEnd = ranged ? nextSeq : expected;
    if (!s.ok()) corrupt = (sqlite3_errcode(reader_->raw()) & 0xff) == SQLITE_CORRUPT;
    st->reset();
    if (damage.empty() && s.ok() && ranged && expected != nextSeq) {
      damage = expected < nextSeq ? "updates " + std::to_string(expected) + ".." + std::to_string(nextSeq - 1) +
                                        " (the end of its log) are missing"
                                  : "its log goes past its recorded end (" + std::to_string(nextSeq) + ")";
    }
    if (damage.empty() && corrupt) damage = s.message();
  }
  if (!damage.empty()) {
    updates->clear();
    {
      std::lock_guard l(damagedMu_);
      damaged_.insert(doc);
    }
    return Status::FailedPrecondition("document '" + doc + "' is damaged in " + reader_->path().string() + ": " + damage +
                            "; it is not served until repaired or removed");
  }
  if (!s.ok()) {
    updates->clear();
    return s;
  }
  *next = static_cast<uint64_t>(logEnd);
  std::lock_guard l(damagedMu_);
  damaged_.erase(doc);
  return Status::Ok();
}

Status SqliteStore::listDocs(std::vector<std::string>* names) {
  static const std::string kList = "SELECT name FROM docs ORDER BY name";
  names->clear();
  std::lock_guard l(readerMu_);
  SqliteStatement* st;
  Status s = reader_->prepare(kList, &st);
  if (!s.ok()) return s;
  while (st->step(&s)) names->emplace_back(st->columnText(0));
  st->reset();
  if (!s.ok()) names->clear();
  return s;
}

Status OpenSqliteStore(const StoreOptions& options, std::unique_ptr<Store>* out) {
  if (options.dir.empty()) return Status::InvalidArgument("no data directory given");
  auto store = std::make_unique<SqliteStore>(options);
  Status s = store->open();
  if (!s.ok()) return s;  // the destructor closes what open() opened and releases the lock
  store->start();
  *out = std::move(store);
  return Status::Ok();
}

}  // namespace roundtable::store
