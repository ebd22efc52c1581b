// The shared store: documents' update logs in a PostgreSQL (15) database,
// through libpq. docs/storage.md describes the schema and why several hubs
// may share one database.
#pragma once

#include <memory>
#include <string>

#include "store/store.h"

namespace roundtable::store {

// Connects to options.postgresUrl (a libpq URI or key=value string; a
// connect_timeout of 10 s applies unless it names one), creates or migrates
// the schema (one migration at a time across hubs, under an advisory lock)
// and starts the writer thread. Fails with FailedPrecondition and a message
// for a person (naming user, host, port and database, never a password) when
// the server cannot be reached or refuses the login, or the database holds a
// schema from a newer Roundtable. On failure *out is untouched.
Status OpenPostgresStore(const StoreOptions& options, std::unique_ptr<Store>* out);

// The server, user and database of `url` for messages: "user@host:port/db",
// without any password. `url` that libpq cannot parse gives "(unparsable)".
std::string describePostgresUrl(const std::string& url);

}  // namespace roundtable::store
