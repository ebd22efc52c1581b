#include "sync/room_core.h"

#include <algorithm>
#include <optional>
#include <string>

#include "sync/message.h"

namespace roundtable::sync {

RoomCore::RoomCore(AwarenessLimits limits, DocumentLimits documentLimits)
    : awareness_(limits), limits_(documentLimits) {
  updateObserver_ = doc_.onUpdate([this](std::span<const uint8_t> update, const void*) {
    if (capture_) capture_->emplace_back(update.begin(), update.end());
  });
}

RoomCore::~RoomCore() { doc_.off(updateObserver_); }

Status RoomCore::load(const std::vector<std::vector<uint8_t>>& updates) {
  for (size_t i = 0; i < updates.size(); ++i) {
    sizeBound_ += updates[i].size();
    Status s = doc_.applyUpdate(updates[i]);
    if (s.ok()) continue;
    std::string why = "stored update " + std::to_string(i) + ": " + s.message();
    return s.code() == StatusCode::kInternal ? Status::Internal(why) : Status::InvalidArgument(why);
  }
  return Status::Ok();
}

std::vector<uint8_t> RoomCore::awarenessOwnedBy(const std::function<bool(uint64_t owner)>& pick) const {
  std::vector<uint64_t> clients = awareness_.clientsOwnedBy(pick);
  if (clients.empty()) return {};
  return awarenessMessage(clients);
}

Status RoomCore::applyCommitted(std::span<const uint8_t> update) {
  sizeBound_ += update.size();
  return doc_.applyUpdate(update);
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
  fx.status = admit(update.size());
  if (!fx.status.ok()) return fx;
  // What waits is copied only while something does, which is rare: a
  // client's update normally follows the sync that gave it its dependencies.
  std::optional<crdt::Doc::Pending> before;
  if (doc_.pendingBytes() > 0) before = doc_.pending();
  capture_ = &fx.docUpdates;
  fx.status = doc_.applyUpdate(update, reinterpret_cast<const void*>(origin));
  capture_ = nullptr;
  if (!fx.status.ok()) return fx;  // malformed: nothing changed; contradicting: the room reloads
  sizeBound_ += update.size();
  size_t pending = doc_.pendingBytes();
  if (pending > limits_.maxPendingBytes) {
    // What integrated stays (docUpdates reports it); what this update left
    // waiting is dropped by putting back what waited before. If the update
    // let some of that integrate, it waits again to no effect: applying it
    // once more skips what the document has.
    doc_.setPending(before ? std::move(*before) : crdt::Doc::Pending{});
    fx.status = Status::ResourceExhausted("update refused: " + std::to_string(pending) +
                                          " bytes would wait for missing dependencies, over the limit of " +
                                          std::to_string(limits_.maxPendingBytes));
    return fx;
  }
  if (pending > 0 && (!before || pending != before->bytes() || doc_.pending() != *before))
    fx.storeOnly.assign(update.begin(), update.end());
  return fx;
}

Status RoomCore::admit(size_t incoming) {
  if (sizeBound_ + incoming <= limits_.maxBytes) return Status::Ok();
  if (!exactOnce_ || sizeBound_ - exactAt_ > limits_.maxBytes / 16) {
    sizeBound_ = exactAt_ = doc_.encodeStateAsUpdate().size();
    exactOnce_ = true;
    if (sizeBound_ + incoming <= limits_.maxBytes) return Status::Ok();
  }
  return Status::ResourceExhausted("update refused: the document (" + std::to_string(sizeBound_) + " bytes) and the update (" +
                                   std::to_string(incoming) + " bytes) would pass its size limit of " +
                                   std::to_string(limits_.maxBytes) + " bytes");
}

std::vector<uint8_t> RoomCore::encodeState() {
  std::vector<uint8_t> state = doc_.encodeStateAsUpdate();
  sizeBound_ = exactAt_ = state.size();
  exactOnce_ = true;
  return state;
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
  for (const auto& update : fx.docUpdates) sizeBound_ += update.size();
  return fx;
}

std::vector<uint8_t> RoomCore::awarenessMessage(const std::vector<uint64_t>& clients) const {
  return encodeAwareness(awareness_.encodeUpdate(clients));
}

}  // namespace roundtable::sync
