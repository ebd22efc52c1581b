// plan_driver: the C++ plan conversions (src/plan) for the Node tests that
// hold them against the real BlockNote and lz-string packages. JSON lines:
// one request per stdin line ({"cmd": ...}), one answer per stdout line
// ({"ok": true, ...}); a failure answers {"ok": false, "error": "..."}.
//
// Commands (each added with the code it tests):
//   {"cmd":"lzCompress","text":S}      -> {"ok":true,"out":compressToEncodedURIComponent(S)}
//   {"cmd":"lzDecompress","data":D}    -> {"ok":true,"text":decompressFromEncodedURIComponent(D)}
//       "text" is null where the C++ rejects D; optional "maxTextUnits" sets
//       the output cap (plan/lz_string.h).
// Strings travel as JSON, so lone surrogates arrive and leave as \udxxx escapes.

#include <stdexcept>
#include <string>

#include "json_lines.h"
#include "plan/lz_string.h"

using roundtable::lib0::Value;

namespace {

const std::string& stringField(const Value& req, const char* name) {
  const Value* v = req.asObject().get(name);
  if (!v || !v->isString()) throw std::invalid_argument(std::string("request without string \"") + name + "\"");
  return v->asString();
}

Value ok(const char* key, Value v) {
  Value::Object o;
  o.set("ok", true);
  o.set(key, std::move(v));
  return Value(std::move(o));
}

Value handle(const Value& req) {
  const std::string& cmd = stringField(req, "cmd");
  if (cmd == "lzCompress") return ok("out", roundtable::plan::compressToEncodedURIComponent(stringField(req, "text")));
  if (cmd == "lzDecompress") {
    size_t cap = roundtable::plan::kLzMaxTextUnits;
    if (const Value* m = req.asObject().get("maxTextUnits"); m && m->isNumber()) cap = static_cast<size_t>(m->asNumber());
    auto text = roundtable::plan::decompressFromEncodedURIComponent(stringField(req, "data"), cap);
    return ok("text", text ? Value(std::move(*text)) : Value::null());
  }
  throw std::invalid_argument("unknown cmd " + cmd);
}

}  // namespace

int main() { return roundtable::testing::serveJsonLines(handle); }
