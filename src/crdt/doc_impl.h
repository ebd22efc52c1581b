// DocImpl: the document behind the public Doc handle: the struct store, the
// root types, transactions and their cleanup (yjs utils/Doc.js, Transaction.js).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "crdt/id.h"
#include "crdt/store/struct_store.h"
#include "crdt/string_pool.h"
#include "crdt/transaction.h"
#include "crdt/types/type.h"
#include "crdt/update/update_coder.h"

namespace roundtable::crdt {

using UpdateCallback = std::function<void(std::span<const uint8_t> update, const void* origin, Transaction& txn)>;
using TransactionCallback = std::function<void(Transaction& txn)>;

class DocImpl {
 public:
  DocImpl(ClientId clientId, bool gc);
  ~DocImpl();

  ClientId clientId;
  bool gc;
  StructStore store;
  StringPool strings;

  // Root types in the order they were first named.
  std::vector<std::pair<const std::string*, std::unique_ptr<TypeBase>>> share;
  TypeBase* getRoot(std::string_view name, TypeKind kind);  // kAbstract: any kind; null on kind conflict
  TypeBase* findRoot(std::string_view name) const;
  const std::string* rootName(const TypeBase* t) const;

  // Runs f in the current transaction, or in a new one that is cleaned up
  // (observers, GC, merging, update callbacks) when f returns.
  template <typename F>
  void transact(F&& f, const void* origin = nullptr, bool local = true);

  Transaction* current = nullptr;
  std::vector<std::unique_ptr<Transaction>> cleanups;

  uint64_t nextObserverId = 1;
  std::vector<std::pair<ObserverId, UpdateCallback>> updateCallbacks;    // v1 updates
  std::vector<std::pair<ObserverId, UpdateCallback>> updateV2Callbacks;  // v2, called after the v1 ones
  std::vector<std::pair<ObserverId, TransactionCallback>> afterTransactionCallbacks;

  // Search marker timestamps (yjs globalSearchMarkerTimestamp, per document here).
  uint64_t markerTimestamp = 0;

 private:
  void finishInitial() {
    bool finishCleanup = current == cleanups.front().get();
    current = nullptr;
    if (finishCleanup) cleanupTransactions();
  }
  void cleanupTransactions();
};

// Internal entry points of update application and encoding (update/*.cc).
// applyUpdate throws lib0::DecodeError before changing anything if the
// update is malformed.
void applyUpdate(DocImpl& doc, std::span<const uint8_t> update, const void* origin, UpdateFormat format);
// Applies pending structs again (kept as a v1 update) inside `txn`.
void readUpdateV1Into(Transaction& txn, std::span<const uint8_t> update);
std::vector<uint8_t> encodeStateAsUpdate(DocImpl& doc, std::span<const uint8_t> encodedTargetSv, UpdateFormat format);
// Writes the structs `store` holds beyond `sv`. With `storeDeletes`, also
// adds the store's delete set to it: the ranges of all its deleted structs
// (yjs createDeleteSetFromStructStore), gathered in the same walk.
void writeClientsStructs(UpdateEncoder& enc, StructStore& store, const StateVector& sv, DeleteSet* storeDeletes);
StateVector decodeStateVector(std::span<const uint8_t> bytes);
std::vector<uint8_t> encodeStateVector(const StateVector& sv);  // clients descending, as yjs writes
std::vector<uint8_t> encodeStateVectorInOrder(const StateVector& sv);
bool writeUpdateMessageFromTransaction(UpdateEncoder& enc, Transaction& txn);

// A fresh random client id (yjs generateNewClientId).
ClientId generateClientId();

// Ends a transaction: observers, formatting cleanup, GC, merging, callbacks.
void cleanupTransaction(DocImpl& doc, Transaction& txn);

template <typename F>
void DocImpl::transact(F&& f, const void* origin, bool local) {
  bool initialCall = false;
  if (current == nullptr) {
    initialCall = true;
    cleanups.push_back(std::make_unique<Transaction>(this, origin, local));
    current = cleanups.back().get();
  }
  if (!initialCall) {
    f(*current);
    return;
  }
  try {
    f(*current);
  } catch (...) {
    finishInitial();
    throw;
  }
  finishInitial();
}

}  // namespace roundtable::crdt
