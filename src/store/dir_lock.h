// DirLock: exclusive ownership of a data directory by one hub.
//
//   std::unique_ptr<DirLock> lock;
//   Status s = DirLock::Acquire("/home/me/.roundtable", &lock);
//   // s is FailedPrecondition while another hub holds the directory.
//
// The lock is flock(LOCK_EX | LOCK_NB) on DIR/hub.lock, which also holds the
// holder's pid as text for the error message. flock locks belong to the open
// file description, so:
//   - a second Acquire in the same process fails like one from another process;
//   - the kernel releases the lock when the holder dies, however it dies, so a
//     stale pid left in the file never blocks anyone;
//   - the descriptor is close-on-exec, so programs the hub starts do not keep
//     the directory locked after the hub exits.
// The file is never deleted (deleting a lock file lets two holders race).
#pragma once

#include <filesystem>
#include <memory>

#include "roundtable/base/status.h"

namespace roundtable::store {

class DirLock {
 public:
  // Takes the lock without waiting. `dir` must exist. On failure *out is
  // untouched and the Status says who holds the directory, when known.
  static Status Acquire(const std::filesystem::path& dir, std::unique_ptr<DirLock>* out);
  ~DirLock();  // empties the pid file and releases the lock
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  explicit DirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace roundtable::store
