// StructStore: every struct of a document, per client, sorted by clock with
// no gaps (yjs utils/StructStore.js). Owns the structs.
#pragma once

#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crdt/id.h"
#include "crdt/structs/struct.h"

namespace roundtable::crdt {

class Transaction;

// A state vector: client -> next expected clock.
using StateVector = std::vector<std::pair<ClientId, Clock>>;

Clock stateOf(const StateVector& sv, ClientId client);

class StructStore {
 public:
  using Structs = std::vector<Struct*>;

  StructStore() = default;
  StructStore(const StructStore&) = delete;
  StructStore& operator=(const StructStore&) = delete;
  ~StructStore();

  // Clients in the order they first appeared.
  const std::vector<std::pair<ClientId, Structs>>& clients() const { return clients_; }
  Structs* structsOf(ClientId client);
  const Structs* structsOf(ClientId client) const;

  Clock getState(ClientId client) const;
  StateVector getStateVector() const;

  // Appends a struct; it must start exactly at the client's current state.
  void addStruct(Struct* s);
  // Index of the struct containing `clock`; the clock must be in the store.
  static size_t findIndex(const Structs& structs, Clock clock);
  Struct* find(ID id);
  Item* getItem(ID id) { return static_cast<Item*>(find(id)); }
  size_t findIndexCleanStart(Transaction& txn, Structs& structs, Clock clock);
  Struct* getItemCleanStart(Transaction& txn, ID id);
  Struct* getItemCleanEnd(Transaction& txn, ID id);
  // Replaces `old` (an item) by `replacement`; `old` is deleted when the
  // current transaction ends (others may still hold pointers to it).
  void replaceStruct(Struct* old, Struct* replacement);
  // Calls f on every struct overlapping [clockStart, clockStart+len), splitting at both ends.
  template <typename F>
  void iterateStructs(Transaction& txn, Structs& structs, Clock clockStart, Clock len, F&& f);

  // Deletes structs retired by replaceStruct.
  void freeRetired();
  void retire(Struct* s) {
    s->owned = true;
    retired_.push_back(s);
  }

  // Pending data (yjs store.pendingStructs / pendingDs), kept as v1 updates.
  struct PendingStructs {
    StateVector missing;
    std::vector<uint8_t> update;
  };
  std::optional<PendingStructs> pendingStructs;
  std::optional<std::vector<uint8_t>> pendingDs;

 private:
  std::vector<std::pair<ClientId, Structs>> clients_;
  std::unordered_map<ClientId, size_t> index_;
  std::vector<Struct*> retired_;
};

template <typename F>
void StructStore::iterateStructs(Transaction& txn, Structs& structs, Clock clockStart, Clock len, F&& f) {
  if (len == 0) return;
  Clock clockEnd = clockStart + len;
  size_t index = findIndexCleanStart(txn, structs, clockStart);
  Struct* s;
  do {
    s = structs[index++];
    if (clockEnd < s->id.clock + s->length) {
      findIndexCleanStart(txn, structs, clockEnd);
    }
    f(s);
  } while (index < structs.size() && structs[index]->id.clock < clockEnd);
}

}  // namespace roundtable::crdt
