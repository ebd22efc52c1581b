// p2p_driver: the C++ side of the hub's y-webrtc peer for
// tests/interop/p2p_room.test.mjs, which holds it against y-webrtc itself.
// Speaks JSON lines (json_lines.h); bytes travel as hex.
//
// Requests (every one has "cmd", "password" and "room"; keys are derived once
// per password and room):
//   {"cmd":"derive",...}                      -> {"ok":true,"key":"<hex>"}
//   {"cmd":"encrypt",...,"hex":"..."}         -> {"ok":true,"hex":"<sealed>"}
//   {"cmd":"decrypt",...,"hex":"<sealed>"}    -> {"ok":true,"hex":"..."}
//   {"cmd":"encryptAny",...,"json":"..."}     -> {"ok":true,"hex":"<sealed writeAny of the JSON value>"}
//   {"cmd":"decryptAny",...,"hex":"<sealed>"} -> {"ok":true,"json":"..."}
//   {"cmd":"publish",...,"message":"<json: {type, from, to?, token?, signal?}>"}
//       -> {"ok":true,"text":"<the relay message>"}
//   {"cmd":"read",...,"self":"<peer id>","text":"<a relay message>"}
//       -> {"ok":true,"topic":"...","message":"<json of the signal>"|null}
//
// The web app's framing of large messages (p2p/message_framing.h; no password
// or room), for tests/interop/p2p_framing.test.mjs; each "conn" names a
// connection with its own MessageSplitter and FrameAssembler (default limits,
// no FrameBudget):
//   {"cmd":"split","conn":"a","hex":"<message>"}  -> {"ok":true,"frames":["<hex>",...]}
//   {"cmd":"assemble","conn":"a","frames":["<hex>",...]}
//       -> {"ok":true,"results":[{"ok":true,"whole":"<hex>"|null} or
//                                {"ok":false,"code":"...","error":"..."}, ...],
//           "pending":<bytes held>,"dropped":{"<reason>":n,...}}
//   {"cmd":"reset","conn":"a"}                      -> {"ok":true}
// A Status error answers {"ok":false,"code":"InvalidArgument","error":"..."}.

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "json_lines.h"
#include "lib0/hex_for_tests.h"
#include "lib0/json.h"
#include "p2p/message_framing.h"
#include "p2p/room_crypto.h"
#include "p2p/room_signaling.h"

using roundtable::Status;
using roundtable::lib0::Value;
using roundtable::lib0::testhex::fromHex;
using roundtable::lib0::testhex::toHex;
namespace p2p = roundtable::p2p;

namespace {

const std::string& text(const Value& req, const char* key) {
  const Value* v = req.asObject().get(key);
  if (!v || !v->isString()) throw std::invalid_argument(std::string("missing string ") + key);
  return v->asString();
}

const p2p::RoomKey& keyFor(const Value& req) {
  static std::map<std::pair<std::string, std::string>, p2p::RoomKey> keys;
  auto id = std::make_pair(text(req, "password"), text(req, "room"));
  auto it = keys.find(id);
  if (it == keys.end()) it = keys.emplace(id, p2p::RoomKey::derive(id.first, id.second)).first;
  return it->second;
}

Value answer(Status s, const char* key, std::string value) {
  Value::Object o;
  o.set("ok", s.ok());
  if (s.ok()) {
    o.set(key, std::move(value));
  } else {
    o.set("code", roundtable::testing::statusCodeName(s.code()));
    o.set("error", s.message());
  }
  return Value(std::move(o));
}

struct Connection {
  p2p::MessageSplitter out;
  p2p::FrameAssembler in;
};

// Answers a framing command, or returns nullopt for another command.
std::optional<Value> handleFraming(const std::string& cmd, const Value& req) {
  if (cmd != "split" && cmd != "assemble" && cmd != "reset") return std::nullopt;
  static std::map<std::string, Connection> conns;
  Connection& conn = conns[text(req, "conn")];
  Value::Object o;
  o.set("ok", true);
  if (cmd == "split") {
    std::vector<std::vector<uint8_t>> frames;
    if (Status s = conn.out.split(fromHex(text(req, "hex")), &frames); !s.ok()) return answer(s, "", "");
    Value::Array hexes;
    for (const auto& f : frames) hexes.emplace_back(toHex(f));
    o.set("frames", Value::array(std::move(hexes)));
  } else if (cmd == "assemble") {
    const Value* frames = req.asObject().get("frames");
    if (!frames || !frames->isArray()) throw std::invalid_argument("missing array frames");
    Value::Array results;
    for (const Value& f : frames->asArray()) {
      std::optional<std::vector<uint8_t>> whole;
      Status s = conn.in.push(fromHex(f.asString()), &whole);
      Value::Object r;
      r.set("ok", s.ok());
      if (s.ok()) {
        r.set("whole", whole ? Value(toHex(*whole)) : Value::null());
      } else {
        r.set("code", roundtable::testing::statusCodeName(s.code()));
        r.set("error", s.message());
      }
      results.emplace_back(std::move(r));
    }
    o.set("results", Value::array(std::move(results)));
    o.set("pending", conn.in.pendingBytes());
    Value::Object dropped;
    for (size_t r = 0; r < p2p::kFrameDropReasons; ++r)
      if (uint64_t n = conn.in.dropped(p2p::FrameDrop(r))) dropped.set(p2p::frameDropName(p2p::FrameDrop(r)), n);
    o.set("dropped", Value(std::move(dropped)));
  } else {
    conn.in.reset();
  }
  return Value(std::move(o));
}

Value handle(const Value& req) {
  const std::string& cmd = text(req, "cmd");
  if (std::optional<Value> framing = handleFraming(cmd, req)) return *framing;
  const p2p::RoomKey& key = keyFor(req);
  if (cmd == "derive") return answer(Status::Ok(), "key", toHex(key.bytes()));
  if (cmd == "encrypt") return answer(Status::Ok(), "hex", toHex(p2p::encrypt(key, fromHex(text(req, "hex")))));
  if (cmd == "encryptAny")
    return answer(Status::Ok(), "hex", toHex(p2p::encryptAny(key, roundtable::lib0::parseJSON(text(req, "json")))));
  if (cmd == "decrypt") {
    std::vector<uint8_t> plain;
    Status s = p2p::decrypt(key, fromHex(text(req, "hex")), &plain);
    return answer(s, "hex", toHex(plain));
  }
  if (cmd == "decryptAny") {
    Value v;
    Status s = p2p::decryptAny(key, fromHex(text(req, "hex")), &v);
    return answer(s, "json", s.ok() ? roundtable::lib0::toJSON(v) : "");
  }
  if (cmd == "publish") {
    const Value m = roundtable::lib0::parseJSON(text(req, "message"));
    const std::string& from = m.asObject().get("from")->asString();
    p2p::RoomSignal signal = p2p::RoomSignal::announce(from);
    if (m.asObject().get("type")->asString() == "signal") {
      const Value* token = m.asObject().get("token");
      signal = p2p::RoomSignal::signalTo(from, m.asObject().get("to")->asString(),
                                         token ? std::optional<double>(token->asNumber()) : std::nullopt,
                                         *m.asObject().get("signal"));
    }
    return answer(Status::Ok(), "text", p2p::publishMessage(key, text(req, "room"), signal));
  }
  if (cmd == "read") {
    std::string topic;
    std::vector<uint8_t> sealed;
    if (Status s = p2p::readPublish(text(req, "text"), &topic, &sealed); !s.ok()) return answer(s, "", "");
    std::optional<p2p::RoomSignal> signal;
    if (Status s = p2p::openRoomSignal(key, sealed, text(req, "self"), &signal); !s.ok()) return answer(s, "", "");
    Value::Object o;
    o.set("ok", true);
    o.set("topic", topic);
    if (signal) {
      Value::Object m;
      m.set("type", signal->type == p2p::RoomSignal::Type::kAnnounce ? "announce" : "signal");
      m.set("from", signal->from);
      if (signal->type == p2p::RoomSignal::Type::kSignal) {
        m.set("to", signal->to);
        if (signal->token) m.set("token", *signal->token);
        m.set("signal", signal->signal);
      }
      o.set("message", roundtable::lib0::toJSON(Value(std::move(m))));
    } else {
      o.set("message", Value::null());
    }
    return Value(std::move(o));
  }
  throw std::invalid_argument("unknown cmd " + cmd);
}

}  // namespace

int main() { return roundtable::testing::serveJsonLines(handle); }
