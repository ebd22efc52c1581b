#include "store/store.h"

#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace roundtable::store {

Status Store::Open(const StoreOptions& options, std::unique_ptr<Store>* out) {
  if (!options.postgresUrl.empty()) return OpenPostgresStore(options, out);
  return OpenSqliteStore(options, out);
}

}  // namespace roundtable::store
