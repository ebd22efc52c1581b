// webrtc_driver: one C++ WebRTC peer (src/webrtc/peer_connection.h) for
// tests/interop/webrtc_peer.test.mjs, which connects simple-peer to it.
// JSON lines: requests on stdin, answers and events on stdout (bytes as hex).
//
// Requests (answered {"id":N,"ok":true} or {"id":N,"ok":false,"error":"..."}):
//   {"id":N,"cmd":"create","initiator":true|false,"maxMessageBytes":M?}
//   {"id":N,"cmd":"signal","signal":{...simple-peer's signal...}}
//   {"id":N,"cmd":"send","hex":"..."}
//   {"id":N,"cmd":"sendRepeat","byte":B,"size":S}   one message of S bytes B
//   {"id":N,"cmd":"buffered"}                        -> {"id":N,"ok":true,"bytes":K}
//   {"id":N,"cmd":"close"}
// Events:
//   {"event":"signal","signal":{...}}  {"event":"open"}
//   {"event":"message","size":S,"hex":"..." (messages up to 4 KiB) ,"sum":C}
//   {"event":"closed","reason":"..."}
// "sum" is the byte sum of a message modulo 2^32, for large ones.

#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "lib0/hex_for_tests.h"
#include "lib0/json.h"
#include "roundtable/lib0/value.h"
#include "webrtc/peer_connection.h"

using roundtable::Status;
using roundtable::lib0::Value;
namespace webrtc = roundtable::webrtc;

namespace {

std::mutex outMutex;

void writeLine(const Value& v) {
  std::lock_guard lock(outMutex);
  std::cout << roundtable::lib0::toJSON(v) << '\n' << std::flush;
}

void event(const char* name, const char* key = nullptr, Value value = Value()) {
  Value::Object o;
  o.set("event", name);
  if (key) o.set(key, std::move(value));
  writeLine(Value(std::move(o)));
}

const Value* get(const Value& v, const char* key) { return v.isObject() ? v.asObject().get(key) : nullptr; }

}  // namespace

int main() {
  std::ios::sync_with_stdio(false);
  std::unique_ptr<webrtc::PeerConnection> pc;
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    Value::Object reply;
    Status status = Status::Ok();
    try {
      Value req = roundtable::lib0::parseJSON(line);
      if (const Value* id = get(req, "id")) reply.set("id", *id);
      const std::string& cmd = get(req, "cmd")->asString();
      if (cmd == "create") {
        webrtc::PeerOptions options;
        options.initiator = get(req, "initiator")->asBool();
        if (const Value* m = get(req, "maxMessageBytes")) options.maxMessageBytes = static_cast<size_t>(m->asNumber());
        webrtc::PeerConnection::Events ev;
        ev.signal = [](Value s) { event("signal", "signal", std::move(s)); };
        ev.open = [] { event("open"); };
        ev.message = [](std::vector<uint8_t> m) {
          uint32_t sum = 0;
          for (uint8_t b : m) sum += b;
          Value::Object o;
          o.set("event", "message");
          o.set("size", static_cast<double>(m.size()));
          o.set("sum", static_cast<double>(sum));
          if (m.size() <= 4096) o.set("hex", roundtable::lib0::testhex::toHex(m));
          writeLine(Value(std::move(o)));
        };
        ev.closed = [](std::string why) { event("closed", "reason", std::move(why)); };
        status = webrtc::PeerConnection::create(options, std::move(ev), &pc);
      } else if (!pc) {
        status = Status::FailedPrecondition("no connection");
      } else if (cmd == "signal") {
        status = pc->signal(*get(req, "signal"));
      } else if (cmd == "send") {
        status = pc->send(roundtable::lib0::testhex::fromHex(get(req, "hex")->asString()));
      } else if (cmd == "sendRepeat") {
        std::vector<uint8_t> m(static_cast<size_t>(get(req, "size")->asNumber()),
                               static_cast<uint8_t>(get(req, "byte")->asNumber()));
        status = pc->send(m);
      } else if (cmd == "buffered") {
        reply.set("bytes", static_cast<double>(pc->bufferedAmount()));
      } else if (cmd == "close") {
        pc.reset();
      } else {
        status = Status::InvalidArgument("unknown cmd " + cmd);
      }
    } catch (const std::exception& e) {
      status = Status::InvalidArgument(e.what());
    }
    reply.set("ok", status.ok());
    if (!status.ok()) reply.set("error", status.message());
    writeLine(Value(std::move(reply)));
  }
  pc.reset();
  return 0;
}
