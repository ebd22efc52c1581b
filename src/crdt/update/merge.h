// Merging, diffing, converting and inspecting updates without a document
// (yjs utils/updates.js). Every function reads and writes the format it is
// given, and throws lib0::DecodeError on a malformed update.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "crdt/store/struct_store.h"
#include "crdt/update/update_coder.h"

namespace roundtable::crdt {

// Merges updates into one that has the effect of applying all of them. One
// update is returned as it is, unread (as yjs does).
std::vector<uint8_t> mergeUpdates(const std::vector<std::vector<uint8_t>>& updates, UpdateFormat format);
// The part of `update` that a peer with the encoded state vector `sv` lacks.
std::vector<uint8_t> diffUpdate(std::span<const uint8_t> update, std::span<const uint8_t> sv, UpdateFormat format);
// The state vector an update brings a fresh document to (only contiguous
// ranges from 0), encoded; clients in the order the update lists them.
std::vector<uint8_t> encodeStateVectorFromUpdate(std::span<const uint8_t> update, UpdateFormat format);
// Per client, the first clock of the update's structs and the clock after its last.
void parseUpdateMeta(std::span<const uint8_t> update, UpdateFormat format, StateVector* from, StateVector* to);
// The same structs and delete set in the other format.
std::vector<uint8_t> convertUpdateFormat(std::span<const uint8_t> update, UpdateFormat from, UpdateFormat to);

}  // namespace roundtable::crdt
