// libFuzzer target: the bytes a WebSocket client sends, through
// websocket::FrameReader, in pieces whose sizes the input's first byte picks.
// Besides the sanitizers, it checks the reader's promises and aborts when one
// breaks:
//  * no message is longer than the limit, and text messages are UTF-8;
//  * control payloads fit a control frame;
//  * after an error nothing more is consumed;
//  * feeding the same bytes whole gives the same events as feeding them in pieces.
//
//   ./build-fuzz/roundtable_websocket_frame_fuzz -max_len=16384 -max_total_time=60 CORPUS_DIR
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "lib0/utf.h"
#include "websocket/frame_reader.h"

namespace {

using roundtable::websocket::FrameReader;
using roundtable::websocket::ReadEvent;

constexpr size_t kMaxMessage = 4096;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "websocket_frame_fuzz: %s\n", what);
    std::abort();
  }
}

struct Seen {
  int kind;
  std::vector<uint8_t> payload;
  bool operator==(const Seen&) const = default;
};

std::vector<Seen> feed(const uint8_t* data, size_t size, size_t piece) {
  FrameReader reader(kMaxMessage);
  std::vector<Seen> seen;
  bool failed = false;
  size_t pos = 0;
  while (pos < size) {
    size_t n = std::min(piece, size - pos);
    const uint8_t* p = data + pos;
    size_t left = n;
    while (left > 0) {
      ReadEvent e;
      size_t used = reader.read(p, left, e);
      check(used <= left, "consumed more than given");
      if (failed) check(used == 0 && e.kind == ReadEvent::kNeedMore, "consumed after an error");
      p += used;
      left -= used;
      if (e.kind == ReadEvent::kMessage) {
        check(e.payload.size() <= kMaxMessage, "message over the limit");
        if (e.text)
          check(roundtable::lib0::isValidUtf8(
                    std::string_view(reinterpret_cast<const char*>(e.payload.data()), e.payload.size())),
                "text message not UTF-8");
      }
      if (e.kind == ReadEvent::kPing || e.kind == ReadEvent::kPong)
        check(e.payload.size() <= 125, "control payload too long");
      if (e.kind != ReadEvent::kNeedMore) seen.push_back({e.kind, e.payload});
      if (e.kind == ReadEvent::kError) failed = true;
      if (used == 0) break;
    }
    pos += n;
  }
  return seen;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t piece = 1 + data[0] % 17;
  auto pieces = feed(data + 1, size - 1, piece);
  auto whole = feed(data + 1, size - 1, size);
  check(pieces == whole, "pieces and whole input disagree");
  return 0;
}
