// libFuzzer target: the hub's y-websocket message handler (RoomCore::handle,
// exactly what a room runs for each client message), fed arbitrary frames
// from two connections against one persistent document.
//
// Input layout: a sequence of [1 byte: connection (low bit) | 2 bytes: length
// (little-endian)] records followed by that many bytes; so one input is a
// conversation, and a document built by earlier messages is then attacked by
// later ones. Every effect is checked for the invariants the hub relies on,
// and the awareness table for its quotas (small ones, so inputs reach them):
// no connection holds more clients than its quota, the states stay within
// the byte budget, and a connection that closes leaves none behind. The
// document's limits are small too: what waits for dependencies stays within
// its bound, and an update refused for the document's size changed nothing.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>

#include "sync/room_core.h"
#include "sync/message.h"

namespace {

using roundtable::sync::RoomCore;
using roundtable::sync::RoomEffects;

void check(const RoomEffects& fx) {
  // A refused message must not have changed the document, except an update
  // refused past the bound on waiting data: the part of it that applied stays.
  bool keepsPart = fx.status.code() == roundtable::StatusCode::kResourceExhausted &&
                   fx.status.message().find("missing dependencies") != std::string::npos;
  if (!fx.status.ok() && !keepsPart && !fx.docUpdates.empty()) std::abort();
  if (!fx.status.ok() && !fx.storeOnly.empty()) std::abort();
  // Everything the hub would send must itself be a well-formed message.
  roundtable::sync::Message m;
  for (const auto& bytes : fx.reply)
    if (!roundtable::sync::decodeMessage(bytes, &m).ok()) std::abort();
  for (const auto& bytes : fx.durableReply)
    if (!roundtable::sync::decodeMessage(bytes, &m).ok()) std::abort();
  if (!fx.awareness.empty() && !roundtable::sync::decodeMessage(fx.awareness, &m).ok()) std::abort();
}

constexpr roundtable::sync::AwarenessLimits kLimits{
    .maxStateBytes = 512, .maxClients = 24, .maxClientsPerConnection = 16, .maxTotalStateBytes = 4096};

constexpr roundtable::sync::DocumentLimits kDocumentLimits{.maxBytes = 8192, .maxPendingBytes = 1024};

void checkAwareness(const RoomCore& room) {
  const auto& a = room.awareness();
  if (a.size() > kLimits.maxClients || a.stateBytes() > kLimits.maxTotalStateBytes) std::abort();
  if (a.owned(1) > kLimits.maxClientsPerConnection || a.owned(2) > kLimits.maxClientsPerConnection) std::abort();
  if (a.encodeUpdate(a.clientsWithState()).size() > a.stateBytes() + 10) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto room = std::make_unique<RoomCore>(kLimits, kDocumentLimits);
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
    checkAwareness(*room);
    // What the hub stores must load into a fresh document.
    for (const auto& update : fx.docUpdates) {
      RoomCore replica;
      if (!replica.load({update}).ok()) std::abort();
    }
    if (!fx.storeOnly.empty()) {
      RoomCore replica;
      if (!replica.load({fx.storeOnly}).ok()) std::abort();
    }
    if (room->doc().pendingBytes() > kDocumentLimits.maxPendingBytes) std::abort();
    in = in.subspan(len);
  }
  check(room->expireAwareness(now + 60000, 30000));
  check(room->close(1, now));
  if (room->awareness().owned(1) != 0) std::abort();
  checkAwareness(*room);
  return 0;
}
