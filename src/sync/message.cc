#include "sync/message.h"

#include "lib0/decoder.h"
#include "lib0/encoder.h"

namespace roundtable::sync {
namespace {

// y-protocols auth.js messagePermissionDenied.
constexpr uint64_t kAuthPermissionDenied = 0;

std::vector<uint8_t> frame(MessageType type, std::span<const uint8_t> payload) {
  lib0::Encoder e;
  e.writeVarUint(static_cast<uint64_t>(type));
  e.writeVarUint8Array(payload);
  return e.take();
}

std::vector<uint8_t> syncFrame(SyncType sync, std::span<const uint8_t> payload) {
  lib0::Encoder e;
  e.writeVarUint(static_cast<uint64_t>(MessageType::kSync));
  e.writeVarUint(static_cast<uint64_t>(sync));
  e.writeVarUint8Array(payload);
  return e.take();
}

}  // namespace

Status decodeMessage(std::span<const uint8_t> bytes, Message* out) {
  *out = Message{};
  if (bytes.empty()) return Status::InvalidArgument("empty message");
  try {
    lib0::Decoder d(bytes);
    const uint64_t type = d.readVarUint();
    switch (type) {
      case static_cast<uint64_t>(MessageType::kSync): {
        const uint64_t sync = d.readVarUint();
        if (sync > static_cast<uint64_t>(SyncType::kUpdate)) {
          return Status::InvalidArgument("unknown sync message type " + std::to_string(sync));
        }
        out->sync = static_cast<SyncType>(sync);
        out->payload = d.readVarUint8Array();
        break;
      }
      case static_cast<uint64_t>(MessageType::kAwareness):
        out->payload = d.readVarUint8Array();
        break;
      case static_cast<uint64_t>(MessageType::kAuth): {
        const uint64_t sub = d.readVarUint();
        if (sub != kAuthPermissionDenied) {
          return Status::InvalidArgument("unknown auth message type " + std::to_string(sub));
        }
        out->authReason = d.readVarString();
        break;
      }
      case static_cast<uint64_t>(MessageType::kQueryAwareness):
        break;
      default:
        return Status::InvalidArgument("unknown message type " + std::to_string(type));
    }
    out->type = static_cast<MessageType>(type);
  } catch (const lib0::DecodeError& e) {
    return Status::InvalidArgument(std::string("malformed message: ") + e.what());
  }
  return Status::Ok();
}

std::vector<uint8_t> encodeSyncStep1(std::span<const uint8_t> stateVector) {
  return syncFrame(SyncType::kStep1, stateVector);
}

std::vector<uint8_t> encodeSyncStep2(std::span<const uint8_t> update) {
  return syncFrame(SyncType::kStep2, update);
}

std::vector<uint8_t> encodeUpdate(std::span<const uint8_t> update) {
  return syncFrame(SyncType::kUpdate, update);
}

std::vector<uint8_t> encodeAwareness(std::span<const uint8_t> awarenessUpdate) {
  return frame(MessageType::kAwareness, awarenessUpdate);
}

std::vector<uint8_t> encodeQueryAwareness() {
  return {static_cast<uint8_t>(MessageType::kQueryAwareness)};
}

std::vector<uint8_t> encodeAuthPermissionDenied(std::string_view reason) {
  lib0::Encoder e;
  e.writeVarUint(static_cast<uint64_t>(MessageType::kAuth));
  e.writeVarUint(kAuthPermissionDenied);
  e.writeVarString(reason);
  return e.take();
}

}  // namespace roundtable::sync
