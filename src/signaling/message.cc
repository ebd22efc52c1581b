#include "signaling/message.h"

#include "lib0/decoder.h"
#include "lib0/json.h"
#include "lib0/utf.h"

namespace roundtable::signaling {

namespace {

const lib0::Value* stringField(const lib0::Value::Object& object, std::string_view key) {
  const lib0::Value* v = object.get(key);
  return v && v->isString() ? v : nullptr;
}

constexpr std::string_view kJsonSpace = " \t\r\n";

}  // namespace

Status parseMessage(std::string_view text, bool isText, Message* out) {
  *out = Message{};
  if (!isText && !lib0::isValidUtf8(text)) return Status::InvalidArgument("signaling message is not UTF-8");
  lib0::Value parsed;
  try {
    parsed = lib0::parseJSON(text);
  } catch (const lib0::DecodeError& e) {
    return Status::InvalidArgument(std::string("signaling message is not JSON: ") + e.what());
  }
  if (!parsed.isObject()) return Status::InvalidArgument("signaling message is not a JSON object");
  const lib0::Value::Object& message = parsed.asObject();
  const lib0::Value* type = stringField(message, "type");
  if (!type) return Status::Ok();
  const std::string& t = type->asString();
  if (t == "subscribe" || t == "unsubscribe") {
    out->kind = t == "subscribe" ? Message::Kind::kSubscribe : Message::Kind::kUnsubscribe;
    if (const lib0::Value* topics = message.get("topics")) {
      if (!topics->isArray()) return Status::InvalidArgument("`topics` must be an array");
      for (const lib0::Value& topic : topics->asArray())
        if (topic.isString()) out->topics.push_back(topic.asString());
    }
  } else if (t == "publish") {
    if (const lib0::Value* topic = stringField(message, "topic")) {
      out->kind = Message::Kind::kPublish;
      out->topic = topic->asString();
    }
  } else if (t == "ping") {
    out->kind = Message::Kind::kPing;
  }
  return Status::Ok();
}

std::string relayedPublish(std::string_view message, size_t clients) {
  std::string_view body = message.substr(0, message.find_last_not_of(kJsonSpace));  // up to the closing brace
  size_t last = body.find_last_not_of(kJsonSpace);
  bool empty = body[last] == '{';
  std::string out;
  out.reserve(body.size() + 24);
  out.append(body).append(empty ? "\"clients\":" : ",\"clients\":").append(std::to_string(clients)).push_back('}');
  return out;
}

}  // namespace roundtable::signaling
