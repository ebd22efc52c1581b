// ID: the unique address of one unit of content, (client, clock).
#pragma once

#include <cstdint>
#include <functional>

namespace roundtable::crdt {

// yjs makes random uint32 client ids, but older writers used larger numbers
// (up to 2^53, JavaScript's safe integers); clocks count content units per client.
using ClientId = uint64_t;
using Clock = uint64_t;

// Largest clock or length accepted from the wire: yjs stores them in JavaScript numbers.
inline constexpr Clock kMaxClock = (Clock{1} << 53) - 1;

struct ID {
  ClientId client = 0;
  Clock clock = 0;
  friend bool operator==(const ID&, const ID&) = default;
};

}  // namespace roundtable::crdt

template <>
struct std::hash<roundtable::crdt::ID> {
  size_t operator()(const roundtable::crdt::ID& id) const noexcept {
    return std::hash<uint64_t>()(id.clock * 0x9E3779B97F4A7C15ull ^ id.client);
  }
};
