// The write path both store implementations share: one FIFO queue of jobs,
// one writer thread that takes every queued job (up to maxBatchBytes) as one
// batch for one transaction (group commit), optional inline commits of small
// appends to an idle store, and the tickets that flush() and load() wait on.
// The implementation supplies the transaction (RunBatch); it must call every
// job's `done`, in queue order, only after its COMMIT returned (or with the
// error once it failed).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "roundtable/base/status.h"
#include "store/store.h"

namespace roundtable::store {

struct Job {
  // kProbe: nothing to write, only the transaction (PostgreSQL's health
  // probe; see PostgresStore::health).
  enum class Kind { kAppend, kCompact, kRemove, kSetLimit, kProbe };
  Kind kind = Kind::kAppend;
  std::string doc;
  std::vector<uint8_t> data;  // the update (append) or the state (compact)
  uint64_t limit = 0;         // kSetLimit: maxDatabaseBytes
  std::function<void(const AppendResult&)> appendDone;
  std::function<void(Status)> statusDone;
  Status invalid;  // not Ok: rejected before reaching the database
  uint64_t ticket = 0;
};

// The jobs of the public methods, validated (Job::invalid says why not).
Job makeAppendJob(std::string doc, std::vector<uint8_t> update, std::function<void(const AppendResult&)> done);
Job makeCompactJob(std::string doc, std::vector<uint8_t> state, std::function<void(Status)> done);
Job makeRemoveJob(std::string doc, std::function<void(Status)> done);

// Ok, or InvalidArgument: a document name is UTF-8 of 1..kMaxDocNameBytes bytes.
Status validateDocName(const std::string& doc);

// The same code with another message.
Status withMessage(const Status& s, std::string msg);

// Adds one committed transaction of `batch`, which took `seconds`, to `stats`.
void recordCommit(Store::Stats& stats, double seconds, const std::vector<Job>& batch);

class WriteQueue {
 public:
  using RunBatch = std::function<void(std::vector<Job>& batch)>;

  // inlineAppends: whether enqueue() may commit a small append to an idle
  // store itself, on the caller's thread.
  WriteQueue(size_t maxBatchBytes, bool inlineAppends, RunBatch run);
  // Stops the thread (after draining the queue) if stop() was not called.
  ~WriteQueue();

  void start();
  // Every queued job is run and its `done` called; then the thread ends.
  void stop();

  void enqueue(Job job);
  // Returns once every job queued before is done and its `done` returned.
  void flush();
  // Returns once every job of `doc` queued before is done.
  void waitForDoc(const std::string& doc);
  size_t queuedBytes() const;

 private:
  void writerLoop();
  size_t takeBatch(std::vector<Job>& batch);
  void finishBatch(const std::vector<Job>& batch, size_t bytes);

  const size_t maxBatchBytes_;
  const bool inlineAppends_;
  const RunBatch run_;

  mutable std::mutex mu_;
  std::condition_variable workCv_;  // the writer waits for jobs
  std::condition_variable doneCv_;  // flush() and waitForDoc() wait for completedTicket_
  std::deque<Job> queue_;
  size_t queuedBytes_ = 0;                                    // data bytes queued or in the running batch
  uint64_t enqueuedTicket_ = 0;                               // ticket of the last job queued
  uint64_t completedTicket_ = 0;                              // jobs up to this ticket are done, callbacks returned
  std::map<std::string, uint64_t, std::less<>> pendingDocs_;  // doc -> ticket of its last job not yet done
  bool stopping_ = false;
  bool writing_ = false;  // a batch is being committed (by the writer thread or inline by enqueue)
  std::chrono::steady_clock::time_point lastBatchEnd_;  // when the last batch finished
  std::thread thread_;
};

}  // namespace roundtable::store
