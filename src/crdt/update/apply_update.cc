// Applying an update (v1 or v2): integrating structs in causal order, keeping what
// cannot be applied yet as pending, applying deletes (yjs utils/encoding.js
// integrateStructs, readUpdateV2, and readAndApplyDeleteSet in DeleteSet.js).
#include <algorithm>
#include <optional>

#include "crdt/doc_impl.h"
#include "lib0/decoder.h"
#include "crdt/structs/content.h"
#include "crdt/update/coder_v1.h"
#include "crdt/update/decoded_update.h"
#include "crdt/update/merge.h"

namespace roundtable::crdt {

namespace {

void setMin(StateVector& sv, ClientId client, Clock clock) {
  for (auto& [c, v] : sv) {
    if (c == client) {
      if (v > clock) v = clock;
      return;
    }
  }
  sv.emplace_back(client, clock);
}

// Returns the structs that could not be integrated, as a pending update.
std::optional<StructStore::PendingStructs> integrateStructs(Transaction& txn, StructStore& store,
                                                             std::vector<ClientStructRefs>& clientsStructRefs) {
  auto findRefs = [&](ClientId client) -> ClientStructRefs* {
    for (auto& r : clientsStructRefs)
      if (r.client == client) return &r;
    return nullptr;
  };
  std::vector<Struct*> stack;
  std::vector<ClientId> ids;
  for (auto& r : clientsStructRefs) ids.push_back(r.client);
  std::sort(ids.begin(), ids.end());
  if (ids.empty()) return std::nullopt;
  auto getNextStructTarget = [&]() -> ClientStructRefs* {
    if (ids.empty()) return nullptr;
    ClientStructRefs* next = findRefs(ids.back());
    while (next->refs.size() == next->i) {
      ids.pop_back();
      if (ids.empty()) return nullptr;
      next = findRefs(ids.back());
    }
    return next;
  };
  ClientStructRefs* curStructsTarget = getNextStructTarget();
  if (!curStructsTarget) return std::nullopt;

  // Rest structs per client, kept in the order clients were added.
  std::vector<std::pair<ClientId, std::vector<Struct*>>> restStructs;
  auto setRest = [&](ClientId client, std::vector<Struct*> structs) {
    for (auto& [c, v] : restStructs) {
      if (c == client) { v = std::move(structs); return; }
    }
    restStructs.emplace_back(client, std::move(structs));
  };
  StateVector missingSV;
  Struct* stackHead = curStructsTarget->refs[curStructsTarget->i++];
  std::vector<std::pair<ClientId, Clock>> stateCache;
  auto localState = [&](ClientId client) -> Clock& {
    for (auto& [c, v] : stateCache)
      if (c == client) return v;
    stateCache.emplace_back(client, store.getState(client));
    return stateCache.back().second;
  };
  auto addStackToRestSS = [&]() {
    for (Struct* item : stack) {
      const ClientId client = item->id.client;
      auto it = std::find_if(clientsStructRefs.begin(), clientsStructRefs.end(),
                             [&](const ClientStructRefs& r) { return r.client == client; });
      if (it != clientsStructRefs.end() && !it->refs.empty()) {
        // The previous operation could not be applied: back up one.
        it->i--;
        setRest(client, std::vector<Struct*>(it->refs.begin() + it->i, it->refs.end()));
        it->refs.clear();
        it->i = 0;
      } else {
        setRest(client, {item});
      }
      ids.erase(std::remove(ids.begin(), ids.end(), client), ids.end());
    }
    stack.clear();
  };

  while (true) {
    if (!stackHead->isSkip()) {
      const ClientId client = stackHead->id.client;
      const Clock local = localState(client);
      if (local < stackHead->id.clock) {
        // An update from the same client is missing.
        stack.push_back(stackHead);
        setMin(missingSV, client, stackHead->id.clock - 1);
        addStackToRestSS();
      } else {
        const Clock offset = local - stackHead->id.clock;
        ClientId missing = 0;
        bool isMissing = stackHead->isItem() && static_cast<Item*>(stackHead)->getMissing(txn, store, &missing);
        if (isMissing) {
          stack.push_back(stackHead);
          ClientStructRefs* structRefs = findRefs(missing);
          if (!structRefs || structRefs->refs.size() == structRefs->i) {
            // Depends on an update we do not have yet.
            setMin(missingSV, missing, store.getState(missing));
            addStackToRestSS();
          } else {
            stackHead = structRefs->refs[structRefs->i++];
            continue;
          }
        } else if (offset == 0 || offset < stackHead->length) {
          const Clock end = stackHead->id.clock + stackHead->length;  // integrate may shift id by offset
          if (stackHead->isItem()) {
            static_cast<Item*>(stackHead)->integrate(txn, offset);
          } else {
            // GC struct
            if (offset > 0) {
              stackHead->id.clock += offset;
              stackHead->length -= offset;
            }
            store.addStruct(stackHead);
          }
          localState(client) = end;
        }
      }
    }
    if (!stack.empty()) {
      stackHead = stack.back();
      stack.pop_back();
    } else if (curStructsTarget && curStructsTarget->i < curStructsTarget->refs.size()) {
      stackHead = curStructsTarget->refs[curStructsTarget->i++];
    } else {
      curStructsTarget = getNextStructTarget();
      if (!curStructsTarget) break;
      stackHead = curStructsTarget->refs[curStructsTarget->i++];
    }
  }
  if (restStructs.empty()) return std::nullopt;
  // Write the rest as an update: clients descending, all their structs, no deletes.
  std::sort(restStructs.begin(), restStructs.end(), [](auto& a, auto& b) { return a.first > b.first; });
  UpdateEncoderV1 enc;
  enc.rest.writeVarUint(restStructs.size());
  for (auto& [client, structs] : restStructs) {
    enc.rest.writeVarUint(structs.size());
    enc.writeClient(client);
    enc.rest.writeVarUint(structs[0]->id.clock);
    for (Struct* s : structs) writeStruct(enc, s, 0);
  }
  enc.rest.writeVarUint(0);
  return StructStore::PendingStructs{std::move(missingSV), enc.take()};
}

// Applies deletes; returns those beyond the known state as an update (0 structs + delete set).
std::optional<std::vector<uint8_t>> applyDeleteSet(const DeleteSet& ds, Transaction& txn, StructStore& store) {
  DeleteSet unapplied;
  for (const auto& [client, deletes] : ds.clients) {
    StructStore::Structs* structsPtr = store.structsOf(client);
    const Clock state = store.getState(client);
    for (const DeleteItem& d : deletes) {
      const Clock clock = d.clock;
      const Clock clockEnd = d.clock + d.len;
      if (clock < state) {
        if (state < clockEnd) unapplied.add(client, state, clockEnd - state);
        StructStore::Structs& structs = *structsPtr;
        size_t index = StructStore::findIndex(structs, clock);
        Struct* s = structs[index];
        if (!s->deleted() && s->id.clock < clock) {
          structs.insert(structs.begin() + index + 1, splitItem(txn, static_cast<Item*>(s), clock - s->id.clock));
          index++;
        }
        while (index < structs.size()) {
          s = structs[index++];
          if (s->id.clock < clockEnd) {
            if (!s->deleted()) {
              Item* item = static_cast<Item*>(s);
              if (clockEnd < item->id.clock + item->length) {
                structs.insert(structs.begin() + index, splitItem(txn, item, clockEnd - item->id.clock));
              }
              item->deleteItem(txn);
            }
          } else {
            break;
          }
        }
      } else if (clockEnd > clock) {
        // (A range of length 0 deletes nothing; yjs would keep it and then
        // fail to write its pending deletes in v2.)
        unapplied.add(client, clock, clockEnd - clock);
      }
    }
  }
  if (unapplied.empty()) return std::nullopt;
  UpdateEncoderV1 enc;
  enc.rest.writeVarUint(0);
  unapplied.write(enc);
  return enc.take();
}

// Resolves root names to the document's root types (yjs does this while decoding).
void resolveRootNames(DocImpl& doc, DecodedUpdate& decoded) {
  for (Struct* s : decoded.all) {
    if (!s->isItem()) continue;
    Item* item = static_cast<Item*>(s);
    if (item->info & Item::kParentIsName) {
      const std::string* name = item->parentName;
      item->info &= ~Item::kParentIsName;
      item->parent = doc.getRoot(*name, TypeKind::kAbstract);
    }
  }
}

void integrateDecoded(Transaction& txn, DecodedUpdate& decoded) {
  DocImpl& doc = *txn.doc;
  StructStore& store = doc.store;
  txn.local = false;
  bool retry = false;
  resolveRootNames(doc, decoded);
  std::optional<StructStore::PendingStructs> rest = integrateStructs(txn, store, decoded.clients);
  // The rest is encoded in `rest`; structs the store did not take go now,
  // while every pointer to them is still valid.
  decoded.releaseUnowned();
  if (store.pendingStructs) {
    StructStore::PendingStructs& pending = *store.pendingStructs;
    for (const auto& [client, clock] : pending.missing) {
      if (clock < store.getState(client)) {
        retry = true;
        break;
      }
    }
    if (rest) {
      for (const auto& [client, clock] : rest->missing) setMin(pending.missing, client, clock);
      pending.update = mergeUpdates({pending.update, rest->update}, UpdateFormat::kV1);
    }
  } else {
    store.pendingStructs = std::move(rest);
  }
  std::optional<std::vector<uint8_t>> dsRest = applyDeleteSet(decoded.deleteSet, txn, store);
  if (store.pendingDs) {
    UpdateDecoderV1 pendingDec(*store.pendingDs);
    pendingDec.rest.readVarUint();  // 0 structs
    DeleteSet pendingSet = DeleteSet::read(pendingDec);
    std::optional<std::vector<uint8_t>> dsRest2 = applyDeleteSet(pendingSet, txn, store);
    if (dsRest && dsRest2) store.pendingDs = mergeUpdates({*dsRest, *dsRest2}, UpdateFormat::kV1);
    else store.pendingDs = dsRest ? std::move(dsRest) : std::move(dsRest2);
  } else {
    store.pendingDs = std::move(dsRest);
  }
  if (retry) {
    std::vector<uint8_t> update = std::move(store.pendingStructs->update);
    store.pendingStructs.reset();
    readUpdateV1Into(txn, update);
  }
}

}  // namespace

void readUpdateV1Into(Transaction& txn, std::span<const uint8_t> update) {
  DecodedUpdate decoded = decodeUpdate(update, UpdateFormat::kV1, txn.doc->strings);
  integrateDecoded(txn, decoded);
}

void applyUpdate(DocImpl& doc, std::span<const uint8_t> update, const void* origin, UpdateFormat format) {
  // Decode everything first: a malformed update throws before the document changes.
  DecodedUpdate decoded = decodeUpdate(update, format, doc.strings);
  doc.transact([&](Transaction& txn) { integrateDecoded(txn, decoded); }, origin, false);
}

}  // namespace roundtable::crdt
