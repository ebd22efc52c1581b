// An update (v1 or v2) decoded into structs, before anything is applied
// (yjs readClientsStructRefs, LazyStructReader).
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "crdt/id.h"
#include "crdt/store/delete_set.h"
#include "crdt/structs/struct.h"
#include "crdt/update/update_coder.h"

namespace roundtable::crdt {

class StringPool;
class UpdateDecoder;
class UpdateEncoder;

struct ClientStructRefs {
  ClientId client;
  std::vector<Struct*> refs;  // owned by DecodedUpdate::all until a store takes them
  size_t i = 0;
};

class DecodedUpdate {
 public:
  DecodedUpdate() = default;
  DecodedUpdate(const DecodedUpdate&) = delete;
  DecodedUpdate& operator=(const DecodedUpdate&) = delete;
  DecodedUpdate(DecodedUpdate&&) = default;
  DecodedUpdate& operator=(DecodedUpdate&&) = default;
  ~DecodedUpdate();
  // Frees the structs no store took, and forgets the rest. Call once
  // integration is over, before the document may free retired structs.
  void releaseUnowned();

  // Per client in the order the update lists them (a client listed twice
  // keeps only its last list, as yjs does).
  std::vector<ClientStructRefs> clients;
  DeleteSet deleteSet;
  // Every struct decoded, in the order of the update (a client listed twice
  // appears twice here: what yjs's LazyStructReader yields); those not owned
  // by a store are freed with this object.
  std::vector<Struct*> all;
};

// Decodes a whole update: structs, then the delete set. Map keys and root
// names are interned in `pool`. Throws lib0::DecodeError on malformed input;
// nothing outside the returned object is changed then except the pool.
DecodedUpdate decodeUpdate(std::span<const uint8_t> update, UpdateFormat format, StringPool& pool);

inline DecodedUpdate decodeUpdateV1(std::span<const uint8_t> update, StringPool& pool) {
  return decodeUpdate(update, UpdateFormat::kV1, pool);
}

// Reads the structs part only (the decoder is left at the delete set). At
// most dec.structBudget() structs, or DecodeError. Without `byClient`, only
// `all` is filled (what merging and converting read).
DecodedUpdate decodeStructs(UpdateDecoder& dec, StringPool& pool, bool byClient = true);

// Writes one struct (GC, Skip or Item) with an offset into its clock range.
void writeStruct(UpdateEncoder& enc, const Struct* s, Clock offset);
// The same with an encoder of known class (UpdateEncoderV1 or V2), for loops
// over many structs: no virtual call but the content's, and none for text.
template <typename Encoder>
void writeStructTo(Encoder& enc, const Struct* s, Clock offset) {
  switch (s->kind) {
    case StructKind::kGC:
      enc.writeInfo(kStructGCRef);
      enc.writeLen(s->length - offset);
      break;
    case StructKind::kSkip:
      enc.writeInfo(kStructSkipRef);
      enc.rest.writeVarUint(s->length - offset);
      break;
    case StructKind::kItem:
      static_cast<const Item*>(s)->writeTo(enc, offset);
      break;
  }
}

}  // namespace roundtable::crdt
