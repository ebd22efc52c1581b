// Store: the hub's persistence, one interface with two implementations:
//   - SQLite (sqlite_store.h), the embedded default: one database (WAL mode)
//     in a data directory, owned by one hub;
//   - PostgreSQL (postgres_store.h): a server that several hubs may share.
// Each keeps, per document, the log of Yjs updates the hub accepted;
// compaction replaces a log by the document's merged state.
//
//   StoreOptions opt;
//   opt.dir = "/home/me/.roundtable";              // or opt.postgresUrl = "postgres://..."
//   std::unique_ptr<Store> store;
//   Status s = Store::Open(opt, &store);           // SQLite: fails if another hub owns the dir
//   std::vector<std::vector<uint8_t>> updates;
//   s = store->load("plan-42", &updates);          // apply each to a fresh Y.Doc
//   store->append("plan-42", update, [](const AppendResult& r) {
//     // on the writer thread: post to your executor, then relay if r.status.ok()
//   });
//
// The contract both implementations keep:
// - Each document's log is append-only, with a gap-free sequence per
//   document assigned in commit order (by the database, inside the
//   transaction: with PostgreSQL under the document's row lock, so hubs
//   sharing a database never assign one seq twice).
// - Writes go through one queue and one writer thread. The writer takes every
//   queued job (all documents, up to StoreOptions::maxBatchBytes) and commits
//   them in ONE transaction (group commit), then calls each job's `done` on
//   the writer thread, in queue order, and only after COMMIT returned. A
//   `done` that reports Ok means the write is committed. SQLite only: a small
//   append to a store that has been idle for a millisecond is committed by
//   append() itself, on the caller's thread, which calls its `done` before
//   append() returns (unless StoreOptions::inlineAppends is false): a
//   hand-off to another thread and back costs more than the commit. The
//   PostgreSQL store never commits inline (a round trip to a server must not
//   block the caller's thread).
// - Durability: SQLite's commit is in its WAL, so it survives a crash of this
//   process; whether it also survives power loss by then depends on
//   StoreOptions::sync (whenSynced() says when it does). PostgreSQL's COMMIT
//   returns after the server flushed its WAL (synchronous_commit, the
//   server's default), so whenSynced() answers at once.
// - If a commit fails, the whole batch is rolled back and every `done` of the
//   batch gets the error; later batches are tried afresh (PostgreSQL: on a
//   new connection if the old one broke).
//
// Document names are UTF-8, 1 to kMaxDocNameBytes bytes; any other name
// gives InvalidArgument (from load directly, through `done` from the queue).
//
// Every method is thread-safe. Callbacks must be quick and must not throw;
// they may call append/compact/remove (which only queue) but not flush() or
// load() (which wait for the writer thread that is running the callback).
// Whoever calls append() must not hold a lock that its `done` takes.
// docs/storage.md describes the schemas and the durability arguments.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::store {

inline constexpr size_t kMaxDocNameBytes = 1024;

enum class SyncMode { kEveryCommit, kBackground, kOff };

struct StoreOptions {
  // Empty: the SQLite store in `dir`. Otherwise the PostgreSQL store at this
  // libpq connection string ("postgres://user@host:port/db"); `dir`, `sync`,
  // maxDatabaseBytes and openWalForTesting are then unused.
  std::string postgresUrl;
  // SQLite only. Data directory; created with mode 0700 if missing. Holds roundtable.db
  // (plus SQLite's -wal and -shm files) and hub.lock.
  std::filesystem::path dir;
  // SQLite only. When commits reach the disk (every mode keeps the WAL, so a commit always
  // survives a crash of the process and the database is always consistent):
  //   kEveryCommit  SQLite synchronous=FULL: a commit is fsynced before its
  //                 `done` is called.
  //   kBackground   synchronous=NORMAL, and a thread of the store fsyncs the
  //                 WAL after commits, at most every 50 ms unless someone
  //                 waits (WalSyncer): `done` comes first; a power loss costs
  //                 at most about the last 50 ms of commits. whenSynced()
  //                 waits for the fsync, and hurries it.
  //   kOff          synchronous=NORMAL, no fsync but SQLite's checkpoints:
  //                 a power loss can cost the commits since the last one.
  SyncMode sync = SyncMode::kBackground;
  // When an append leaves a doc's log at least this long, or this big, its
  // AppendResult asks for compaction (see AppendResult::shouldCompact).
  size_t compactAfterUpdates = 500;
  size_t compactAfterBytes = 1 << 20;
  // Pending bytes above which overloaded() is true. append() queues anyway;
  // the hub is expected to stop reading from its peers until it drops.
  size_t queueLimitBytes = size_t{256} << 20;
  // One transaction takes queued jobs up to this many bytes (but always at
  // least one job), which bounds the WAL growth of a single commit.
  size_t maxBatchBytes = size_t{64} << 20;
  // SQLite only. Largest database file SQLite may grow to (rounded up to whole pages);
  // 0: no limit. Beyond it, commits fail with ResourceExhausted.
  uint64_t maxDatabaseBytes = 0;
  // SQLite only. Whether append() may commit a small append itself (see above).
  bool inlineAppends = true;
  // PostgreSQL only. A transaction that has waited this long for the server
  // makes health() fail (the server frozen, or the network to it gone quiet)
  // until it completes; a store that has had no transaction for this long
  // runs an empty one at the next health() to find out.
  std::chrono::milliseconds stallLimit{5000};
  // PostgreSQL only. Of the hubs sharing a database, the one whose append
  // gets shouldCompact holds the document's compaction lock, and the others
  // are not asked, until it compacts or this long has passed.
  std::chrono::milliseconds compactionClaim{30000};
  // SQLite only, tests only: how SyncMode::kBackground opens the WAL for its fsync (null:
  // ::open), to simulate a process out of descriptors without taking every
  // descriptor of the process (which the sanitizers' runtime needs too).
  int (*openWalForTesting)(const char* path, int flags) = nullptr;
};

// The outcome of one append. On success, logUpdates and logBytes are the size
// of the doc's log right after this append (rows and bytes of update data);
// on failure they are 0 and shouldCompact is false.
struct AppendResult {
  Status status;
  uint64_t logUpdates = 0;
  uint64_t logBytes = 0;
  // True when the log has at least two rows and either holds
  // compactAfterUpdates rows or more, or holds compactAfterBytes bytes or more
  // of which the rows after the oldest (the last compacted state) make at
  // least half, so that a big document is not compacted after every append.
  bool shouldCompact = false;
  // On success, the seq the update got in the doc's log (gap-free, in
  // commit order per doc; what loadFrom counts in). Replicas sharing a
  // PostgreSQL database announce it to each other (hub/bus.h).
  uint64_t seq = 0;
};

class Store {
 public:
  // Opens the PostgreSQL store if options.postgresUrl is set
  // (OpenPostgresStore), else the SQLite store in options.dir
  // (OpenSqliteStore). On failure *out is untouched and nothing is held.
  static Status Open(const StoreOptions& options, std::unique_ptr<Store>* out);

  // Drains the queue (every queued job is committed or fails, and its `done`
  // is called), stops the writer thread and closes the database (SQLite:
  // and releases the directory lock). No other method may run concurrently
  // with it.
  virtual ~Store() = default;

  Store() = default;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Every stored update of `doc`, oldest first (after a compaction, the
  // merged state first). Appends, compactions and removals of `doc` queued
  // before this call are waited for, so the result includes every update
  // whose append was called before and succeeds. An unknown doc gives Ok and
  // an empty vector. May block (reads take a lock of their own, never the
  // writer's). On failure *updates is empty.
  //
  // A damaged log is never returned short or altered: if a row is missing
  // (a gap in the doc's seqs, or fewer than its recorded range), a row fails
  // its CRC-32C, or SQLite reports the file corrupt while reading the doc,
  // load gives FailedPrecondition "document 'DOC' is damaged in WHERE: what
  // is wrong; ...", and damagedDocs() lists the doc until a load of it
  // succeeds again (after it is removed, say).
  virtual Status load(const std::string& doc, std::vector<std::vector<uint8_t>>* updates) = 0;

  // Like load(), with the same waiting and damage checks, but only the rows
  // of seq `from` and later (AppendResult::seq); *next gets the seq the log's
  // next append will get. A caller whose copy holds every update of seq
  // below `from` holds the whole document once it has applied *updates: a
  // compaction's state row covers only seqs at or below its own (PostgreSQL:
  // it takes the seq of the last row it replaces; SQLite: a new seq after
  // them), so it is returned whenever it covers a seq the caller lacks.
  // For a replica catching up on what other hubs appended (hub/bus.h).
  virtual Status loadFrom(const std::string& doc, uint64_t from, std::vector<std::vector<uint8_t>>* updates,
                          uint64_t* next) = 0;

  // Queues `update` (an opaque, non-empty byte string) for `doc` and returns
  // at once, or after committing it (see above). Appends for one doc are
  // stored in call order. `done` (may be empty) is called once, on the
  // writer thread or, for an append committed inline, on this thread before
  // append returns.
  virtual void append(std::string doc, std::vector<uint8_t> update, std::function<void(const AppendResult&)> done) = 0;

  // Queues a compaction: in one transaction, the rows of `doc` that `state`
  // (non-empty) covers are replaced by the single row `state`, which takes
  // their place at the head of the log. After a crash the log holds either
  // the old rows or the state, never neither. `done` may be empty.
  // SQLite (one hub owns the log): the rows covered are every row in the log
  // when the job runs, including rows of appends queued before this call.
  // PostgreSQL (other hubs may append to the same log): the rows covered are
  // the unbroken run from the head of the log that this store loaded or
  // appended itself, up to its last append queued before this call; rows
  // after the first one it has not seen are kept after the state. When it
  // has seen none of the log (the log holds rows it never loaded), the
  // compaction changes nothing and reports Ok. Compacting a doc with no log
  // stores the state.
  virtual void compact(std::string doc, std::vector<uint8_t> state, std::function<void(Status)> done) = 0;

  // Queues the deletion of `doc` and its log. Removing an unknown doc is Ok.
  virtual void remove(std::string doc, std::function<void(Status)> done) = 0;

  // SQLite only: queues a change of StoreOptions::maxDatabaseBytes (0: no
  // limit) that applies to every job queued after it. The PostgreSQL store
  // answers FailedPrecondition (the server's administrator sets its limits).
  virtual void setMaxDatabaseBytes(uint64_t bytes, std::function<void(Status)> done) = 0;

  // Returns once every job queued before this call is committed (or failed)
  // and its `done` has returned.
  virtual void flush() = 0;

  // Calls `done` once every commit made before this call survives power loss
  // too: with SyncMode::kBackground on the store's sync thread when its fsync
  // returns (with an error if it failed); at once otherwise (kEveryCommit
  // commits are fsynced already; kOff promises nothing more). `done` must be
  // quick and must not call flush() or load().
  virtual void whenSynced(std::function<void(Status)> done) = 0;

  // Where the documents are, for people: the SQLite file's path, or
  // "PostgreSQL at user@host:port/db" (never a password).
  virtual std::string location() const = 0;

  // Names of all stored docs, sorted by byte value. Sees committed data only.
  virtual Status listDocs(std::vector<std::string>* names) = 0;

  // Docs whose last load() found them damaged (see load()), sorted.
  virtual std::vector<std::string> damagedDocs() const = 0;

  // Bytes of update data queued and not yet committed, and whether that is
  // above StoreOptions::queueLimitBytes.
  virtual size_t queuedBytes() const = 0;
  virtual bool overloaded() const = 0;

  // Ok, or why writes fail: the store can no longer make writes durable (a
  // failed fsync is final: see SyncMode::kBackground; every later write
  // fails), or the last transaction failed (a full disk, say, or PostgreSQL
  // unreachable) and none has succeeded since, or (PostgreSQL) the current one
  // has waited longer than StoreOptions::stallLimit.
  virtual Status health() const = 0;

  // Upper bounds (seconds) of the commit latency histogram, for Prometheus.
  static constexpr std::array<double, 12> kCommitSecondsBounds = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, std::numeric_limits<double>::infinity()};

  struct Stats {
    uint64_t commits = 0;        // transactions committed
    uint64_t failedCommits = 0;  // transactions rolled back after an error
    uint64_t appends = 0;        // appends committed
    uint64_t compactions = 0;    // compactions committed
    uint64_t removes = 0;        // removals committed
    uint64_t bytesWritten = 0;   // update and state bytes committed
    double lastCommitSeconds = 0, maxCommitSeconds = 0;
    // Commit latency (BEGIN to COMMIT returned) of committed transactions:
    // commitSecondsBuckets[i] counts commits that took at most
    // kCommitSecondsBounds[i] (cumulative, the last is +Inf and equals
    // commitSecondsCount).
    std::array<uint64_t, kCommitSecondsBounds.size()> commitSecondsBuckets{};
    double commitSecondsSum = 0;
    uint64_t commitSecondsCount = 0;
    // SQLite's SyncMode::kBackground: fsyncs of the WAL after commits, their total and
    // longest duration, and the checkpoints run beside them.
    uint64_t syncs = 0;
    double syncSecondsSum = 0, maxSyncSeconds = 0;
    uint64_t checkpoints = 0;
    // ... and the fsyncs put off for want of a file descriptor or memory.
    uint64_t syncRetries = 0;
    // Docs whose last load found them damaged (see load()).
    uint64_t damagedDocs = 0;
  };
  virtual Stats stats() const = 0;
};

}  // namespace roundtable::store
