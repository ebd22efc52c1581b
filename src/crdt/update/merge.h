// Merging and diffing v1 updates without a document (yjs utils/updates.js).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace roundtable::crdt {

// Merges updates into one that has the effect of applying all of them.
// Throws lib0::DecodeError on a malformed update.
std::vector<uint8_t> mergeUpdatesV1(const std::vector<std::vector<uint8_t>>& updates);
// The part of `update` that a peer with state vector `sv` does not have.
std::vector<uint8_t> diffUpdateV1(std::span<const uint8_t> update, std::span<const uint8_t> sv);
// The state vector an update brings a fresh document to (only contiguous ranges from 0).
std::vector<uint8_t> encodeStateVectorFromUpdateV1(std::span<const uint8_t> update);

}  // namespace roundtable::crdt
