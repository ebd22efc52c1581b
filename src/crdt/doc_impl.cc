// Document internals: root types and the end of a transaction
// (yjs utils/Doc.js and cleanupTransactions in utils/Transaction.js).
#include "crdt/doc_impl.h"

#include <algorithm>
#include <random>

#include "crdt/structs/content.h"
#include "crdt/structs/struct.h"
#include "crdt/types/event.h"
#include "crdt/types/text.h"
#include "crdt/update/coder_v1.h"
#include "crdt/update/coder_v2.h"

namespace roundtable::crdt {

DocImpl::DocImpl(ClientId id, bool g) : clientId(id), gc(g) {}

DocImpl::~DocImpl() = default;

TypeBase* DocImpl::findRoot(std::string_view name) const {
  for (auto& [key, type] : share)
    if (*key == name) return type.get();
  return nullptr;
}

const std::string* DocImpl::rootName(const TypeBase* t) const {
  for (auto& [key, type] : share)
    if (type.get() == t) return key;
  return nullptr;
}

TypeBase* DocImpl::getRoot(std::string_view name, TypeKind kind) {
  TypeBase* t = findRoot(name);
  if (!t) {
    share.emplace_back(strings.intern(name), std::make_unique<TypeBase>(kind));
    t = share.back().second.get();
    t->integrate(this, nullptr);
    return t;
  }
  if (kind == TypeKind::kAbstract || t->kind == kind) return t;
  if (t->kind == TypeKind::kAbstract) {
    t->setKind(kind);
    return t;
  }
  return nullptr;
}

namespace {

// Merges structs[pos] into its left neighbours while possible; returns how many merged.
size_t tryToMergeWithLefts(StructStore& store, StructStore::Structs& structs, size_t pos) {
  size_t i = pos;
  for (; i > 0; i--) {
    Struct* right = structs[i];
    Struct* left = structs[i - 1];
    if (left->deleted() == right->deleted() && left->kind == right->kind) {
      bool merged = false;
      if (left->isGC()) {
        left->length += right->length;
        merged = true;
      } else if (left->isItem()) {
        Item* l = static_cast<Item*>(left);
        Item* r = static_cast<Item*>(right);
        if (l->mergeWith(r)) {
          merged = true;
          if (r->parentSub && r->parent && r->parent->map.get(r->parentSub) == r) {
            r->parent->map.set(r->parentSub, l);
          }
        }
      }
      if (merged) continue;
    }
    break;
  }
  size_t merged = pos - i;
  if (merged) {
    // Others (mergeStructs, markers already moved) may still point at them: retire.
    for (size_t k = pos + 1 - merged; k <= pos; k++) store.retire(structs[k]);
    structs.erase(structs.begin() + (pos + 1 - merged), structs.begin() + pos + 1);
  }
  return merged;
}

void tryGcDeleteSet(Transaction& txn, const DeleteSet& ds, StructStore& store) {
  for (const auto& [client, deleteItems] : ds.clients) {
    StructStore::Structs& structs = *store.structsOf(client);
    for (size_t di = deleteItems.size(); di-- > 0;) {
      const DeleteItem& d = deleteItems[di];
      const Clock end = d.clock + d.len;
      for (size_t si = StructStore::findIndex(structs, d.clock); si < structs.size() && structs[si]->id.clock < end; si++) {
        Struct* s = structs[si];
        if (end <= s->id.clock) break;
        if (s->isItem()) {
          Item* item = static_cast<Item*>(s);
          if (item->isDeleted() && !item->keep()) item->gc(store, false, &txn);
        }
      }
    }
  }
}

void tryMergeDeleteSet(const DeleteSet& ds, StructStore& store) {
  // Merge from right to left so that no merge target is missed.
  for (const auto& [client, deleteItems] : ds.clients) {
    StructStore::Structs& structs = *store.structsOf(client);
    for (size_t di = deleteItems.size(); di-- > 0;) {
      const DeleteItem& d = deleteItems[di];
      size_t mostRight = std::min(structs.size() - 1, 1 + StructStore::findIndex(structs, d.clock + d.len - 1));
      for (size_t si = mostRight; si > 0 && structs[si]->id.clock >= d.clock;) {
        size_t merged = tryToMergeWithLefts(store, structs, si);
        if (si < 1 + merged) break;
        si -= 1 + merged;
      }
    }
  }
}

}  // namespace

ClientId generateClientId() {
  // yjs: a random uint32.
  static thread_local std::mt19937 rng{std::random_device{}()};
  return static_cast<ClientId>(rng());
}

void cleanupTransaction(DocImpl& doc, Transaction& txn) {
  StructStore& store = doc.store;
  DeleteSet& ds = txn.deleteSet;
  ds.sortAndMerge();
  txn.afterState = store.getStateVector();
  // Observers of changed types, in the order the types first changed.
  // No copy needed: during cleanup, observers' changes go to new transactions.
  for (auto& [type, subs] : txn.changed.entries()) {
    if (!type->item || !type->item->isDeleted()) type->callObserver(txn, subs);
  }
  // Deep observers, top-level events first.
  for (auto& [type, events] : txn.changedParentTypes) {
    if (type->deepObservers.empty() || (type->item && type->item->isDeleted())) continue;
    std::vector<const Event*> live;
    for (Event* e : events) {
      if (!e->target->item || !e->target->item->isDeleted()) {
        e->currentTarget = type;
        live.push_back(e);
      }
    }
    std::stable_sort(live.begin(), live.end(),
                     [](const Event* a, const Event* b) { return a->path().size() < b->path().size(); });
    auto callbacks = type->deepObservers;
    for (auto& [id, fn] : callbacks) fn(live, txn);
  }
  {
    auto callbacks = doc.afterTransactionCallbacks;
    for (auto& [id, fn] : callbacks) fn(txn);
  }
  if (txn.needFormattingCleanup) cleanupYTextAfterTransaction(txn);

  // Replace deleted content by ContentDeleted / GC, then merge what can be merged.
  if (doc.gc) tryGcDeleteSet(txn, ds, store);
  tryMergeDeleteSet(ds, store);
  for (const auto& [client, clock] : txn.afterState) {
    const Clock beforeClock = txn.beforeStateOf(client);
    if (beforeClock == clock) continue;
    StructStore::Structs& structs = *store.structsOf(client);
    size_t firstChangePos = std::max<size_t>(StructStore::findIndex(structs, beforeClock), 1);
    for (size_t i = structs.size() - 1; i >= firstChangePos;) {
      size_t merged = tryToMergeWithLefts(store, structs, i);
      if (i < 1 + merged) break;
      i -= 1 + merged;
    }
  }
  for (size_t i = txn.mergeStructs.size(); i-- > 0;) {
    const ID id = txn.mergeStructs[i]->id;
    StructStore::Structs& structs = *store.structsOf(id.client);
    size_t replacedStructPos = StructStore::findIndex(structs, id.clock);
    if (replacedStructPos + 1 < structs.size()) {
      if (tryToMergeWithLefts(store, structs, replacedStructPos + 1) > 1) continue;
    }
    if (replacedStructPos > 0) tryToMergeWithLefts(store, structs, replacedStructPos);
  }
  if (!txn.local && stateOf(txn.afterState, doc.clientId) != txn.beforeStateOf(doc.clientId)) {
    // Another client seems to use our id: pick a new one (yjs does the same).
    doc.clientId = generateClientId();
  }
  if (!doc.updateCallbacks.empty()) {
    UpdateEncoderV1 enc;
    if (writeUpdateMessageFromTransaction(enc, txn)) {
      std::vector<uint8_t> update = enc.take();
      auto callbacks = doc.updateCallbacks;
      for (auto& [id, fn] : callbacks) fn(update, txn.origin, txn);
    }
  }
  if (!doc.updateV2Callbacks.empty()) {
    UpdateEncoderV2 enc;
    if (writeUpdateMessageFromTransaction(enc, txn)) {
      std::vector<uint8_t> update = enc.finish();
      auto callbacks = doc.updateV2Callbacks;
      for (auto& [id, fn] : callbacks) fn(update, txn.origin, txn);
    }
  }
}

void DocImpl::cleanupTransactions() {
  // Observers may start transactions; they are queued and cleaned up in turn.
  for (size_t i = 0; i < cleanups.size(); i++) {
    cleanupTransaction(*this, *cleanups[i]);
  }
  cleanups.clear();
  store.freeRetired();
}

}  // namespace roundtable::crdt
