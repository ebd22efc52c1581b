// Event: what one transaction changed in one type (yjs utils/YEvent.js,
// YTextEvent in types/YText.js). Change descriptions are computed on first
// use and only while the transaction's observers run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roundtable/lib0/value.h"
#include "crdt/structs/content.h"
#include "crdt/types/text.h"

namespace roundtable::crdt {

class TypeBase;
class Transaction;
class Struct;

struct KeyChange {
  enum class Action { kAdd, kUpdate, kDelete } action;
  std::string key;
  Out oldValue;  // undefined for kAdd
};

struct ListChange {
  enum class Kind { kInsert, kRetain, kDelete } kind;
  std::vector<Out> insert;  // kInsert
  uint64_t count = 0;       // kRetain, kDelete
};

class Event {
 public:
  Event(TypeBase* target, Transaction* txn, std::vector<const std::string*> subs);

  TypeBase* target;
  TypeBase* currentTarget;
  Transaction* transaction;
  std::vector<const std::string*> subs;  // changed keys; null stands for the list part

  bool childListChanged() const;
  // Path from currentTarget down to target: keys (strings) and indices (numbers).
  std::vector<Value> path() const;
  bool deletes(const Struct* s) const;
  bool adds(const Struct* s) const;

  const std::vector<KeyChange>& keys() const;
  // List changes of non-text types ([] for maps).
  const std::vector<ListChange>& listDelta() const;
  // Text changes with attributes (text kinds only). Like yjs, computing it may
  // delete redundant formatting items.
  const std::vector<DeltaOp>& textDelta() const;

  // yjs `event.changes.delta` and `event.changes.keys` as JSON, types as their toJSON.
  Value deltaJSON() const;
  Value keysJSON() const;

 private:
  mutable std::optional<std::vector<KeyChange>> keys_;
  mutable std::optional<std::vector<ListChange>> listDelta_;
  mutable std::optional<std::vector<DeltaOp>> textDelta_;
};

}  // namespace roundtable::crdt
