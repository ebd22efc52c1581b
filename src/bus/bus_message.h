// What replicas of one team server tell each other through Redis pub/sub,
// one message per PUBLISH on the document's channel (channelFor). Bytes from
// Redis are untrusted (anyone who can reach the Redis server can publish):
// decodeBusMessage checks everything and never reads past its input.
//
// Layout: kind (1 byte) | replica (varuint, not 0) | by kind:
//   kUpdate     seq (varuint) | the committed v1 update (the rest, not empty)
//   kCommitted  seq (varuint): committed, too big to carry; read it from the store
//   kAwareness  a y-websocket awareness message (the rest, not empty)
//   kQuery      nothing: "tell me your clients' awareness states"
//   kSignal     a y-webrtc signaling publish, as its client sent it (the
//               rest, not empty), on a topic's channel (signalChannelFor)
// varuints are lib0's (7 bits a byte, low first), at most 64 bits.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::bus {

enum class BusKind : uint8_t { kUpdate = 1, kCommitted = 2, kAwareness = 3, kQuery = 4, kSignal = 5 };

// Updates larger than this travel as kCommitted (receivers read them from
// the store), so every message a replica publishes is small.
inline constexpr size_t kMaxInlineUpdateBytes = 256 * 1024;
// Anything longer is refused by the decoder: ours are never that long.
inline constexpr size_t kMaxBusMessageBytes = kMaxInlineUpdateBytes + 64 * 1024 + 32;

struct BusMessage {
  BusKind kind = BusKind::kQuery;
  uint64_t replica = 0;
  uint64_t seq = 0;                  // kUpdate, kCommitted
  std::span<const uint8_t> payload;  // kUpdate, kAwareness, kSignal: a view into the decoded bytes
};

std::vector<uint8_t> encodeBusMessage(BusKind kind, uint64_t replica, uint64_t seq, std::span<const uint8_t> payload);

// InvalidArgument (saying what is wrong) for anything but a well-formed
// message of at most kMaxBusMessageBytes.
Status decodeBusMessage(std::span<const uint8_t> bytes, BusMessage* out);

// The Redis channel of a document: "roundtable:doc:" + its name.
std::string channelFor(std::string_view doc);
// The Redis channel of a y-webrtc signaling topic: "roundtable:signal:" + its name.
std::string signalChannelFor(std::string_view topic);
// The document or topic of a channel (what follows either prefix), or false
// if it is not one of ours.
bool nameOfChannel(std::string_view channel, std::string* name);

}  // namespace roundtable::bus
