// The embedded store: one SQLite database (WAL mode) in a data directory.
#pragma once

#include <memory>

#include "store/store.h"

namespace roundtable::store {

// Creates options.dir if missing, takes DIR/hub.lock (see dir_lock.h), opens
// or creates DIR/roundtable.db, brings its schema up to date and starts the
// writer thread. Fails with FailedPrecondition and a message for a person
// when the directory is in use by another hub (in this process or another),
// cannot be created, or the database is unreadable, foreign or from a newer
// version. On failure *out is untouched and nothing is held.
Status OpenSqliteStore(const StoreOptions& options, std::unique_ptr<Store>* out);

}  // namespace roundtable::store
