#include "sync/room_core.h"

#include <algorithm>

#include "sync/message.h"

namespace roundtable::sync {

RoomCore::RoomCore(AwarenessLimits limits) : awareness_(limits) {
  updateObserver_ = doc_.onUpdate([this](std::span<const uint8_t> update, const void*) {
    if (capture_) capture_->emplace_back(update.begin(), update.end());
  });
}

RoomCore::~RoomCore() { doc_.off(updateObserver_); }

Status RoomCore::load(const std::vector<std::vector<uint8_t>>& updates) {
  for (size_t i = 0; i < updates.size(); ++i) {
    Status s = doc_.applyUpdate(updates[i]);
    if (s.ok()) continue;
    std::string why = "stored update " + std::to_string(i) + ": " + s.message();
    return s.code() == StatusCode::kInternal ? Status::Internal(why) : Status::InvalidArgument(why);
  }
  return Status::Ok();
}

RoomEffects RoomCore::open(ConnId conn) {
  if (std::find(open_.begin(), open_.end(), conn) == open_.end()) open_.push_back(conn);
  RoomEffects fx;
  fx.reply.push_back(encodeSyncStep1(doc_.encodeStateVector()));
  std::vector<uint64_t> known = awareness_.clientsWithState();
  if (!known.empty()) fx.reply.push_back(encodeAwareness(awareness_.encodeUpdate(known)));
  return fx;
}

RoomEffects RoomCore::applyUpdate(std::span<const uint8_t> update, ConnId origin) {
  RoomEffects fx;
  fx.received = update;
  capture_ = &fx.docUpdates;
  fx.status = doc_.applyUpdate(update, reinterpret_cast<const void*>(origin));
  capture_ = nullptr;
  return fx;
}

RoomEffects RoomCore::handle(ConnId conn, std::span<const uint8_t> bytes, int64_t nowMs) {
  Message message;
  RoomEffects fx;
  fx.status = decodeMessage(bytes, &message);
  if (!fx.status.ok()) return fx;
  switch (message.type) {
    case MessageType::kSync:
      switch (message.sync) {
        case SyncType::kStep1: {
          std::vector<uint8_t> update;
          fx.status = doc_.encodeStateAsUpdate(message.payload, &update);
          if (fx.status.ok()) fx.durableReply.push_back(encodeSyncStep2(update));
          return fx;
        }
        case SyncType::kStep2:
        case SyncType::kUpdate:
          return applyUpdate(message.payload, conn);
      }
      break;
    case MessageType::kAwareness: {
      // On the connection's behalf: past its quota (or the document's) the
      // excess entries are dropped and the connection stays (awareness.h).
      AwarenessChanges changes;
      fx.status = awareness_.applyUpdateFrom(conn, message.payload, nowMs, &changes, &fx.awarenessDropped);
      if (!fx.status.ok() || changes.empty()) return fx;
      if (std::find(open_.begin(), open_.end(), conn) == open_.end()) open_.push_back(conn);
      fx.awareness = awarenessMessage(changes.all());
      return fx;
    }
    case MessageType::kQueryAwareness: {
      std::vector<uint64_t> known = awareness_.clientsWithState();
      fx.reply.push_back(encodeAwareness(awareness_.encodeUpdate(known)));
      return fx;
    }
    case MessageType::kAuth:
      // Permission messages flow from server to client; a client's is ignored.
      return fx;
  }
  fx.status = Status::InvalidArgument("unknown message");
  return fx;
}

RoomEffects RoomCore::close(ConnId conn, int64_t nowMs) {
  RoomEffects fx;
  auto it = std::find(open_.begin(), open_.end(), conn);
  if (it == open_.end()) return fx;
  open_.erase(it);
  std::vector<uint64_t> removed = awareness_.removeOwned(conn, nowMs);
  if (!removed.empty()) fx.awareness = awarenessMessage(removed);
  return fx;
}

RoomEffects RoomCore::expireAwareness(int64_t nowMs, int64_t timeoutMs) {
  RoomEffects fx;
  std::vector<uint64_t> removed = awareness_.removeOutdated(nowMs, timeoutMs);
  if (!removed.empty()) fx.awareness = awarenessMessage(removed);
  return fx;
}

RoomEffects RoomCore::applyLocal(std::span<const uint8_t> update) { return applyUpdate(update, 0); }

RoomEffects RoomCore::edit(const std::function<void(crdt::Doc&)>& f) {
  RoomEffects fx;
  capture_ = &fx.docUpdates;
  f(doc_);
  capture_ = nullptr;
  return fx;
}

std::vector<uint8_t> RoomCore::awarenessMessage(const std::vector<uint64_t>& clients) const {
  return encodeAwareness(awareness_.encodeUpdate(clients));
}

}  // namespace roundtable::sync
