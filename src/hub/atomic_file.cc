#include "hub/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace roundtable::hub {

namespace {

Status failure(const std::string& what, const std::filesystem::path& file, int err) {
  return Status::Internal("cannot " + what + " " + file.string() + ": " + std::strerror(err));
}

// Writes all of `bytes`, through short writes and signals.
bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

}  // namespace

Status writeFileAtomically(const std::filesystem::path& file, std::string_view bytes, mode_t mode) {
  std::filesystem::path dir = file.parent_path().empty() ? std::filesystem::path(".") : file.parent_path();
  std::string temp = (dir / (file.filename().string() + ".tmp-XXXXXX")).string();
  int fd = ::mkstemp(temp.data());  // created 0600, whatever the umask
  if (fd < 0) return failure("create a temporary file beside", file, errno);
  auto abandon = [&](const std::string& what) {
    int err = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return failure(what, file, err);
  };
  if (::fchmod(fd, mode) != 0) return abandon("set the mode of");
  if (!writeAll(fd, bytes)) return abandon("write");
  if (::fsync(fd) != 0) return abandon("fsync");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return failure("close", file, err);
  }
  if (::rename(temp.c_str(), file.c_str()) != 0) {
    int err = errno;
    ::unlink(temp.c_str());
    return failure("rename a temporary file to", file, err);
  }
  // The rename is durable only once the directory is.
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0) return failure("open the directory of", file, errno);
  int synced = ::fsync(dirFd);
  int err = errno;
  ::close(dirFd);
  if (synced != 0) return failure("fsync the directory of", file, err);
  return Status::Ok();
}

}  // namespace roundtable::hub
