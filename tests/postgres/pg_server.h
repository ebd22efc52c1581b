// A real PostgreSQL server for tests, owned by the test process: a fresh
// cluster (initdb) in a temporary directory, listening only on a Unix socket
// in that directory, stopped and removed by the destructor. As root, initdb
// and postgres run as the `postgres` user (PostgreSQL refuses to run as
// root); otherwise as the current user.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>

#include "roundtable/base/status.h"

namespace roundtable::testing {

class PgServer {
 public:
  // Starts a server from the binaries in $ROUNDTABLE_PG_BIN, else
  // /usr/lib/postgresql/15/bin, and waits until it accepts connections.
  // Fails with a message naming what is missing or what the server logged;
  // scripts/setup.sh installs the packages.
  static Status Start(std::unique_ptr<PgServer>* out);
  ~PgServer();

  // A libpq URI of database `db` as the `postgres` superuser.
  std::string url(const std::string& db = "postgres") const;
  // Fast shutdown (SIGINT), waiting for the server to exit; then start()
  // brings it back on the same data.
  void stop();
  Status start();
  // SIGSTOP / SIGCONT to the server and every process it started (its
  // backends): a server that holds its connections open and answers nothing.
  void freeze();
  void thaw();
  // The server's log so far (for failure messages).
  std::string log() const;

 private:
  PgServer() = default;
  std::string dir_;  // the temporary directory: data/, the socket, postgres.log
  std::string bin_;
  pid_t pid_ = -1;
};

}  // namespace roundtable::testing
