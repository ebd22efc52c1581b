// sync_driver: the C++ y-websocket message codec and awareness tables for
// tests/interop/sync_codec.test.mjs, which holds them against the real
// y-protocols. Speaks JSON lines: one request per stdin line, one response per
// stdout line. Bytes travel as lowercase hex; client ids and clocks as JSON
// numbers (exact up to 2^53).
//
// Requests (every one has "cmd"):
//   {"cmd":"decode","hex":"..."}
//       -> {"ok":true,"type":0,"sync":1,"payload":"<hex>","reason":"..."}
//   {"cmd":"encode","kind":"step1|step2|update|awareness|query|auth","hex":"...","reason":"..."}
//       -> {"ok":true,"hex":"..."}
//   {"cmd":"new","table":"t","maxStateBytes":n?,"maxClients":n?}
//   {"cmd":"apply","table":"t","hex":"...","now":ms,"owner":n?}
//       -> {"ok":true,"added":[..],"updated":[..],"removed":[..],"dropped":n?}
//       (with an owner: applyUpdateFrom, the hub's path with quotas)
//   {"cmd":"encodeUpdate","table":"t","clients":[..]}   -> {"ok":true,"hex":"..."}
//   {"cmd":"states","table":"t"}
//       -> {"ok":true,"clients":[..clientsWithState()],"states":["<json>"..],"size":n,"remembered":n}
//   {"cmd":"remove","table":"t","clients":[..],"now":ms}   -> {"ok":true,"removed":[..]}
//   {"cmd":"outdated","table":"t","now":ms,"timeout":ms}   -> {"ok":true,"removed":[..]}
// A Status error answers {"ok":false,"code":"InvalidArgument","error":"..."};
// a bad request answers {"ok":false,"error":"..."}.

#include "lib0/hex_for_tests.h"
#include "json_lines.h"
#include <cstdint>
#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib0/json.h"
#include "roundtable/lib0/value.h"
#include "sync/awareness.h"
#include "sync/message.h"

using roundtable::Status;
using roundtable::StatusCode;
using roundtable::lib0::Value;
namespace rs = roundtable::sync;  // not "sync": that is POSIX sync()

namespace {

using roundtable::lib0::testhex::toHex;

// Stricter than testhex::fromHex: the JavaScript side must send exact hex.
std::vector<uint8_t> fromHex(const std::string& hex) {
  auto nibble = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    throw std::invalid_argument("bad hex");
  };
  if (hex.size() % 2) throw std::invalid_argument("odd hex length");
  std::vector<uint8_t> out;
  for (size_t i = 0; i < hex.size(); i += 2) out.push_back(static_cast<uint8_t>(nibble(hex[i]) << 4 | nibble(hex[i + 1])));
  return out;
}

const Value& field(const Value& req, const char* key) {
  const Value* v = req.asObject().get(key);
  if (!v) throw std::invalid_argument(std::string("missing ") + key);
  return *v;
}

std::vector<uint64_t> ids(const Value& list) {
  std::vector<uint64_t> out;
  for (const Value& v : list.asArray()) out.push_back(static_cast<uint64_t>(v.asNumber()));
  return out;
}

Value idList(const std::vector<uint64_t>& list) {
  Value::Array out;
  for (uint64_t id : list) out.push_back(Value(static_cast<double>(id)));
  return Value::array(std::move(out));
}

Value ok(Value::Object o = {}) {
  o.set("ok", true);
  return Value(std::move(o));
}

Value failed(const Status& s) {
  Value::Object o;
  o.set("ok", false);
  o.set("code", roundtable::testing::statusCodeName(s.code()));
  o.set("error", s.message());
  return Value(std::move(o));
}

std::map<std::string, rs::Awareness> tables;

rs::Awareness& table(const Value& req) {
  auto it = tables.find(field(req, "table").asString());
  if (it == tables.end()) throw std::invalid_argument("unknown table");
  return it->second;
}

Value handle(const Value& req) {
  const std::string& cmd = field(req, "cmd").asString();
  Value::Object res;
  if (cmd == "decode") {
    const std::vector<uint8_t> bytes = fromHex(field(req, "hex").asString());
    rs::Message m;
    if (Status s = rs::decodeMessage(bytes, &m); !s.ok()) return failed(s);
    res.set("type", static_cast<double>(m.type));
    res.set("sync", static_cast<double>(m.sync));
    res.set("payload", toHex(m.payload));
    res.set("reason", m.authReason);
    return ok(std::move(res));
  }
  if (cmd == "encode") {
    const std::string& kind = field(req, "kind").asString();
    const Value* hex = req.asObject().get("hex");
    const std::vector<uint8_t> in = hex ? fromHex(hex->asString()) : std::vector<uint8_t>{};
    std::vector<uint8_t> out;
    if (kind == "step1") out = rs::encodeSyncStep1(in);
    else if (kind == "step2") out = rs::encodeSyncStep2(in);
    else if (kind == "update") out = rs::encodeUpdate(in);
    else if (kind == "awareness") out = rs::encodeAwareness(in);
    else if (kind == "query") out = rs::encodeQueryAwareness();
    else if (kind == "auth") out = rs::encodeAuthPermissionDenied(field(req, "reason").asString());
    else throw std::invalid_argument("unknown kind");
    res.set("hex", toHex(out));
    return ok(std::move(res));
  }
  if (cmd == "new") {
    rs::AwarenessLimits limits;
    if (const Value* v = req.asObject().get("maxStateBytes")) limits.maxStateBytes = static_cast<size_t>(v->asNumber());
    if (const Value* v = req.asObject().get("maxClients")) limits.maxClients = static_cast<size_t>(v->asNumber());
    const std::string& name = field(req, "table").asString();
    tables.erase(name);
    tables.emplace(name, rs::Awareness(limits));
    return ok();
  }
  if (cmd == "apply") {
    const std::vector<uint8_t> bytes = fromHex(field(req, "hex").asString());
    rs::AwarenessChanges ch;
    const int64_t now = static_cast<int64_t>(field(req, "now").asNumber());
    size_t dropped = 0;
    const Value* owner = req.asObject().get("owner");
    Status s = owner ? table(req).applyUpdateFrom(static_cast<uint64_t>(owner->asNumber()), bytes, now, &ch, &dropped)
                     : table(req).applyUpdate(bytes, now, &ch);
    if (!s.ok()) return failed(s);
    if (owner) res.set("dropped", static_cast<double>(dropped));
    res.set("added", idList(ch.added));
    res.set("updated", idList(ch.updated));
    res.set("removed", idList(ch.removed));
    return ok(std::move(res));
  }
  if (cmd == "encodeUpdate") {
    res.set("hex", toHex(table(req).encodeUpdate(ids(field(req, "clients")))));
    return ok(std::move(res));
  }
  if (cmd == "states") {
    const rs::Awareness& t = table(req);
    const std::vector<uint64_t> clients = t.clientsWithState();
    Value::Array states;
    for (uint64_t c : clients) states.push_back(Value(*t.stateJSON(c)));
    res.set("clients", idList(clients));
    res.set("states", Value::array(std::move(states)));
    res.set("size", static_cast<double>(t.size()));
    res.set("remembered", static_cast<double>(t.remembered()));
    return ok(std::move(res));
  }
  if (cmd == "remove") {
    res.set("removed", idList(table(req).remove(ids(field(req, "clients")),
                                                 static_cast<int64_t>(field(req, "now").asNumber()))));
    return ok(std::move(res));
  }
  if (cmd == "outdated") {
    res.set("removed", idList(table(req).removeOutdated(static_cast<int64_t>(field(req, "now").asNumber()),
                                                         static_cast<int64_t>(field(req, "timeout").asNumber()))));
    return ok(std::move(res));
  }
  throw std::invalid_argument("unknown cmd " + cmd);
}

}  // namespace

int main() { return roundtable::testing::serveJsonLines(handle); }
