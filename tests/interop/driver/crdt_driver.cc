// crdt_driver: hosts C++ CRDT docs for the differential test against yjs
// (tests/interop/crdt_differential.test.mjs). Speaks JSON lines: one request
// per stdin line, one response per stdout line.
//
// Requests (every one has "cmd"; doc commands have "doc", a string id):
//   {"cmd":"create","doc":"d1","client":123,"roots":[["m","map"],["t","text"]],"gc":true,"format":"v2"}
//   {"cmd":"apply","doc":"d1","update":"<base64>","format":"v2"}
//   {"cmd":"transact","doc":"d1","ops":[<op>...]}      all ops in one transaction
//   {"cmd":"describe","doc":"d1"}                       typed tree of the roots
//   {"cmd":"report","doc":"d1"}                         json, sv, state, stateV2, updates, other, events
//   {"cmd":"drain","doc":"d1"}                          updates, other, events only
//   {"cmd":"destroy","doc":"d1"}
// "format" (default v1) is the format of the updates a doc emits ("updates";
// "other" holds the same transactions' updates in the other format) and
// applies. Updates without a doc (roundtable/crdt/updates.h), base64 in and out:
//   {"cmd":"merge","format":"v2","updates":[...]}        -> update
//   {"cmd":"diff","format":"v2","update":..,"sv":..}     -> update
//   {"cmd":"svFromUpdate","format":"v2","update":..}     -> sv
//   {"cmd":"meta","format":"v2","update":..}             -> from, to: [[client, clock], ...]
//   {"cmd":"convert","to":"v2","update":..}              -> update (from the other format)
// And an editing trace replayed into a fresh doc's text "text", one
// transaction per entry, each patch [pos, delete, insert] (the B4 trace):
//   {"cmd":"replay","client":4000000000,"txns":[[[pos,del,"ins"],...],...]} -> state, stateV2
// Responses: {"ok":true,...} or {"ok":false,"error":"..."}.
//
// An op addresses its target with "root" (name), "kind" (map, array, text,
// xmlFragment, xmlElement, xmlText) and "path" (keys for maps, indices for
// lists and XML children), then one of:
//   mapSet {key, value | newType}       mapDelete {key}
//   arrayInsert {index, items:[{value}|{newType}]}    arrayDelete {index, len}
//   textInsert {index, text, attrs?}    textDelete {index, len}
//   textFormat {index, len, attrs}      textEmbed {index, embed, attrs?}
//   xmlInsertElement {index, name}      xmlInsertText {index}   xmlDelete {index, len}
//   xmlSetAttr {key, value}             xmlRemoveAttr {key}
// newType is {"kind": ..., "name": nodeName for xmlElement}. Indices are
// clamped to the target's length, as the JavaScript side of the test does, so
// ops generated before earlier ops of the same batch stay applicable; an op
// whose path no longer resolves is skipped (and reported as skipped).
//
// Updates a doc emits from its own transactions (edits and the formatting
// cleanups yjs does after remote transactions) are collected until the next
// report; updates emitted by applying a remote update are not (they carry the
// APPLY origin), since the peer that sent them already has them.

#include "json_lines.h"
#include <cstdint>
#include <iostream>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib0/json.h"
#include "roundtable/lib0/value.h"
#include "crdt/types/event.h"
#include "roundtable/crdt/doc.h"

using roundtable::lib0::Value;
namespace crdt = roundtable::crdt;

namespace {

// Base64 (RFC 4648, with padding), written here because the CRDT library is
// standard-library only and has no base64; this test tool needs nothing more
// than these ~40 lines and must not add a dependency to the build.
const char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64Encode(const std::vector<uint8_t>& in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (in[i] << 16) | (in[i + 1] << 8) | in[i + 2];
    out += kB64[n >> 18];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
    out += kB64[n & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t n = in[i] << 16;
    out += kB64[n >> 18];
    out += kB64[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t n = (in[i] << 16) | (in[i + 1] << 8);
    out += kB64[n >> 18];
    out += kB64[(n >> 12) & 63];
    out += kB64[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::vector<uint8_t> base64Decode(const std::string& in) {
  std::vector<uint8_t> out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    int v;
    if (c >= 'A' && c <= 'Z') v = c - 'A';
    else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
    else if (c >= '0' && c <= '9') v = c - '0' + 52;
    else if (c == '+') v = 62;
    else if (c == '/') v = 63;
    else if (c == '=') break;
    else throw std::invalid_argument("bad base64");
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>((acc >> bits) & 0xff));
    }
  }
  return out;
}

const Value& field(const Value& obj, const char* key) {
  static const Value kUndefined;
  if (!obj.isObject()) return kUndefined;
  const Value* v = obj.asObject().get(key);
  return v ? *v : kUndefined;
}

std::string str(const Value& obj, const char* key) {
  const Value& v = field(obj, key);
  if (!v.isString()) throw std::invalid_argument(std::string("missing string field ") + key);
  return v.asString();
}

double num(const Value& obj, const char* key) {
  const Value& v = field(obj, key);
  if (!v.isNumber()) throw std::invalid_argument(std::string("missing number field ") + key);
  return v.asNumber();
}

crdt::TypeKind kindFromString(const std::string& s) {
  if (s == "map") return crdt::TypeKind::kMap;
  if (s == "array") return crdt::TypeKind::kArray;
  if (s == "text") return crdt::TypeKind::kText;
  if (s == "xmlFragment") return crdt::TypeKind::kXmlFragment;
  if (s == "xmlElement") return crdt::TypeKind::kXmlElement;
  if (s == "xmlText") return crdt::TypeKind::kXmlText;
  throw std::invalid_argument("unknown kind " + s);
}

const char* kindName(crdt::TypeKind k) {
  switch (k) {
    case crdt::TypeKind::kMap: return "map";
    case crdt::TypeKind::kArray: return "array";
    case crdt::TypeKind::kText: return "text";
    case crdt::TypeKind::kXmlFragment: return "xmlFragment";
    case crdt::TypeKind::kXmlElement: return "xmlElement";
    case crdt::TypeKind::kXmlText: return "xmlText";
    case crdt::TypeKind::kXmlHook: return "xmlHook";
    case crdt::TypeKind::kAbstract: return "abstract";
  }
  return "?";
}

crdt::Input toInput(const Value& item) {
  const Value& nt = field(item, "newType");
  if (nt.isObject()) {
    crdt::NewType t{kindFromString(str(nt, "kind")), {}};
    if (field(nt, "name").isString()) t.nodeName = str(nt, "name");
    return crdt::Input(std::move(t));
  }
  return crdt::Input(field(item, "value"));
}

bool isList(crdt::TypeKind k) {
  return k == crdt::TypeKind::kArray || k == crdt::TypeKind::kXmlFragment || k == crdt::TypeKind::kXmlElement;
}

// Entry at a list index or map key of t, or nullopt.
std::optional<crdt::Entry> child(crdt::TypeRef t, const Value& step) {
  if (t.kind() == crdt::TypeKind::kMap) {
    if (!step.isString()) return std::nullopt;
    return crdt::Map(t.impl()).get(step.asString());
  }
  if (!step.isNumber()) return std::nullopt;
  size_t i = static_cast<size_t>(step.asNumber());
  if (t.kind() == crdt::TypeKind::kArray) {
    crdt::Array a(t.impl());
    if (i >= a.length()) return std::nullopt;
    return a.get(i);
  }
  if (t.kind() == crdt::TypeKind::kXmlFragment || t.kind() == crdt::TypeKind::kXmlElement) {
    crdt::XmlFragment f(t.impl());
    if (i >= f.length()) return std::nullopt;
    return f.get(i);
  }
  return std::nullopt;
}

crdt::TypeRef resolve(crdt::Doc& doc, const Value& op) {
  crdt::TypeRef cur = doc.getRoot(str(op, "root"), kindFromString(str(op, "kind")));
  if (!cur.valid()) return cur;
  const Value& path = field(op, "path");
  if (path.isArray()) {
    for (const Value& step : path.asArray()) {
      auto e = child(cur, step);
      if (!e || e->kind != crdt::Entry::Kind::kType || !e->type) return crdt::TypeRef();
      cur = e->asType();
    }
  }
  return cur;
}

size_t listLength(crdt::TypeRef t) {
  switch (t.kind()) {
    case crdt::TypeKind::kArray: return crdt::Array(t.impl()).length();
    case crdt::TypeKind::kText:
    case crdt::TypeKind::kXmlText: return crdt::Text(t.impl()).length();
    case crdt::TypeKind::kXmlFragment:
    case crdt::TypeKind::kXmlElement: return crdt::XmlFragment(t.impl()).length();
    default: return 0;
  }
}

void check(const roundtable::Status& s, const std::string& what) {
  if (!s.ok()) throw std::runtime_error(what + " failed");
}

// Applies one op; returns false when it was skipped.
bool runOp(crdt::Doc& doc, const Value& op) {
  crdt::TypeRef t = resolve(doc, op);
  if (!t.valid()) return false;
  const std::string name = str(op, "op");
  const crdt::TypeKind k = t.kind();
  const bool isText = k == crdt::TypeKind::kText || k == crdt::TypeKind::kXmlText;
  size_t len = listLength(t);
  auto index = [&]() { return std::min(static_cast<size_t>(num(op, "index")), len); };
  auto count = [&](size_t i) { return std::min(static_cast<size_t>(num(op, "len")), len - i); };
  const Value& attrs = field(op, "attrs");
  const Value* attrsPtr = attrs.isObject() ? &attrs : nullptr;

  if (name == "mapSet" && k == crdt::TypeKind::kMap) {
    crdt::Map(t.impl()).set(str(op, "key"), toInput(op));
  } else if (name == "mapDelete" && k == crdt::TypeKind::kMap) {
    crdt::Map(t.impl()).erase(str(op, "key"));
  } else if (name == "arrayInsert" && k == crdt::TypeKind::kArray) {
    std::vector<crdt::Input> items;
    for (const Value& it : field(op, "items").asArray()) items.push_back(toInput(it));
    check(crdt::Array(t.impl()).insert(index(), std::move(items)), "array insert");
  } else if (name == "arrayDelete" && k == crdt::TypeKind::kArray) {
    size_t i = index(), n = count(i);
    if (n == 0) return false;
    check(crdt::Array(t.impl()).erase(i, n), "array delete");
  } else if (name == "textInsert" && isText) {
    check(crdt::Text(t.impl()).insert(index(), str(op, "text"), attrsPtr), "text insert");
  } else if (name == "textDelete" && isText) {
    size_t i = index(), n = count(i);
    if (n == 0) return false;
    check(crdt::Text(t.impl()).erase(i, n), "text delete");
  } else if (name == "textFormat" && isText) {
    size_t i = index(), n = count(i);
    if (n == 0 || !attrsPtr) return false;
    check(crdt::Text(t.impl()).format(i, n, attrs), "text format");
  } else if (name == "textEmbed" && isText) {
    check(crdt::Text(t.impl()).insertEmbed(index(), crdt::Input(field(op, "embed")), attrsPtr), "insert embed");
  } else if (name == "xmlInsertElement" && isList(k) && k != crdt::TypeKind::kArray) {
    crdt::XmlFragment(t.impl()).insertElement(index(), str(op, "name"));
  } else if (name == "xmlInsertText" && isList(k) && k != crdt::TypeKind::kArray) {
    crdt::XmlFragment(t.impl()).insertText(index());
  } else if (name == "xmlDelete" && isList(k) && k != crdt::TypeKind::kArray) {
    size_t i = index(), n = count(i);
    if (n == 0) return false;
    check(crdt::XmlFragment(t.impl()).erase(i, n), "xml delete");
  } else if (name == "xmlSetAttr" && k == crdt::TypeKind::kXmlElement) {
    crdt::XmlElement(t.impl()).setAttribute(str(op, "key"), crdt::Input(field(op, "value")));
  } else if (name == "xmlRemoveAttr" && k == crdt::TypeKind::kXmlElement) {
    crdt::XmlElement(t.impl()).removeAttribute(str(op, "key"));
  } else {
    return false;
  }
  return true;
}

Value describe(crdt::TypeRef t);

Value describeEntry(const crdt::Entry& e) {
  if (e.kind == crdt::Entry::Kind::kType && e.type) return describe(e.asType());
  Value::Object o;
  o.set("t", "v");
  return Value(std::move(o));
}

// The typed shape of a type (what the op generator needs): kinds, keys,
// children and lengths.
Value describe(crdt::TypeRef t) {
  Value::Object o;
  o.set("t", kindName(t.kind()));
  switch (t.kind()) {
    case crdt::TypeKind::kMap: {
      crdt::Map m(t.impl());
      std::vector<Value::Object::Entry> entries;
      for (const std::string& key : m.keys()) entries.emplace_back(key, describeEntry(*m.get(key)));
      o.set("e", Value(Value::Object::fromEntries(std::move(entries))));
      break;
    }
    case crdt::TypeKind::kArray: {
      Value::Array arr;
      for (const crdt::Entry& e : crdt::Array(t.impl()).toArray()) arr.push_back(describeEntry(e));
      o.set("e", Value::array(std::move(arr)));
      break;
    }
    case crdt::TypeKind::kXmlFragment:
    case crdt::TypeKind::kXmlElement: {
      Value::Array arr;
      for (const crdt::Entry& e : crdt::XmlFragment(t.impl()).toArray()) arr.push_back(describeEntry(e));
      o.set("e", Value::array(std::move(arr)));
      if (t.kind() == crdt::TypeKind::kXmlElement) {
        Value::Array keys;
        for (auto& [key, e] : crdt::XmlElement(t.impl()).getAttributes()) keys.push_back(Value(key));
        o.set("attrs", Value::array(std::move(keys)));
      }
      break;
    }
    case crdt::TypeKind::kText:
    case crdt::TypeKind::kXmlText: o.set("len", Value(static_cast<double>(crdt::Text(t.impl()).length()))); break;
    default: break;
  }
  return Value(std::move(o));
}

struct Hosted {
  std::unique_ptr<crdt::Doc> doc;
  std::vector<std::pair<std::string, crdt::TypeKind>> roots;
  bool v2 = false;
  std::vector<Value> updates;  // base64 strings, in the doc's format
  std::vector<Value> other;    // the same updates in the other format
  std::vector<Value> events;   // one entry per deep-observer call
};

const int kApplyOrigin = 0;  // address used as the origin of applied (remote) updates

std::map<std::string, Hosted> docs;

Value handle(const Value& req) {
  const std::string cmd = str(req, "cmd");
  Value::Object res;
  res.set("ok", true);
  if (cmd == "create") {
    std::string id = str(req, "doc");
    Hosted h;
    crdt::DocOptions opts;
    opts.clientId = static_cast<crdt::ClientId>(num(req, "client"));
    if (field(req, "gc").isBool()) opts.gc = field(req, "gc").asBool();
    h.doc = std::make_unique<crdt::Doc>(opts);
    docs[id] = std::move(h);
    Hosted& hd = docs[id];
    hd.v2 = field(req, "format").isString() && str(req, "format") == "v2";
    hd.doc->onUpdate([&hd](std::span<const uint8_t> u, const void* origin) {
      if (origin == &kApplyOrigin) return;
      (hd.v2 ? hd.other : hd.updates).push_back(Value(base64Encode(std::vector<uint8_t>(u.begin(), u.end()))));
    });
    hd.doc->onUpdateV2([&hd](std::span<const uint8_t> u, const void* origin) {
      if (origin == &kApplyOrigin) return;
      (hd.v2 ? hd.updates : hd.other).push_back(Value(base64Encode(std::vector<uint8_t>(u.begin(), u.end()))));
    });
    const bool events = field(req, "events").isBool() && field(req, "events").asBool();
    for (const Value& r : field(req, "roots").asArray()) {
      const std::string name = r.asArray().at(0).asString();
      crdt::TypeKind kind = kindFromString(r.asArray().at(1).asString());
      crdt::TypeRef root = hd.doc->getRoot(name, kind);
      hd.roots.emplace_back(name, kind);
      if (events) {
        root.observeDeep([&hd, name](const std::vector<const crdt::Event*>& evs, crdt::Transaction&) {
          Value::Array list;
          for (const crdt::Event* e : evs) {
            Value::Object eo;
            eo.set("path", Value::array(e->path()));
            eo.set("delta", e->deltaJSON());
            eo.set("keys", e->keysJSON());
            list.push_back(Value(std::move(eo)));
          }
          Value::Object call;
          call.set("root", name);
          call.set("events", Value::array(std::move(list)));
          hd.events.push_back(Value(std::move(call)));
        });
      }
    }
    return Value(std::move(res));
  }
  const bool v2 = field(req, "format").isString() && str(req, "format") == "v2";
  auto bytes = [&](const char* key) { return base64Decode(str(req, key)); };
  auto must = [](const roundtable::Status& s) {
    if (!s.ok()) throw std::runtime_error(s.message());
  };
  if (cmd == "merge") {
    std::vector<std::vector<uint8_t>> updates;
    for (const Value& u : field(req, "updates").asArray()) updates.push_back(base64Decode(u.asString()));
    std::vector<uint8_t> out;
    must(v2 ? crdt::mergeUpdatesV2(updates, &out) : crdt::mergeUpdates(updates, &out));
    res.set("update", base64Encode(out));
    return Value(std::move(res));
  }
  if (cmd == "diff") {
    std::vector<uint8_t> out;
    must(v2 ? crdt::diffUpdateV2(bytes("update"), bytes("sv"), &out) : crdt::diffUpdate(bytes("update"), bytes("sv"), &out));
    res.set("update", base64Encode(out));
    return Value(std::move(res));
  }
  if (cmd == "svFromUpdate") {
    std::vector<uint8_t> out;
    must(v2 ? crdt::encodeStateVectorFromUpdateV2(bytes("update"), &out) : crdt::encodeStateVectorFromUpdate(bytes("update"), &out));
    res.set("sv", base64Encode(out));
    return Value(std::move(res));
  }
  if (cmd == "meta") {
    crdt::UpdateMeta meta;
    must(v2 ? crdt::parseUpdateMetaV2(bytes("update"), &meta) : crdt::parseUpdateMeta(bytes("update"), &meta));
    auto list = [](const crdt::StateVector& sv) {
      Value::Array a;
      for (auto& [c, k] : sv) a.push_back(Value::array({Value(static_cast<double>(c)), Value(static_cast<double>(k))}));
      return Value::array(std::move(a));
    };
    res.set("from", list(meta.from));
    res.set("to", list(meta.to));
    return Value(std::move(res));
  }
  if (cmd == "convert") {
    std::vector<uint8_t> out;
    must(str(req, "to") == "v2" ? crdt::convertUpdateFormatV1ToV2(bytes("update"), &out)
                                : crdt::convertUpdateFormatV2ToV1(bytes("update"), &out));
    res.set("update", base64Encode(out));
    return Value(std::move(res));
  }
  if (cmd == "replay") {
    crdt::Doc doc(crdt::DocOptions{.clientId = static_cast<crdt::ClientId>(num(req, "client"))});
    crdt::Text text = doc.getText("text");
    for (const Value& txn : field(req, "txns").asArray()) {
      doc.transact([&](crdt::Transaction&) {
        for (const Value& patch : txn.asArray()) {
          const auto& p = patch.asArray();
          const size_t pos = static_cast<size_t>(p.at(0).asNumber());
          const size_t del = static_cast<size_t>(p.at(1).asNumber());
          if (del > 0) check(text.erase(pos, del), "replay delete");
          if (!p.at(2).asString().empty()) check(text.insert(pos, p.at(2).asString()), "replay insert");
        }
      });
    }
    res.set("state", base64Encode(doc.encodeStateAsUpdate()));
    res.set("stateV2", base64Encode(doc.encodeStateAsUpdateV2()));
    return Value(std::move(res));
  }
  auto it = docs.find(str(req, "doc"));
  if (it == docs.end()) throw std::invalid_argument("no such doc");
  Hosted& h = it->second;
  if (cmd == "apply") {
    std::vector<uint8_t> u = base64Decode(str(req, "update"));
    roundtable::Status s = v2 ? h.doc->applyUpdateV2(u, &kApplyOrigin) : h.doc->applyUpdate(u, &kApplyOrigin);
    if (!s.ok()) throw std::runtime_error("applyUpdate failed: " + s.message());
  } else if (cmd == "transact") {
    Value::Array applied;
    std::string error;
    h.doc->transact([&](crdt::Transaction&) {
      for (const Value& op : field(req, "ops").asArray()) {
        try {
          applied.push_back(Value(runOp(*h.doc, op)));
        } catch (const std::exception& e) {
          if (error.empty()) error = e.what();
          applied.push_back(Value(false));
        }
      }
    });
    res.set("applied", Value::array(std::move(applied)));
    if (!error.empty()) res.set("opError", error);
  } else if (cmd == "describe") {
    Value::Object tree;
    for (auto& [name, kind] : h.roots) tree.set(name, describe(h.doc->getRoot(name, kind)));
    res.set("tree", Value(std::move(tree)));
  } else if (cmd == "report") {
    Value::Object json;
    for (auto& [name, kind] : h.roots) json.set(name, h.doc->getRoot(name, kind).toJSON());
    res.set("json", Value(std::move(json)));
    Value::Object sv;
    for (auto& [client, clock] : h.doc->stateVector()) sv.set(std::to_string(client), Value(static_cast<double>(clock)));
    res.set("sv", Value(std::move(sv)));
    res.set("state", Value(base64Encode(h.doc->encodeStateAsUpdate())));
    res.set("stateV2", Value(base64Encode(h.doc->encodeStateAsUpdateV2())));
    res.set("updates", Value::array(std::move(h.updates)));
    res.set("other", Value::array(std::move(h.other)));
    res.set("events", Value::array(std::move(h.events)));
    h.updates.clear();
    h.other.clear();
    h.events.clear();
  } else if (cmd == "drain") {
    res.set("updates", Value::array(std::move(h.updates)));
    res.set("other", Value::array(std::move(h.other)));
    res.set("events", Value::array(std::move(h.events)));
    h.updates.clear();
    h.other.clear();
    h.events.clear();
  } else if (cmd == "destroy") {
    docs.erase(it);
  } else {
    throw std::invalid_argument("unknown cmd " + cmd);
  }
  return Value(std::move(res));
}

}  // namespace

int main() { return roundtable::testing::serveJsonLines(handle); }
