#include "bus/bus_message.h"

namespace roundtable::bus {

namespace {

constexpr std::string_view kChannelPrefix = "roundtable:doc:";
constexpr std::string_view kSignalPrefix = "roundtable:signal:";

bool hasPayload(BusKind k) { return k == BusKind::kUpdate || k == BusKind::kAwareness || k == BusKind::kSignal; }

void putVarUint(std::vector<uint8_t>& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<uint8_t>(v & 0x7f) | 0x80);
    v >>= 7;
  }
  out.push_back(static_cast<uint8_t>(v));
}

bool getVarUint(std::span<const uint8_t> in, size_t* pos, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (*pos >= in.size()) return false;
    uint8_t b = in[(*pos)++];
    // The tenth byte may hold only the 64th bit.
    if (shift == 63 && (b & 0x7e)) return false;
    result |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<uint8_t> encodeBusMessage(BusKind kind, uint64_t replica, uint64_t seq, std::span<const uint8_t> payload) {
  std::vector<uint8_t> out;
  out.reserve(payload.size() + 24);
  out.push_back(static_cast<uint8_t>(kind));
  putVarUint(out, replica);
  if (kind == BusKind::kUpdate || kind == BusKind::kCommitted) putVarUint(out, seq);
  if (hasPayload(kind)) out.insert(out.end(), payload.begin(), payload.end());
  return out;
}

Status decodeBusMessage(std::span<const uint8_t> bytes, BusMessage* out) {
  *out = BusMessage{};
  if (bytes.size() > kMaxBusMessageBytes)
    return Status::InvalidArgument("bus message of " + std::to_string(bytes.size()) + " bytes (at most " +
                                   std::to_string(kMaxBusMessageBytes) + ")");
  if (bytes.empty()) return Status::InvalidArgument("empty bus message");
  uint8_t kind = bytes[0];
  if (kind < 1 || kind > 5) return Status::InvalidArgument("bus message of unknown kind " + std::to_string(kind));
  out->kind = static_cast<BusKind>(kind);
  size_t pos = 1;
  if (!getVarUint(bytes, &pos, &out->replica) || out->replica == 0)
    return Status::InvalidArgument("bus message without a replica id");
  if (out->kind == BusKind::kUpdate || out->kind == BusKind::kCommitted) {
    if (!getVarUint(bytes, &pos, &out->seq)) return Status::InvalidArgument("bus message without a seq");
  }
  std::span<const uint8_t> rest = bytes.subspan(pos);
  if (hasPayload(out->kind)) {
    if (rest.empty()) return Status::InvalidArgument("bus message with an empty payload");
    out->payload = rest;
  } else if (!rest.empty()) {
    return Status::InvalidArgument("bus message with trailing bytes");
  }
  return Status::Ok();
}

std::string channelFor(std::string_view doc) {
  std::string c(kChannelPrefix);
  c += doc;
  return c;
}

std::string signalChannelFor(std::string_view topic) {
  std::string c(kSignalPrefix);
  c += topic;
  return c;
}

bool nameOfChannel(std::string_view channel, std::string* name) {
  for (std::string_view prefix : {kChannelPrefix, kSignalPrefix}) {
    if (channel.starts_with(prefix) && channel.size() > prefix.size()) {
      name->assign(channel.substr(prefix.size()));
      return true;
    }
  }
  return false;
}

}  // namespace roundtable::bus
