// libFuzzer target: the hub's y-websocket message handler (RoomCore::handle,
// exactly what a room runs for each client message), fed arbitrary frames
// from two connections against one persistent document.
//
// Input layout: a sequence of [1 byte: connection (low bit) | 2 bytes: length
// (little-endian)] records followed by that many bytes; so one input is a
// conversation, and a document built by earlier messages is then attacked by
// later ones. Every effect is checked for the invariants the hub relies on.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>

#include "sync/room_core.h"
#include "sync/message.h"

namespace {

using roundtable::sync::RoomCore;
using roundtable::sync::RoomEffects;

void check(const RoomEffects& fx) {
  // A refused message must not have changed the document.
  if (!fx.status.ok() && !fx.docUpdates.empty()) std::abort();
  // Everything the hub would send must itself be a well-formed message.
  roundtable::sync::Message m;
  for (const auto& bytes : fx.reply)
    if (!roundtable::sync::decodeMessage(bytes, &m).ok()) std::abort();
  for (const auto& bytes : fx.durableReply)
    if (!roundtable::sync::decodeMessage(bytes, &m).ok()) std::abort();
  if (!fx.awareness.empty() && !roundtable::sync::decodeMessage(fx.awareness, &m).ok()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto room = std::make_unique<RoomCore>();
  check(room->open(1));
  check(room->open(2));
  int64_t now = 0;
  std::span<const uint8_t> in(data, size);
  while (in.size() >= 3) {
    uint64_t conn = 1 + (in[0] & 1);
    size_t len = in[1] | (size_t(in[2]) << 8);
    in = in.subspan(3);
    len = std::min(len, in.size());
    RoomEffects fx = room->handle(conn, in.subspan(0, len), now += 1000);
    check(fx);
    // What the hub stores must load into a fresh document.
    for (const auto& update : fx.docUpdates) {
      RoomCore replica;
      if (!replica.load({update}).ok()) std::abort();
    }
    in = in.subspan(len);
  }
  check(room->expireAwareness(now + 60000, 30000));
  check(room->close(1, now));
  return 0;
}
