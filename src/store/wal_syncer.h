// WalSyncer: makes what SQLite committed to its write-ahead log survive power
// loss, on a thread of its own, so that a commit (synchronous=NORMAL: written
// to the WAL, in the OS's cache) is acknowledged before its fsync.
//
//   WalSyncer syncer(dbPath, std::move(checkpointConnection), 1000);
//   // writer thread, after each COMMIT:
//   syncer.committed(ticket, walFrames);
//   // anyone:
//   syncer.whenSynced([](Status s) { /* every commit reported so far is on disk */ });
//
// It fsyncs the WAL file after commits, at most once per `interval` unless
// someone waits (whenSynced), and then at once. So a power loss costs at most
// the commits of about one interval plus one fsync, and the commits of an
// interval share one fsync: the disk and the kernel's journal are not kept
// busy by every commit (on the development VM, an fsync after each commit
// doubled the time a broadcast to 100 clients took). It also
// runs SQLite's checkpoints (the writer's automatic checkpoint is turned
// off), so that the writer never waits for their fsyncs: a passive
// checkpoint on its own connection when the WAL holds `checkpointFrames`
// frames or more.
//
// An fsync that fails is final (after a failed fsync, Linux may drop the
// dirty pages, so retrying can report success for data that is gone): error()
// stays set, and every waiter then and later gets it. Running out of file
// descriptors or memory while opening the WAL is not a failed fsync: it is
// retried every interval, and waiters wait (at shutdown they get the error).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::store {

class SqliteDb;

class WalSyncer {
 public:
  // `db`: the database file (its WAL is `db` + "-wal"); `checkpointer`: a
  // connection of its own to it. Starts the thread.
  // `openFile` opens the WAL for the fsync (POSIX open's signature); null
  // means ::open. Tests pass one that fails as a process out of descriptors.
  using OpenFile = int (*)(const char* path, int flags);
  WalSyncer(std::filesystem::path db, std::unique_ptr<SqliteDb> checkpointer, int checkpointFrames,
            std::chrono::milliseconds interval, OpenFile openFile = nullptr);
  // Syncs every commit reported so far, answers every waiter, stops the thread.
  ~WalSyncer();

  WalSyncer(const WalSyncer&) = delete;
  WalSyncer& operator=(const WalSyncer&) = delete;

  // Reports a commit: `ticket` grows with every call; `walFrames` is the
  // number of frames in the WAL after it (from sqlite3_wal_hook).
  void committed(uint64_t ticket, int walFrames);

  // Calls `done` once every commit reported before this call is fsynced: on
  // the syncer's thread, or at once (before this returns) when it already is.
  // Answers to different calls may overlap: one given at once can run while
  // the syncer thread is still calling earlier ones. Must be quick.
  void whenSynced(std::function<void(Status)> done);

  // Ok, or why syncing failed.
  Status error() const;

  struct Stats {
    uint64_t syncs = 0;        // fsyncs of the WAL
    uint64_t checkpoints = 0;  // checkpoints run
    uint64_t retries = 0;      // syncs put off for want of a descriptor or memory
    double syncSecondsSum = 0, maxSyncSeconds = 0;
  };
  Stats stats() const;

 private:
  void loop();
  Status syncWal();
  Status checkpoint();

  const std::filesystem::path walPath_;
  const std::unique_ptr<SqliteDb> checkpointer_;  // the syncer thread's
  const int checkpointFrames_;
  const std::chrono::milliseconds interval_;
  const OpenFile openFile_;
  std::chrono::steady_clock::time_point lastStart_;  // of the last fsync; the syncer thread's
  int walFd_ = -1;  // the syncer thread's

  mutable std::mutex mu_;
  std::condition_variable cv_;
  uint64_t committed_ = 0;  // last ticket reported
  uint64_t synced_ = 0;     // every ticket up to this one is on disk
  int walFrames_ = 0;
  bool stopping_ = false;
  Status error_;
  std::vector<std::pair<uint64_t, std::function<void(Status)>>> waiters_;  // (ticket, done), tickets ascending
  Stats stats_;

  std::thread thread_;  // last: starts after everything above is set up
};

}  // namespace roundtable::store
