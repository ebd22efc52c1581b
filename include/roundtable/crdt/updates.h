// Updates without a document: merging, diffing, converting between the two
// formats and reading what an update covers (yjs utils/updates.js).
//
//   std::vector<uint8_t> merged;
//   Status s = roundtable::crdt::mergeUpdates({a, b, c}, &merged);   // one v1 update
//   std::vector<uint8_t> v2;
//   s = roundtable::crdt::convertUpdateFormatV1ToV2(merged, &v2);
//
// Each function gives the bytes yjs 13.6.33's function of the same name gives
// for the same input; the `V2` ones read and write update format v2, the
// others v1. None loads a document: they work struct by struct, in time about
// linear in the input (mergeUpdates adds a log factor for many updates).
//
// Errors: a malformed update (or state vector) returns InvalidArgument and
// `*out` is left unchanged. Inputs are only read. The functions keep no state
// and may be called from any number of threads at once.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::crdt {

using ClientId = uint64_t;
using Clock = uint64_t;
// Per client, a clock: the next clock expected (state vectors) or a bound.
using StateVector = std::vector<std::pair<ClientId, Clock>>;

// One update with the effect of applying all of them, in any order. Structs
// present in several updates are written once; structs missing between two
// known ranges become Skip structs; the delete sets are merged. A single
// update is returned as it is, without being read (as yjs does).
Status mergeUpdates(const std::vector<std::vector<uint8_t>>& updates, std::vector<uint8_t>* out);
Status mergeUpdatesV2(const std::vector<std::vector<uint8_t>>& updates, std::vector<uint8_t>* out);

// The part of `update` that a peer with the encoded state vector `sv` lacks
// (structs beyond `sv`, sliced where `sv` ends inside one). The delete set is
// kept whole.
Status diffUpdate(std::span<const uint8_t> update, std::span<const uint8_t> sv, std::vector<uint8_t>* out);
Status diffUpdateV2(std::span<const uint8_t> update, std::span<const uint8_t> sv, std::vector<uint8_t>* out);

// The encoded state vector that applying `update` to an empty document would
// give: per client, the end of its structs if they start at clock 0 with no
// gap (a Skip ends the count). Clients in the order the update lists them.
Status encodeStateVectorFromUpdate(std::span<const uint8_t> update, std::vector<uint8_t>* out);
Status encodeStateVectorFromUpdateV2(std::span<const uint8_t> update, std::vector<uint8_t>* out);
// The same as encodeStateVectorFromUpdate (the name this library used first).
Status stateVectorFromUpdate(std::span<const uint8_t> update, std::vector<uint8_t>* out);

// Per client, the first clock of the update's structs (`from`) and the clock
// after its last (`to`), clients in the order the update lists them.
struct UpdateMeta {
  StateVector from;
  StateVector to;
};
Status parseUpdateMeta(std::span<const uint8_t> update, UpdateMeta* out);
Status parseUpdateMetaV2(std::span<const uint8_t> update, UpdateMeta* out);

// The same structs and delete set in the other format. Converting to v2
// fails (InvalidArgument) on a delete range of length 0, which v2 cannot
// express (yjs throws there too).
Status convertUpdateFormatV1ToV2(std::span<const uint8_t> update, std::vector<uint8_t>* out);
Status convertUpdateFormatV2ToV1(std::span<const uint8_t> update, std::vector<uint8_t>* out);

}  // namespace roundtable::crdt
