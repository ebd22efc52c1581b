// ID: the unique address of one unit of content, (client, clock).
#pragma once

#include <cstdint>
#include <functional>

namespace roundtable::crdt {

// yjs client ids are random uint32 values; clocks count content units per client.
using ClientId = uint32_t;
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
