// Transaction: one batch of changes to a document, and what it changed
// (yjs utils/Transaction.js). Observers receive it; the update callback gets
// its v1 bytes.
#pragma once

#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crdt/id.h"
#include "crdt/store/delete_set.h"
#include "crdt/store/struct_store.h"

namespace roundtable::crdt {

class DocImpl;
class TypeBase;
class Event;
class Item;

// Keys (null for the list part) changed per type, both in first-change order.
class ChangedTypes {
 public:
  void add(TypeBase* type, const std::string* key);
  void erase(TypeBase* type);
  const std::vector<const std::string*>* find(const TypeBase* type) const;
  const std::vector<std::pair<TypeBase*, std::vector<const std::string*>>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<TypeBase*, std::vector<const std::string*>>> entries_;
  std::unordered_map<const TypeBase*, size_t> index_;
};

class Transaction {
 public:
  Transaction(DocImpl* doc, const void* origin, bool local);
  ~Transaction();

  DocImpl* doc;
  DeleteSet deleteSet;
  StateVector beforeState;
  StateVector afterState;
  ChangedTypes changed;
  // Events per type that observes deeply (the type itself or an ancestor changed).
  std::vector<std::pair<TypeBase*, std::vector<Event*>>> changedParentTypes;
  std::vector<std::unique_ptr<Event>> events;
  std::vector<Item*> mergeStructs;
  const void* origin;
  bool local;
  bool needFormattingCleanup = false;

  Clock beforeStateOf(ClientId client) const { return stateOf(beforeState, client); }
  ID nextId() const;
  void addChangedType(TypeBase* type, const std::string* parentSub);
  void addDeepEvent(TypeBase* type, Event* event);
};

}  // namespace roundtable::crdt
