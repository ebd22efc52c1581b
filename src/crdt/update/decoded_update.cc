#include "crdt/update/decoded_update.h"

#include "crdt/update/with_encoder.h"

#include "lib0/decoder.h"
#include "crdt/string_pool.h"
#include "crdt/structs/content.h"

namespace roundtable::crdt {

DecodedUpdate::~DecodedUpdate() { releaseUnowned(); }

void DecodedUpdate::releaseUnowned() {
  for (Struct* s : all)
    if (!s->owned) delete s;
  all.clear();
  clients.clear();
}

DecodedUpdate decodeStructs(UpdateDecoder& dec, StringPool& pool, bool byClient) {
  DecodedUpdate out;
  uint64_t numOfStateUpdates = dec.rest.readVarUint();
  // Each client entry takes at least two bytes of the rest: a bound before any allocation.
  if (numOfStateUpdates > dec.rest.remaining()) throw lib0::DecodeError("update claims more clients than bytes");
  uint64_t budget = dec.structBudget();
  for (uint64_t c = 0; c < numOfStateUpdates; c++) {
    uint64_t numberOfStructs = dec.rest.readVarUint();
    if (numberOfStructs > budget) throw lib0::DecodeError("update claims more structs than its size allows");
    budget -= numberOfStructs;
    ClientId client = dec.readClient();
    Clock clock = dec.readRestClock();
    ClientStructRefs refs{client, {}, 0};
    if (byClient) refs.refs.reserve(numberOfStructs);
    out.all.reserve(out.all.size() + numberOfStructs);
    for (uint64_t k = 0; k < numberOfStructs; k++) {
      uint8_t info = dec.readInfo();
      Struct* s;
      switch (info & 0x1F) {
        case kStructGCRef: {
          Clock len = dec.readLen();
          s = new GCStruct(ID{client, clock}, len);
          break;
        }
        case kStructSkipRef: {
          Clock len = dec.readRestClock();
          s = new SkipStruct(ID{client, clock}, len);
          break;
        }
        default: {
          ID origin, rightOrigin, parentId;
          bool hasOrigin = info & 0x80, hasRightOrigin = info & 0x40;
          if (hasOrigin) origin = dec.readLeftID();
          if (hasRightOrigin) rightOrigin = dec.readRightID();
          const bool cantCopyParentInfo = !hasOrigin && !hasRightOrigin;
          const std::string* parentName = nullptr;
          bool parentIsId = false;
          const std::string* parentSub = nullptr;
          if (cantCopyParentInfo) {
            if (dec.readParentInfo()) {
              parentName = pool.intern(dec.readString());
            } else {
              parentId = dec.readLeftID();
              parentIsId = true;
            }
            if (info & 0x20) parentSub = pool.intern(dec.readString());
          }
          // References within the item's own client must point backwards: yjs
          // does not check them for missing dependencies, and a forward
          // reference would name a struct that does not exist.
          if ((hasOrigin && origin.client == client && origin.clock >= clock) ||
              (hasRightOrigin && rightOrigin.client == client && rightOrigin.clock >= clock) ||
              (parentIsId && parentId.client == client && parentId.clock >= clock)) {
            throw lib0::DecodeError("item refers to a later clock of its own client");
          }
          std::unique_ptr<Content> content = readItemContent(dec, info);
          Item* item = new Item(ID{client, clock}, nullptr, hasOrigin ? &origin : nullptr, nullptr,
                                hasRightOrigin ? &rightOrigin : nullptr, nullptr, parentSub, std::move(content));
          if (parentName) {
            item->parentName = parentName;
            item->info |= Item::kParentIsName;
          } else if (parentIsId) {
            item->parentId = parentId;
            item->info |= Item::kParentIsId;
          }
          s = item;
        }
      }
      out.all.push_back(s);
      if (byClient) refs.refs.push_back(s);
      // yjs never writes empty structs; one would break the store's clock index.
      if (s->length == 0) throw lib0::DecodeError("struct of length 0");
      if (s->length > kMaxClock - clock) throw lib0::DecodeError("struct clock beyond 2^53");
      clock += s->length;
    }
    if (!byClient) continue;
    bool replaced = false;
    for (auto& existing : out.clients) {
      if (existing.client == client) {
        existing = std::move(refs);
        replaced = true;
        break;
      }
    }
    if (!replaced) out.clients.push_back(std::move(refs));
  }
  return out;
}

DecodedUpdate decodeUpdate(std::span<const uint8_t> update, UpdateFormat format, StringPool& pool) {
  std::unique_ptr<UpdateDecoder> dec = makeUpdateDecoder(format, update);
  DecodedUpdate out = decodeStructs(*dec, pool);
  out.deleteSet = DeleteSet::read(*dec);
  return out;
}

void writeStruct(UpdateEncoder& enc, const Struct* s, Clock offset) {
  withEncoder(enc, [&](auto& e) { writeStructTo(e, s, offset); });
}

}  // namespace roundtable::crdt
