// libFuzzer target: one y-webrtc signaling message through the relay's
// reader (signaling/message.h), as text and as a binary frame. Besides the
// sanitizers, it checks the promises of message.h and aborts when one breaks:
//  * whatever the input, reading returns (no crash, no deep recursion);
//  * an accepted publish is relayed as a JSON object equal to the message
//    with `clients` set, and its text starts with the bytes that arrived;
//  * a binary frame is accepted only if it is UTF-8, and then exactly as text.
//
// Build and run (clang):
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DROUNDTABLE_FUZZ=ON -DROUNDTABLE_TESTS=OFF \
//     -DROUNDTABLE_BENCH=OFF && cmake --build build-fuzz --target roundtable_signaling_message_fuzz
//   ./build-fuzz/roundtable_signaling_message_fuzz -max_len=16384 -max_total_time=60 CORPUS_DIR tests/fuzz/corpus/signaling_message
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "lib0/json.h"
#include "lib0/utf.h"
#include "signaling/message.h"

namespace {

namespace sig = roundtable::signaling;
namespace lib0 = roundtable::lib0;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "broken promise: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  bool utf8 = lib0::isValidUtf8(text);
  sig::Message asBinary;
  bool binaryOk = sig::parseMessage(text, /*isText=*/false, &asBinary).ok();
  if (!utf8) {
    check(!binaryOk, "a binary frame that is not UTF-8 was accepted");
    return 0;  // the WebSocket reader never hands such a text frame over
  }
  sig::Message m;
  bool ok = sig::parseMessage(text, /*isText=*/true, &m).ok();
  check(ok == binaryOk, "a UTF-8 binary frame was read differently from a text frame");
  if (!ok || m.kind != sig::Message::Kind::kPublish) return 0;

  std::string relayed = sig::relayedPublish(text, 7);
  check(std::string_view(relayed).starts_with(text.substr(0, text.find_last_not_of(" \t\r\n"))),
        "the relayed publish does not start with the bytes that arrived");
  lib0::Value sent = lib0::parseJSON(text);
  lib0::Value out = lib0::parseJSON(relayed);  // throws (and so crashes the target) if not JSON
  check(out.isObject(), "the relayed publish is not an object");
  const lib0::Value* clients = out.asObject().get("clients");
  check(clients && clients->isNumber() && clients->asNumber() == 7, "the relayed publish lacks clients: 7");
  lib0::Value::Object expected = sent.asObject();
  expected.set("clients", lib0::Value(7));
  check(out.asObject() == expected, "the relayed publish differs from the message with clients set");
  return 0;
}
