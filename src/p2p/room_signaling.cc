#include "p2p/room_signaling.h"

#include <openssl/evp.h>

#include <string>
#include <utility>

#include "lib0/decoder.h"
#include "lib0/json.h"

namespace roundtable::p2p {
namespace {

const lib0::Value* member(const lib0::Value& object, std::string_view key) {
  return object.isObject() ? object.asObject().get(key) : nullptr;
}

const std::string* stringMember(const lib0::Value& object, std::string_view key) {
  const lib0::Value* v = member(object, key);
  return v && v->isString() ? &v->asString() : nullptr;
}

}  // namespace

RoomSignal RoomSignal::announce(std::string from) {
  RoomSignal s;
  s.type = Type::kAnnounce;
  s.from = std::move(from);
  return s;
}

RoomSignal RoomSignal::signalTo(std::string from, std::string to, std::optional<double> token, lib0::Value signal) {
  RoomSignal s;
  s.type = Type::kSignal;
  s.from = std::move(from);
  s.to = std::move(to);
  s.token = token;
  s.signal = std::move(signal);
  return s;
}

namespace {

std::string topicsMessage(const char* type, std::span<const std::string> topics) {
  lib0::Value::Array list;
  for (const std::string& t : topics) list.push_back(lib0::Value(t));
  lib0::Value::Object o;
  o.set("type", type);
  o.set("topics", lib0::Value::array(std::move(list)));
  return lib0::toJSON(lib0::Value(std::move(o)));
}

}  // namespace

std::string subscribeMessage(std::span<const std::string> topics) { return topicsMessage("subscribe", topics); }

std::string unsubscribeMessage(std::span<const std::string> topics) { return topicsMessage("unsubscribe", topics); }

std::string publishMessage(const RoomKey& key, std::string_view room, const RoomSignal& signal) {
  // Members in the order y-webrtc writes them.
  lib0::Value::Object m;
  if (signal.type == RoomSignal::Type::kAnnounce) {
    m.set("type", "announce");
    m.set("from", signal.from);
  } else {
    m.set("to", signal.to);
    m.set("from", signal.from);
    m.set("type", "signal");
    if (signal.token) m.set("token", *signal.token);
    m.set("signal", signal.signal);
  }
  lib0::Value::Object o;
  o.set("type", "publish");
  o.set("topic", std::string(room));
  o.set("data", toBase64(encryptAny(key, lib0::Value(std::move(m)))));
  return lib0::toJSON(lib0::Value(std::move(o)));
}

Status readPublish(std::string_view text, std::string* topic, std::vector<uint8_t>* sealed) {
  topic->clear();
  sealed->clear();
  lib0::Value v;
  try {
    v = lib0::parseJSON(text);
  } catch (const lib0::DecodeError& e) {
    return Status::InvalidArgument(std::string("relay message is not JSON: ") + e.what());
  }
  if (!v.isObject()) return Status::InvalidArgument("relay message is not a JSON object");
  const std::string* type = stringMember(v, "type");
  const std::string* t = stringMember(v, "topic");
  const std::string* data = stringMember(v, "data");
  if (!type || *type != "publish" || !t || !data) return Status::Ok();
  if (Status s = fromBase64(*data, sealed); !s.ok()) return s;
  *topic = *t;
  return Status::Ok();
}

Status openRoomSignal(const RoomKey& key, std::span<const uint8_t> sealed, std::string_view self,
                      std::optional<RoomSignal>* out) {
  out->reset();
  lib0::Value v;
  if (Status s = decryptAny(key, sealed, &v); !s.ok()) return s;
  const std::string* type = stringMember(v, "type");
  const std::string* from = stringMember(v, "from");
  if (!from) return Status::InvalidArgument("room message without a string 'from'");
  if (*from == self) return Status::Ok();
  // y-webrtc ignores a message with a `to` that is not its own, whatever its type.
  const lib0::Value* to = member(v, "to");
  if (to && !to->isUndefined() && !(to->isString() && to->asString() == self)) return Status::Ok();
  if (type && *type == "announce") {
    *out = RoomSignal::announce(*from);
    return Status::Ok();
  }
  if (!type || *type != "signal") return Status::Ok();
  const lib0::Value* signal = member(v, "signal");
  if (!to || !to->isString()) return Status::InvalidArgument("signal without a string 'to'");
  if (!signal || !signal->isObject()) return Status::InvalidArgument("signal without a 'signal' object");
  std::optional<double> token;
  if (const lib0::Value* t = member(v, "token"); t && t->isNumber()) token = t->asNumber();
  *out = RoomSignal::signalTo(*from, to->asString(), token, *signal);
  return Status::Ok();
}

std::string toBase64(std::span<const uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(), static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

Status fromBase64(std::string_view text, std::vector<uint8_t>* out) {
  out->clear();
  if (text.size() % 4 != 0) return Status::InvalidArgument("base64 of a length that is not a multiple of 4");
  for (size_t i = 0; i < text.size(); i++) {
    const char c = text[i];
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    // '=' only as the last one or two characters.
    const bool padding = c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text[i + 1] == '=');
    if (!alphabet && !padding) return Status::InvalidArgument("not base64");
  }
  std::vector<uint8_t> bytes(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(bytes.data(), reinterpret_cast<const unsigned char*>(text.data()), static_cast<int>(text.size()));
  if (n < 0) return Status::InvalidArgument("not base64");
  // EVP_DecodeBlock counts the padding as zero bytes.
  size_t size = static_cast<size_t>(n);
  if (!text.empty() && text.back() == '=') size--;
  if (text.size() >= 2 && text[text.size() - 2] == '=') size--;
  bytes.resize(size);
  *out = std::move(bytes);
  return Status::Ok();
}

}  // namespace roundtable::p2p
