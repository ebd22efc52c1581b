// plan_driver: the C++ plan conversions (src/plan) for the Node tests that
// hold them against the real BlockNote and lz-string packages. JSON lines:
// one request per stdin line ({"cmd": ...}), one answer per stdout line
// ({"ok": true, ...}); a failure answers {"ok": false, "error": "..."}.
//
// Commands (each added with the code it tests):
//   (none yet)

#include <stdexcept>
#include <string>

#include "json_lines.h"

using roundtable::lib0::Value;

namespace {

Value handle(const Value& req) {
  const Value* cmd = req.asObject().get("cmd");
  if (!cmd || !cmd->isString()) throw std::invalid_argument("request without \"cmd\"");
  throw std::invalid_argument("unknown cmd " + cmd->asString());
}

}  // namespace

int main() { return roundtable::testing::serveJsonLines(handle); }
