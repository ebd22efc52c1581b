#include "pg_server.h"

#include <fcntl.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include <vector>

namespace roundtable::testing {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPort = "5432";  // the socket lives in a private directory: no clash with other servers

// The uid/gid to run PostgreSQL as: `postgres` when we are root.
Status serverUser(uid_t* uid, gid_t* gid) {
  *uid = getuid();
  *gid = getgid();
  if (*uid != 0) return Status::Ok();
  struct passwd* pw = getpwnam("postgres");
  if (pw == nullptr) {
    return Status::FailedPrecondition("running as root and there is no `postgres` user to run PostgreSQL as; "
                                      "scripts/setup.sh installs postgresql-15, which creates it");
  }
  *uid = pw->pw_uid;
  *gid = pw->pw_gid;
  return Status::Ok();
}

// Forks and execs argv as uid/gid with stdout and stderr appended to `logPath`.
pid_t spawn(const std::vector<std::string>& argv, uid_t uid, gid_t gid, const std::string& logPath) {
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  int fd = open(logPath.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    dup2(fd, 1);
    dup2(fd, 2);
    close(fd);
  }
  if (getuid() != uid) {
    if (setgid(gid) != 0 || setuid(uid) != 0) _exit(126);
  }
  // The server dies with the test process, even when that is killed.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() != parent) _exit(125);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execv(args[0], args.data());
  _exit(127);
}

}  // namespace

Status PgServer::Start(std::unique_ptr<PgServer>* out) {
  auto server = std::unique_ptr<PgServer>(new PgServer());
  const char* env = getenv("ROUNDTABLE_PG_BIN");
  server->bin_ = env && *env ? env : "/usr/lib/postgresql/15/bin";
  for (const char* tool : {"initdb", "postgres"}) {
    if (access((server->bin_ + "/" + tool).c_str(), X_OK) != 0) {
      return Status::FailedPrecondition("PostgreSQL 15 is not installed: no " + server->bin_ + "/" + tool +
                                        " (scripts/setup.sh installs postgresql-15; ROUNDTABLE_PG_BIN names "
                                        "another directory)");
    }
  }
  uid_t uid;
  gid_t gid;
  Status s = serverUser(&uid, &gid);
  if (!s.ok()) return s;

  char tmpl[] = "/tmp/roundtable-pg-XXXXXX";
  if (mkdtemp(tmpl) == nullptr) return Status::FailedPrecondition("cannot create a temporary directory");
  server->dir_ = tmpl;
  if (chown(tmpl, uid, gid) != 0) return Status::FailedPrecondition("cannot chown " + server->dir_);

  std::string logPath = server->dir_ + "/postgres.log";
  pid_t pid = spawn({server->bin_ + "/initdb", "-D", server->dir_ + "/data", "-U", "postgres", "-A", "trust",
                     "-E", "UTF8", "--locale=C", "--no-sync"},
                    uid, gid, logPath);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Status::FailedPrecondition("initdb failed:\n" + server->log());
  }
  s = server->start();
  if (!s.ok()) return s;
  *out = std::move(server);
  return Status::Ok();
}

Status PgServer::start() {
  uid_t uid;
  gid_t gid;
  Status s = serverUser(&uid, &gid);
  if (!s.ok()) return s;
  // No TCP listener; fsync off: the tests prove the store's ordering and
  // what a killed hub leaves, not the disk's durability.
  pid_ = spawn({bin_ + "/postgres", "-D", dir_ + "/data", "-k", dir_, "-p", kPort, "-c", "listen_addresses=",
                "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "max_connections=50"},
               uid, gid, dir_ + "/postgres.log");
  if (pid_ < 0) return Status::FailedPrecondition("cannot fork");
  std::string conninfo = url();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) return Status::Ok();
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return Status::FailedPrecondition("postgres exited at start:\n" + log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  stop();
  return Status::FailedPrecondition("postgres did not accept connections within 30 s:\n" + log());
}

void PgServer::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGINT);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

namespace {

// The server's pid and its children's, from /proc (PPid in each status file).
std::vector<pid_t> processTree(pid_t root) {
  std::vector<pid_t> pids{root};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    std::ifstream status(entry.path() / "status");
    std::string line;
    while (std::getline(status, line)) {
      if (line.rfind("PPid:", 0) == 0) {
        if (std::stol(line.substr(5)) == root) pids.push_back(static_cast<pid_t>(std::stol(entry.path().filename())));
        break;
      }
    }
  }
  return pids;
}

}  // namespace

void PgServer::freeze() {
  if (pid_ <= 0) return;
  for (pid_t pid : processTree(pid_)) kill(pid, SIGSTOP);
}

void PgServer::thaw() {
  if (pid_ <= 0) return;
  for (pid_t pid : processTree(pid_)) kill(pid, SIGCONT);
}

PgServer::~PgServer() {
  thaw();
  stop();
  std::error_code ec;
  if (!dir_.empty()) fs::remove_all(dir_, ec);
}

std::string PgServer::url(const std::string& db) const {
  // The socket directory as the host, percent-encoded.
  std::string host;
  for (char c : dir_) {
    if (c == '/') host += "%2F";
    else host += c;
  }
  return "postgresql://postgres@" + host + ":" + kPort + "/" + db;
}

std::string PgServer::log() const {
  std::ifstream in(dir_ + "/postgres.log");
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace roundtable::testing
