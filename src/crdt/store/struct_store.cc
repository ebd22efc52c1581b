#include "crdt/store/struct_store.h"

#include <cassert>
#include <stdexcept>

#include "crdt/structs/content.h"

namespace roundtable::crdt {

Clock stateOf(const StateVector& sv, ClientId client) {
  for (const auto& [c, clock] : sv)
    if (c == client) return clock;
  return 0;
}

StructStore::~StructStore() {
  for (auto& [client, structs] : clients_)
    for (Struct* s : structs) delete s;
  freeRetired();
}

void StructStore::freeRetired() {
  for (Struct* s : retired_) delete s;
  retired_.clear();
}

StructStore::Structs* StructStore::structsOf(ClientId client) {
  auto it = index_.find(client);
  return it == index_.end() ? nullptr : &clients_[it->second].second;
}

const StructStore::Structs* StructStore::structsOf(ClientId client) const {
  auto it = index_.find(client);
  return it == index_.end() ? nullptr : &clients_[it->second].second;
}

Clock StructStore::getState(ClientId client) const {
  const Structs* structs = structsOf(client);
  if (!structs || structs->empty()) return 0;
  const Struct* last = structs->back();
  return last->id.clock + last->length;
}

StateVector StructStore::getStateVector() const {
  StateVector sv;
  sv.reserve(clients_.size());
  for (const auto& [client, structs] : clients_) {
    const Struct* last = structs.back();
    sv.emplace_back(client, last->id.clock + last->length);
  }
  return sv;
}

void StructStore::addStruct(Struct* s) {
  s->owned = true;
  auto it = index_.find(s->id.client);
  if (it == index_.end()) {
    index_.emplace(s->id.client, clients_.size());
    clients_.emplace_back(s->id.client, Structs{});
    clients_.back().second.push_back(s);
    return;
  }
  Structs& structs = clients_[it->second].second;
  const Struct* last = structs.back();
  if (last->id.clock + last->length != s->id.clock) {
    throw std::logic_error("struct store: struct does not continue its client's clock");
  }
  structs.push_back(s);
}

size_t StructStore::findIndex(const Structs& structs, Clock clock) {
  size_t left = 0;
  size_t right = structs.size() - 1;
  const Struct* mid = structs[right];
  Clock midclock = mid->id.clock;
  if (midclock == clock) return right;
  // Pivot the first probe by the clock's relative position, as yjs does.
  Clock lastClock = midclock + mid->length - 1;
  size_t midindex = right;
  if (lastClock > 0 && clock <= lastClock) {
    midindex = static_cast<size_t>((static_cast<double>(clock) / static_cast<double>(lastClock)) * static_cast<double>(right));
    if (midindex > right) midindex = right;
  }
  while (left <= right) {
    mid = structs[midindex];
    midclock = mid->id.clock;
    if (midclock <= clock) {
      if (clock < midclock + mid->length) return midindex;
      left = midindex + 1;
    } else {
      if (midindex == 0) break;
      right = midindex - 1;
    }
    midindex = (left + right) / 2;
  }
  throw std::logic_error("struct store: clock not found");
}

Struct* StructStore::find(ID id) {
  Structs* structs = structsOf(id.client);
  if (!structs) throw std::logic_error("struct store: unknown client");
  return (*structs)[findIndex(*structs, id.clock)];
}

size_t StructStore::findIndexCleanStart(Transaction& txn, Structs& structs, Clock clock) {
  size_t index = findIndex(structs, clock);
  Struct* s = structs[index];
  if (s->id.clock < clock && s->isItem()) {
    structs.insert(structs.begin() + index + 1, splitItem(txn, static_cast<Item*>(s), clock - s->id.clock));
    return index + 1;
  }
  return index;
}

Struct* StructStore::getItemCleanStart(Transaction& txn, ID id) {
  Structs& structs = *structsOf(id.client);
  return structs[findIndexCleanStart(txn, structs, id.clock)];
}

Struct* StructStore::getItemCleanEnd(Transaction& txn, ID id) {
  Structs& structs = *structsOf(id.client);
  size_t index = findIndex(structs, id.clock);
  Struct* s = structs[index];
  if (id.clock != s->id.clock + s->length - 1 && !s->isGC()) {
    structs.insert(structs.begin() + index + 1, splitItem(txn, static_cast<Item*>(s), id.clock - s->id.clock + 1));
  }
  return s;
}

void StructStore::replaceStruct(Struct* old, Struct* replacement) {
  Structs& structs = *structsOf(old->id.client);
  structs[findIndex(structs, old->id.clock)] = replacement;
  replacement->owned = true;
  retire(old);
}

}  // namespace roundtable::crdt
