// Encoding documents and transactions as updates (v1 or v2), and state vectors
// (yjs utils/encoding.js writeClientsStructs, encodeStateAsUpdateV2,
// encodeStateVector).
#include <algorithm>

#include "crdt/doc_impl.h"
#include "crdt/structs/content.h"
#include "lib0/decoder.h"
#include "crdt/update/coder_v1.h"
#include "crdt/update/coder_v2.h"
#include "crdt/update/decoded_update.h"
#include "crdt/update/merge.h"
#include "crdt/update/with_encoder.h"

namespace roundtable::crdt {

namespace {

// The bytes at the start of an item that writing it reads, up to and with
// rightOrigin (struct.h puts them first). Only a hint for prefetching.
constexpr size_t kItemBytesRead = 96;

// Asks for every cache line of [p, p + n) without waiting for it. Addresses
// are computed as integers: past the end of a smaller struct (a GC struct)
// they are not pointers into it, and a prefetch never faults.
inline void prefetchBytes(const void* p, size_t n) {
  const uintptr_t from = reinterpret_cast<uintptr_t>(p);
  for (uintptr_t a = from; a < from + n; a += 64) __builtin_prefetch(reinterpret_cast<const void*>(a));
  __builtin_prefetch(reinterpret_cast<const void*>(from + n - 1));
}

}  // namespace

void writeClientsStructs(UpdateEncoder& enc, StructStore& store, const StateVector& targetSv, DeleteSet* storeDeletes) {
  // Only clients with structs the target lacks; unknown clients from clock 0.
  StateVector sm;
  for (const auto& [client, clock] : targetSv) {
    if (store.getState(client) > clock) sm.emplace_back(client, clock);
  }
  for (const auto& [client, structs] : store.clients()) {
    bool known = false;
    for (const auto& [c, clock] : targetSv)
      if (c == client) { known = true; break; }
    if (!known) sm.emplace_back(client, 0);
  }
  // The delete set, when asked for, is gathered in the same walk: a second
  // walk over every struct cost a tenth of encoding a whole document. The
  // structs no update needs are walked for it alone, and its client order
  // does not matter (DeleteSet::write sorts).
  if (storeDeletes) {
    for (const auto& [client, structs] : store.clients()) {
      Clock upTo = kMaxClock;  // the walk below takes the rest
      for (const auto& [c, from] : sm)
        if (c == client) upTo = from;
      std::vector<DeleteItem> ranges;
      for (size_t i = 0; i < structs.size() && structs[i]->id.clock + structs[i]->length <= upTo; i++)
        addIfDeleted(ranges, structs[i]);
      if (!ranges.empty()) storeDeletes->clients.emplace_back(client, std::move(ranges));
    }
  }
  enc.rest.writeVarUint(sm.size());
  // Higher client ids first (this helps the conflict resolution of receivers).
  std::sort(sm.begin(), sm.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (const auto& [client, target] : sm) {
    StructStore::Structs& structs = *store.structsOf(client);
    const Clock clock = std::max(target, structs[0]->id.clock);
    const size_t start = StructStore::findIndex(structs, clock);
    std::vector<DeleteItem>* ranges = nullptr;  // this client's part of storeDeletes
    if (storeDeletes) {
      std::vector<DeleteItem>* prefix = storeDeletes->find(client);
      ranges = prefix ? prefix : &storeDeletes->clients.emplace_back(client, std::vector<DeleteItem>{}).second;
    }
    enc.rest.writeVarUint(structs.size() - start);
    enc.writeClient(client);
    enc.rest.writeVarUint(clock);
    withEncoder(enc, [&](auto& e) {
      const Struct* first = structs[start];
      writeStructTo(e, first, clock - first->id.clock);
      if (ranges) addIfDeleted(*ranges, first);
      // The structs and their contents are separate allocations: fetching
      // them a few structs ahead hides most of the cache misses of the walk.
      constexpr size_t kAhead = 8;
      for (size_t i = start + 1; i < structs.size(); i++) {
        if (i + kAhead < structs.size()) prefetchBytes(structs[i + kAhead], kItemBytesRead);
        if (i + kAhead / 2 < structs.size() && structs[i + kAhead / 2]->isItem())
          prefetchBytes(static_cast<const Item*>(structs[i + kAhead / 2])->content.get(), sizeof(ContentString));
        writeStructTo(e, structs[i], 0);
        if (ranges) addIfDeleted(*ranges, structs[i]);
      }
    });
    if (ranges && ranges->empty()) storeDeletes->clients.pop_back();
  }
}

StateVector decodeStateVector(std::span<const uint8_t> bytes) {
  StateVector sv;
  if (bytes.empty()) return sv;
  UpdateDecoderV1 dec(bytes);
  uint64_t n = dec.rest.readVarUint();
  if (n > dec.rest.remaining()) throw lib0::DecodeError("state vector claims more entries than bytes");
  for (uint64_t i = 0; i < n; i++) {
    ClientId client = dec.readRestClientId();
    Clock clock = dec.readRestClock();
    // A Map: a repeated client keeps its last clock.
    bool found = false;
    for (auto& [c, v] : sv)
      if (c == client) { v = clock; found = true; }
    if (!found) sv.emplace_back(client, clock);
  }
  return sv;
}

std::vector<uint8_t> encodeStateVector(const StateVector& svIn) {
  StateVector sv = svIn;
  std::sort(sv.begin(), sv.end(), [](auto& a, auto& b) { return a.first > b.first; });
  return encodeStateVectorInOrder(sv);
}

std::vector<uint8_t> encodeStateVectorInOrder(const StateVector& sv) {
  lib0::Encoder enc;
  enc.writeVarUint(sv.size());
  for (auto& [c, clock] : sv) {
    enc.writeVarUint(c);
    enc.writeVarUint(clock);
  }
  return enc.take();
}

std::vector<uint8_t> encodeStateAsUpdate(DocImpl& doc, std::span<const uint8_t> encodedTargetSv, UpdateFormat format) {
  const StateVector target = decodeStateVector(encodedTargetSv);
  const bool pending = doc.store.pendingDs || doc.store.pendingStructs;
  // Pending data is kept as v1 updates, so with pending data the merge runs
  // in v1 and its result is converted: the same structs and delete set that
  // yjs's mergeUpdatesV2 of its v2 pieces writes (a merge reads items with
  // origins without their parent key, either way).
  std::unique_ptr<UpdateEncoder> enc = makeUpdateEncoder(pending ? UpdateFormat::kV1 : format);
  DeleteSet deletes;
  writeClientsStructs(*enc, doc.store, target, &deletes);
  deletes.write(*enc);
  if (!pending) return enc->finish();
  std::vector<std::vector<uint8_t>> updates;
  updates.push_back(enc->finish());
  if (doc.store.pendingDs) updates.push_back(*doc.store.pendingDs);
  if (doc.store.pendingStructs) {
    static const uint8_t kEmptySv[] = {0};
    std::span<const uint8_t> sv = encodedTargetSv.empty() ? std::span<const uint8_t>(kEmptySv) : encodedTargetSv;
    updates.push_back(diffUpdate(doc.store.pendingStructs->update, sv, UpdateFormat::kV1));
  }
  std::vector<uint8_t> merged = mergeUpdates(updates, UpdateFormat::kV1);
  if (format == UpdateFormat::kV1) return merged;
  return convertUpdateFormat(merged, UpdateFormat::kV1, UpdateFormat::kV2);
}

bool writeUpdateMessageFromTransaction(UpdateEncoder& enc, Transaction& txn) {
  bool changed = !txn.deleteSet.empty();
  if (!changed) {
    for (const auto& [client, clock] : txn.afterState) {
      // yjs compares beforeState.get(client) (undefined for new clients) with clock.
      bool known = false;
      for (const auto& [c, v] : txn.beforeState) {
        if (c == client) {
          known = true;
          if (v != clock) changed = true;
          break;
        }
      }
      if (!known) changed = true;
      if (changed) break;
    }
  }
  if (!changed) return false;
  txn.deleteSet.sortAndMerge();
  writeClientsStructs(enc, txn.doc->store, txn.beforeState, nullptr);
  txn.deleteSet.write(enc);
  return true;
}

}  // namespace roundtable::crdt
