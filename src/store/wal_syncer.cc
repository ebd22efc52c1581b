#include "store/wal_syncer.h"

#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "store/sqlite_db.h"

namespace roundtable::store {

namespace {
int openPosix(const char* path, int flags) { return ::open(path, flags); }
}  // namespace

WalSyncer::WalSyncer(std::filesystem::path db, std::unique_ptr<SqliteDb> checkpointer, int checkpointFrames,
                     std::chrono::milliseconds interval, OpenFile openFile)
    : walPath_(db.string() + "-wal"),
      checkpointer_(std::move(checkpointer)),
      checkpointFrames_(checkpointFrames),
      interval_(interval),
      openFile_(openFile ? openFile : &openPosix),
      thread_([this] { loop(); }) {}

WalSyncer::~WalSyncer() {
  {
    std::lock_guard l(mu_);
    stopping_ = true;
  }
  cv_.notify_one();
  thread_.join();
  if (walFd_ >= 0) ::close(walFd_);
}

void WalSyncer::committed(uint64_t ticket, int walFrames) {
  {
    std::lock_guard l(mu_);
    committed_ = ticket;
    walFrames_ = walFrames;
  }
  cv_.notify_one();
}

void WalSyncer::whenSynced(std::function<void(Status)> done) {
  std::unique_lock l(mu_);
  if (synced_ >= committed_) {
    Status s = error_;
    l.unlock();
    done(s);
    return;
  }
  waiters_.emplace_back(committed_, std::move(done));
  l.unlock();
  cv_.notify_one();
}

Status WalSyncer::error() const {
  std::lock_guard l(mu_);
  return error_;
}

WalSyncer::Stats WalSyncer::stats() const {
  std::lock_guard l(mu_);
  return stats_;
}

void WalSyncer::loop() {
  std::unique_lock l(mu_);
  for (;;) {
    cv_.wait(l, [&] { return stopping_ || committed_ > synced_; });
    if (committed_ <= synced_) return;  // stopping, and everything reported is synced
    // At most one fsync per interval, so the commits of an interval share
    // it; at once for a waiter.
    cv_.wait_until(l, lastStart_ + interval_, [&] { return stopping_ || !waiters_.empty(); });
    lastStart_ = std::chrono::steady_clock::now();
    uint64_t target = committed_;
    int frames = walFrames_;
    bool failed = !error_.ok();
    l.unlock();

    Status s;
    double seconds = 0;
    bool checkpointed = false;
    if (!failed) {
      s = syncWal();
      seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - lastStart_).count();
      // A checkpoint that fails (busy, say) is retried after the next commit;
      // it is not a loss: the WAL keeps everything until it succeeds.
      if (s.ok() && frames >= checkpointFrames_) checkpointed = checkpoint().ok();
    }

    l.lock();
    if (s.code() == StatusCode::kResourceExhausted && !stopping_) {
      // Not synced, not failed: the commits stay unanswered until a retry,
      // one interval later, succeeds.
      ++stats_.retries;
      lastStart_ = std::chrono::steady_clock::now();
      cv_.wait_until(l, lastStart_ + interval_, [&] { return stopping_; });
      continue;
    }
    if (!failed) {
      ++stats_.syncs;
      stats_.syncSecondsSum += seconds;
      stats_.maxSyncSeconds = std::max(stats_.maxSyncSeconds, seconds);
      if (checkpointed) ++stats_.checkpoints;
    }
    if (!s.ok() && error_.ok()) error_ = s;
    synced_ = target;
    size_t ready = 0;
    while (ready < waiters_.size() && waiters_[ready].first <= synced_) ++ready;
    std::vector<std::pair<uint64_t, std::function<void(Status)>>> done(
        std::make_move_iterator(waiters_.begin()), std::make_move_iterator(waiters_.begin() + ready));
    waiters_.erase(waiters_.begin(), waiters_.begin() + ready);
    Status result = error_;
    l.unlock();
    for (auto& [ticket, f] : done) f(result);
    l.lock();
  }
}

// SQLite has no call that syncs the WAL alone, so this syncs the file by a
// descriptor of its own: on Linux, fdatasync writes back every dirty page of
// the file, whoever wrote it. SQLite holds no POSIX locks on the WAL file
// (they are on the database and -shm files), so opening and closing it here
// cannot release any. The WAL is only deleted when SQLite's last connection
// closes; if it was (the link count is 0), the new file is opened.
Status WalSyncer::syncWal() {
  struct stat st {};
  if (walFd_ >= 0 && (::fstat(walFd_, &st) != 0 || st.st_nlink == 0)) {
    ::close(walFd_);
    walFd_ = -1;
  }
  if (walFd_ < 0) {
    walFd_ = openFile_(walPath_.c_str(), O_RDONLY | O_CLOEXEC);
    if (walFd_ < 0) {
      int err = errno;
      std::string why = "cannot open " + walPath_.string() + " to fsync it: " + std::strerror(err);
      // Out of descriptors or memory loses nothing (the commits are in the
      // page cache, and no fsync has failed): try again later.
      if (err == EMFILE || err == ENFILE || err == ENOMEM) return Status::ResourceExhausted(why);
      return Status::FailedPrecondition(why);
    }
  }
  if (::fdatasync(walFd_) != 0) {
    int err = errno;
    return Status::FailedPrecondition("cannot fsync " + walPath_.string() + ": " + std::strerror(err));
  }
  return Status::Ok();
}

Status WalSyncer::checkpoint() {
  int rc = sqlite3_wal_checkpoint_v2(checkpointer_->raw(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return rc == SQLITE_OK ? Status::Ok() : sqliteStatus(rc, "checkpoint", checkpointer_->raw());
}

}  // namespace roundtable::store
