#include "store/write_queue.h"

#include <algorithm>

#include "lib0/utf.h"

namespace roundtable::store {

namespace {

// Appends up to this size may be committed on the caller's thread, when the
// last batch finished at least kInlineAfterIdle ago.
constexpr size_t kMaxInlineAppendBytes = 64 << 10;
constexpr std::chrono::microseconds kInlineAfterIdle{1000};

}  // namespace

Status withMessage(const Status& s, std::string msg) {
  switch (s.code()) {
    case StatusCode::kOk: return Status::Ok();
    case StatusCode::kInvalidArgument: return Status::InvalidArgument(std::move(msg));
    case StatusCode::kNotFound: return Status::NotFound(std::move(msg));
    case StatusCode::kFailedPrecondition: return Status::FailedPrecondition(std::move(msg));
    case StatusCode::kResourceExhausted: return Status::ResourceExhausted(std::move(msg));
    case StatusCode::kInternal: return Status::Internal(std::move(msg));
  }
  return Status::Internal(std::move(msg));
}

Status validateDocName(const std::string& doc) {
  if (doc.empty()) return Status::InvalidArgument("document name is empty");
  if (doc.size() > kMaxDocNameBytes) {
    return Status::InvalidArgument("document name is " + std::to_string(doc.size()) + " bytes long; the limit is " +
                                   std::to_string(kMaxDocNameBytes));
  }
  if (!lib0::isValidUtf8(doc)) return Status::InvalidArgument("document name is not valid UTF-8");
  return Status::Ok();
}

Job makeAppendJob(std::string doc, std::vector<uint8_t> update, std::function<void(const AppendResult&)> done) {
  Job job;
  job.kind = Job::Kind::kAppend;
  job.invalid = validateDocName(doc);
  if (job.invalid.ok() && update.empty()) job.invalid = Status::InvalidArgument("empty update");
  job.doc = std::move(doc);
  job.data = std::move(update);
  job.appendDone = std::move(done);
  return job;
}

Job makeCompactJob(std::string doc, std::vector<uint8_t> state, std::function<void(Status)> done) {
  Job job;
  job.kind = Job::Kind::kCompact;
  job.invalid = validateDocName(doc);
  if (job.invalid.ok() && state.empty()) job.invalid = Status::InvalidArgument("empty state");
  job.doc = std::move(doc);
  job.data = std::move(state);
  job.statusDone = std::move(done);
  return job;
}

Job makeRemoveJob(std::string doc, std::function<void(Status)> done) {
  Job job;
  job.kind = Job::Kind::kRemove;
  job.invalid = validateDocName(doc);
  job.doc = std::move(doc);
  job.statusDone = std::move(done);
  return job;
}

void recordCommit(Store::Stats& st, double seconds, const std::vector<Job>& batch) {
  ++st.commits;
  for (const Job& job : batch) {
    if (!job.invalid.ok()) continue;
    if (job.kind == Job::Kind::kAppend) ++st.appends;
    if (job.kind == Job::Kind::kCompact) ++st.compactions;
    if (job.kind == Job::Kind::kRemove) ++st.removes;
    st.bytesWritten += job.data.size();
  }
  st.lastCommitSeconds = seconds;
  st.maxCommitSeconds = std::max(st.maxCommitSeconds, seconds);
  for (size_t i = 0; i < Store::kCommitSecondsBounds.size(); ++i) {
    if (seconds <= Store::kCommitSecondsBounds[i]) ++st.commitSecondsBuckets[i];
  }
  st.commitSecondsSum += seconds;
  ++st.commitSecondsCount;
}

WriteQueue::WriteQueue(size_t maxBatchBytes, bool inlineAppends, RunBatch run)
    : maxBatchBytes_(maxBatchBytes), inlineAppends_(inlineAppends), run_(std::move(run)) {}

WriteQueue::~WriteQueue() { stop(); }

void WriteQueue::start() { thread_ = std::thread([this] { writerLoop(); }); }

void WriteQueue::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  workCv_.notify_one();
  thread_.join();  // the writer drains the queue before it returns
}

void WriteQueue::enqueue(Job job) {
  std::unique_lock l(mu_);
  job.ticket = ++enqueuedTicket_;
  queuedBytes_ += job.data.size();
  if (job.invalid.ok() && !job.doc.empty()) pendingDocs_[job.doc] = job.ticket;
  // A small append to a store that has been idle for a while is committed
  // here, on the caller's thread: handing it to the writer thread and its
  // answer back would cost two thread wake-ups, each longer than the commit
  // itself on a virtual machine. Anything else, and whatever queues while
  // this commit runs, goes to the writer thread. So does an append that
  // follows the last commit closely: under load, a caller that commits on
  // its own thread would commit one update per transaction (a room's appends
  // all come from its one strand), while the writer thread takes everything
  // queued meanwhile in one (group commit): measured, inline commits under
  // load cut the hub's sustained fan-out throughput to a third.
  bool inlineCommit = inlineAppends_ && !writing_ && !stopping_ && queue_.empty() && job.kind == Job::Kind::kAppend &&
                      job.data.size() <= kMaxInlineAppendBytes &&
                      std::chrono::steady_clock::now() - lastBatchEnd_ >= kInlineAfterIdle;
  queue_.push_back(std::move(job));
  if (!inlineCommit) {
    l.unlock();
    workCv_.notify_one();
    return;
  }
  std::vector<Job> batch;
  size_t bytes = takeBatch(batch);
  l.unlock();
  run_(batch);
  finishBatch(batch, bytes);
}

// Moves the queued jobs that make the next transaction into `batch` (every
// queued job up to maxBatchBytes; a change of the size limit runs alone,
// between transactions) and marks the writer busy. Called with mu_ held.
size_t WriteQueue::takeBatch(std::vector<Job>& batch) {
  size_t bytes = 0;
  while (!queue_.empty()) {
    Job& next = queue_.front();
    bool control = next.kind == Job::Kind::kSetLimit;
    if (!batch.empty() && (control || bytes + next.data.size() > maxBatchBytes_)) break;
    bytes += next.data.size();
    batch.push_back(std::move(next));
    queue_.pop_front();
    if (control) break;
  }
  writing_ = true;
  return bytes;
}

// After a batch ran: its jobs are done; wakes flush() and waitForDoc(), and
// the writer thread if jobs queued meanwhile.
void WriteQueue::finishBatch(const std::vector<Job>& batch, size_t bytes) {
  bool more;
  {
    std::lock_guard l(mu_);
    writing_ = false;
    lastBatchEnd_ = std::chrono::steady_clock::now();
    queuedBytes_ -= bytes;
    completedTicket_ = batch.back().ticket;
    for (const Job& job : batch) {
      auto it = pendingDocs_.find(job.doc);
      if (it != pendingDocs_.end() && it->second <= completedTicket_) pendingDocs_.erase(it);
    }
    more = !queue_.empty() || stopping_;
  }
  doneCv_.notify_all();
  if (more) workCv_.notify_one();
}

void WriteQueue::flush() {
  std::unique_lock l(mu_);
  uint64_t ticket = enqueuedTicket_;
  doneCv_.wait(l, [&] { return completedTicket_ >= ticket; });
}

void WriteQueue::waitForDoc(const std::string& doc) {
  std::unique_lock l(mu_);
  if (auto it = pendingDocs_.find(doc); it != pendingDocs_.end()) {
    uint64_t ticket = it->second;
    doneCv_.wait(l, [&] { return completedTicket_ >= ticket; });
  }
}

size_t WriteQueue::queuedBytes() const {
  std::lock_guard l(mu_);
  return queuedBytes_;
}

void WriteQueue::writerLoop() {
  for (;;) {
    std::vector<Job> batch;
    size_t bytes;
    {
      std::unique_lock l(mu_);
      workCv_.wait(l, [&] { return !writing_ && (stopping_ || !queue_.empty()); });
      if (queue_.empty()) return;  // stopping, and everything is done
      bytes = takeBatch(batch);
    }
    run_(batch);
    finishBatch(batch, bytes);
  }
}

}  // namespace roundtable::store
