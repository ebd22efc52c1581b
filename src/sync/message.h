// y-websocket messages: the framing of one WebSocket frame between a
// y-websocket client and a server. Bytes in, bytes out; no I/O.
//
//   Message m;
//   Status s = decodeMessage(frame, &m);
//   if (!s.ok()) closeConnection();           // malformed or unknown: drop the peer
//   else if (m.type == MessageType::kSync && m.sync == SyncType::kStep1)
//     send(encodeSyncStep2(doc.encodeStateAsUpdate(m.payload)));
//
// Wire format (y-websocket 3.0 src/y-websocket.js, y-protocols 1.0.6 sync.js
// and auth.js; every integer a lib0 varUint):
//
//   sync             0, subtype, varUint8Array   subtype 0 step 1 (payload: state vector)
//                                                        1 step 2 (payload: update)
//                                                        2 update (payload: update)
//   awareness        1, varUint8Array            payload: awareness update (awareness.h)
//   auth             2, 0, varString reason      permission denied (the only auth subtype)
//   query awareness  3                           ask the peer for its awareness states
//
// Bytes after a complete message are ignored, as the JavaScript readers ignore
// them: the payload is always a length-delimited view, so nothing is misread.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::sync {

// y-websocket's messageSync, messageAwareness, messageAuth, messageQueryAwareness.
enum class MessageType : uint64_t { kSync = 0, kAwareness = 1, kAuth = 2, kQueryAwareness = 3 };
// y-protocols sync.js messageYjsSyncStep1, messageYjsSyncStep2, messageYjsUpdate.
enum class SyncType : uint64_t { kStep1 = 0, kStep2 = 1, kUpdate = 2 };

// One decoded message. `payload` is a view into the bytes given to
// decodeMessage: they must outlive it.
struct Message {
  MessageType type = MessageType::kSync;
  SyncType sync = SyncType::kStep1;  // meaningful only when type == kSync
  // kSync: the state vector (kStep1) or the v1 update (kStep2, kUpdate);
  // kAwareness: the awareness update. Empty for kAuth and kQueryAwareness.
  std::span<const uint8_t> payload;
  std::string authReason;  // kAuth: the permission-denied reason (valid UTF-8)
};

// Decodes one complete message (one WebSocket frame). Checks only the framing:
// the payload itself (a Yjs update, a state vector, an awareness update) is not
// validated here; the Doc and Awareness do that.
// Returns InvalidArgument with a short reason for an empty frame, an unknown
// message type, sync subtype or auth subtype, a bad varUint, a length running
// past the end, or an auth reason that is not UTF-8. On error *out is
// unspecified. Never throws (except std::bad_alloc).
Status decodeMessage(std::span<const uint8_t> bytes, Message* out);

// Encoders: each returns one complete message, byte-equal to what
// y-websocket / y-protocols write for the same input.
std::vector<uint8_t> encodeSyncStep1(std::span<const uint8_t> stateVector);
std::vector<uint8_t> encodeSyncStep2(std::span<const uint8_t> update);
std::vector<uint8_t> encodeUpdate(std::span<const uint8_t> update);
std::vector<uint8_t> encodeAwareness(std::span<const uint8_t> awarenessUpdate);
std::vector<uint8_t> encodeQueryAwareness();
// `reason` is UTF-8; invalid bytes are written as U+FFFD (as TextEncoder does).
std::vector<uint8_t> encodeAuthPermissionDenied(std::string_view reason);

}  // namespace roundtable::sync
