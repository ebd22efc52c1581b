#include "store/dir_lock.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace roundtable::store {

namespace {

std::string errnoText(int err) { return std::strerror(err); }

// The pid the holder wrote, or "" if the file holds none (yet).
std::string readPid(int fd) {
  char buf[32];
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "";
  std::string pid(buf, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  for (char c : pid) {
    if (c < '0' || c > '9') return "";
  }
  return pid;
}

}  // namespace

Status DirLock::Acquire(const std::filesystem::path& dir, std::unique_ptr<DirLock>* out) {
  std::filesystem::path file = dir / "hub.lock";
  int fd = open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    return Status::FailedPrecondition("cannot open lock file " + file.string() + ": " + errnoText(err));
  }
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    std::string pid = err == EWOULDBLOCK ? readPid(fd) : "";
    close(fd);
    if (err != EWOULDBLOCK) {
      return Status::FailedPrecondition("cannot lock " + file.string() + ": " + errnoText(err));
    }
    return Status::FailedPrecondition("data directory " + dir.string() + " is in use by another roundtable hub" +
                                      (pid.empty() ? "" : " (pid " + pid + ")") +
                                      "; stop it or pass --data DIR");
  }
  // We hold the lock: replace whatever an earlier holder left with our pid.
  // Failing to write it only makes a later error message less helpful.
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) == 0) {
    [[maybe_unused]] ssize_t n = pwrite(fd, pid.data(), pid.size(), 0);
  }
  out->reset(new DirLock(fd));
  return Status::Ok();
}

DirLock::~DirLock() {
  [[maybe_unused]] int r = ftruncate(fd_, 0);
  close(fd_);  // releases the flock
}

}  // namespace roundtable::store
