// p2p_driver: the C++ side of the hub's y-webrtc peer for
// tests/interop/p2p_crypto.test.mjs, which holds it against y-webrtc's own
// crypto.js. Speaks JSON lines (json_lines.h); bytes travel as hex.
//
// Requests (every one has "cmd", "password" and "room"; keys are derived once
// per password and room):
//   {"cmd":"derive",...}                      -> {"ok":true,"key":"<hex>"}
//   {"cmd":"encrypt",...,"hex":"..."}         -> {"ok":true,"hex":"<sealed>"}
//   {"cmd":"decrypt",...,"hex":"<sealed>"}    -> {"ok":true,"hex":"..."}
//   {"cmd":"encryptAny",...,"json":"..."}     -> {"ok":true,"hex":"<sealed writeAny of the JSON value>"}
//   {"cmd":"decryptAny",...,"hex":"<sealed>"} -> {"ok":true,"json":"..."}
// A Status error answers {"ok":false,"code":"InvalidArgument","error":"..."}.

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "json_lines.h"
#include "lib0/hex_for_tests.h"
#include "lib0/json.h"
#include "p2p/room_crypto.h"

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

Value handle(const Value& req) {
  const std::string& cmd = text(req, "cmd");
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
  throw std::invalid_argument("unknown cmd " + cmd);
}

}  // namespace

int main() { return roundtable::testing::serveJsonLines(handle); }
