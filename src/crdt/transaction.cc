#include "crdt/transaction.h"

#include "crdt/doc_impl.h"
#include "crdt/structs/struct.h"
#include "crdt/types/event.h"
#include "crdt/types/type.h"

namespace roundtable::crdt {

void ChangedTypes::add(TypeBase* type, const std::string* key) {
  auto [it, inserted] = index_.emplace(type, entries_.size());
  if (inserted) {
    entries_.emplace_back(type, std::vector<const std::string*>{key});
    return;
  }
  auto& keys = entries_[it->second].second;
  for (auto* k : keys)
    if (k == key) return;
  keys.push_back(key);
}

void ChangedTypes::erase(TypeBase* type) {
  auto it = index_.find(type);
  if (it == index_.end()) return;
  size_t pos = it->second;
  entries_.erase(entries_.begin() + pos);
  index_.erase(it);
  for (auto& [t, i] : index_)
    if (i > pos) i--;
}

const std::vector<const std::string*>* ChangedTypes::find(const TypeBase* type) const {
  auto it = index_.find(type);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

Transaction::Transaction(DocImpl* d, const void* o, bool l)
    : doc(d), beforeState(d->store.getStateVector()), origin(o), local(l) {}

Transaction::~Transaction() = default;

ID Transaction::nextId() const { return ID{doc->clientId, doc->store.getState(doc->clientId)}; }

void Transaction::addChangedType(TypeBase* type, const std::string* parentSub) {
  // A type created in this transaction did not change; its creation is the change.
  const Item* item = type->item;
  if (!item || (item->id.clock < beforeStateOf(item->id.client) && !item->isDeleted())) {
    changed.add(type, parentSub);
  }
}

void Transaction::addDeepEvent(TypeBase* type, Event* event) {
  for (auto& [t, events] : changedParentTypes) {
    if (t == type) {
      events.push_back(event);
      return;
    }
  }
  changedParentTypes.emplace_back(type, std::vector<Event*>{event});
}

}  // namespace roundtable::crdt
