#include "websocket/frame_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "websocket/frame.h"

namespace roundtable::websocket {
namespace {

// A client frame: `first` is FIN/RSV/opcode, masked with `mask`.
std::vector<uint8_t> clientFrame(uint8_t first, const std::vector<uint8_t>& payload,
                                 std::array<uint8_t, 4> mask = {0x12, 0x34, 0x56, 0x78}) {
  std::vector<uint8_t> f{first};
  size_t n = payload.size();
  if (n < 126) {
    f.push_back(0x80 | static_cast<uint8_t>(n));
  } else if (n <= 0xFFFF) {
    f.push_back(0x80 | 126);
    f.push_back(static_cast<uint8_t>(n >> 8));
    f.push_back(static_cast<uint8_t>(n));
  } else {
    f.push_back(0x80 | 127);
    for (int i = 7; i >= 0; --i) f.push_back(static_cast<uint8_t>(uint64_t(n) >> (8 * i)));
  }
  f.insert(f.end(), mask.begin(), mask.end());
  for (size_t i = 0; i < n; ++i) f.push_back(payload[i] ^ mask[i & 3]);
  return f;
}
std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }
std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts) {
  std::vector<uint8_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Everything the reader reports for `input`, fed `chunk` bytes at a time.
std::vector<ReadEvent> readAll(const std::vector<uint8_t>& input, size_t chunk = SIZE_MAX, size_t max = 1 << 20) {
  FrameReader reader(max);
  std::vector<ReadEvent> events;
  size_t pos = 0;
  while (pos < input.size()) {
    size_t end = std::min(input.size(), pos + std::min(chunk, input.size() - pos));
    const uint8_t* data = input.data() + pos;
    size_t size = end - pos;
    while (size > 0) {
      ReadEvent e;
      size_t used = reader.read(data, size, e);
      data += used;
      size -= used;
      if (e.kind != ReadEvent::kNeedMore) events.push_back(std::move(e));
      if (!events.empty() && events.back().kind == ReadEvent::kError) return events;
      if (used == 0 && e.kind == ReadEvent::kNeedMore) break;
    }
    pos = end;
  }
  return events;
}

TEST(FrameReaderTest, MessagesInAnyPiecesAreTheSame) {
  std::vector<uint8_t> big(70000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<uint8_t>(i * 7);
  auto input = cat({clientFrame(0x82, bytes("hello")), clientFrame(0x81, bytes("{\"type\":\"ping\"}")),
                    clientFrame(0x82, std::vector<uint8_t>(300, 9)), clientFrame(0x82, big), clientFrame(0x82, {})});
  for (size_t chunk : {size_t(1), size_t(2), size_t(3), size_t(7), size_t(1000), SIZE_MAX}) {
    auto events = readAll(input, chunk);
    ASSERT_EQ(events.size(), 5u) << "chunk " << chunk;
    EXPECT_EQ(events[0].payload, bytes("hello"));
    EXPECT_FALSE(events[0].text);
    EXPECT_TRUE(events[1].text);
    EXPECT_EQ(events[1].payload, bytes("{\"type\":\"ping\"}"));
    EXPECT_EQ(events[2].payload, std::vector<uint8_t>(300, 9));
    EXPECT_EQ(events[3].payload, big);
    EXPECT_EQ(events[4].kind, ReadEvent::kMessage);
    EXPECT_TRUE(events[4].payload.empty());
  }
}

TEST(FrameReaderTest, FragmentsWithAControlFrameBetweenMakeOneMessage) {
  auto input = cat({clientFrame(0x02, bytes("ab")), clientFrame(0x89, bytes("p")), clientFrame(0x00, bytes("cd")),
                    clientFrame(0x80, bytes("e"))});
  for (size_t chunk : {size_t(1), SIZE_MAX}) {
    auto events = readAll(input, chunk);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, ReadEvent::kPing);
    EXPECT_EQ(events[0].payload, bytes("p"));
    EXPECT_EQ(events[1].kind, ReadEvent::kMessage);
    EXPECT_EQ(events[1].payload, bytes("abcde"));
  }
}

TEST(FrameReaderTest, CloseFrames) {
  auto events = readAll(clientFrame(0x88, {0x03, 0xE8, 'b', 'y', 'e'}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, ReadEvent::kClose);
  EXPECT_EQ(events[0].code, CloseCode::kNormal);
  EXPECT_EQ(events[0].reason, "bye");
  events = readAll(clientFrame(0x88, {}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, CloseCode::kNoStatus);
}

struct Violation {
  const char* what;
  std::vector<uint8_t> input;
  CloseCode code;
};

TEST(FrameReaderTest, ViolationsAreErrorsWithTheirCloseCode) {
  std::vector<uint8_t> unmasked{0x82, 0x01, 'x'};
  std::vector<uint8_t> len16short{0x82, 0x80 | 126, 0x00, 0x05, 0, 0, 0, 0};
  std::vector<uint8_t> len64short{0x82, 0x80 | 127, 0, 0, 0, 0, 0, 0, 0x01, 0x00, 0, 0, 0, 0};
  std::vector<uint8_t> len64msb{0x82, 0x80 | 127, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  std::vector<uint8_t> huge{0x82, 0x80 | 127, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0};  // 2^40, no payload
  const std::vector<Violation> cases = {
      {"unmasked", unmasked, CloseCode::kProtocolError},
      {"RSV1", clientFrame(0xC2, bytes("x")), CloseCode::kProtocolError},
      {"RSV3", clientFrame(0x92, bytes("x")), CloseCode::kProtocolError},
      {"opcode 3", clientFrame(0x83, bytes("x")), CloseCode::kProtocolError},
      {"opcode 0xB", clientFrame(0x8B, bytes("x")), CloseCode::kProtocolError},
      {"continuation first", clientFrame(0x80, bytes("x")), CloseCode::kProtocolError},
      {"new message mid-message", cat({clientFrame(0x02, bytes("a")), clientFrame(0x82, bytes("b"))}),
       CloseCode::kProtocolError},
      {"long ping", clientFrame(0x89, std::vector<uint8_t>(126, 1)), CloseCode::kProtocolError},
      {"fragmented ping", clientFrame(0x09, bytes("x")), CloseCode::kProtocolError},
      {"16-bit length under 126", len16short, CloseCode::kProtocolError},
      {"64-bit length under 65536", len64short, CloseCode::kProtocolError},
      {"64-bit length MSB", len64msb, CloseCode::kProtocolError},
      {"close of one byte", clientFrame(0x88, {0x03}), CloseCode::kProtocolError},
      {"close code 1005", clientFrame(0x88, {0x03, 0xED}), CloseCode::kProtocolError},
      {"close code 999", clientFrame(0x88, {0x03, 0xE7}), CloseCode::kProtocolError},
      {"close code 5000", clientFrame(0x88, {0x13, 0x88}), CloseCode::kProtocolError},
      {"close reason not UTF-8", clientFrame(0x88, {0x03, 0xE8, 0xFF}), CloseCode::kInvalidPayload},
      {"text not UTF-8", clientFrame(0x81, {'a', 0xC3}), CloseCode::kInvalidPayload},
      {"text split inside a character, then bad", cat({clientFrame(0x01, {0xC3}), clientFrame(0x80, {'('})}),
       CloseCode::kInvalidPayload},
      {"declared 2^40 bytes", huge, CloseCode::kTooBig},
      {"fragments over the limit", cat({clientFrame(0x02, std::vector<uint8_t>(600, 1)), clientFrame(0x80, std::vector<uint8_t>(600, 1))}),
       CloseCode::kTooBig},
  };
  for (const auto& c : cases) {
    auto events = readAll(c.input, SIZE_MAX, 1000);
    ASSERT_FALSE(events.empty()) << c.what;
    EXPECT_EQ(events.back().kind, ReadEvent::kError) << c.what;
    EXPECT_EQ(events.back().code, c.code) << c.what << ": " << events.back().reason;
  }
  // A character split across fragments is fine.
  auto events = readAll(cat({clientFrame(0x01, {0xC3}), clientFrame(0x80, {0xA9})}));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload, (std::vector<uint8_t>{0xC3, 0xA9}));
}

TEST(FrameReaderTest, AfterAnErrorNothingMoreIsConsumed) {
  FrameReader reader(1000);
  auto input = cat({clientFrame(0xC2, bytes("x")), clientFrame(0x82, bytes("y"))});
  ReadEvent e;
  size_t used = reader.read(input.data(), input.size(), e);
  EXPECT_EQ(e.kind, ReadEvent::kError);
  EXPECT_EQ(reader.read(input.data() + used, input.size() - used, e), 0u);
}

TEST(FrameReaderTest, RandomBytesNeverCrashAndEndInAnError) {
  std::mt19937 rng(42);
  for (int run = 0; run < 2000; ++run) {
    std::vector<uint8_t> input(rng() % 200);
    for (auto& b : input) b = static_cast<uint8_t>(rng());
    auto events = readAll(input, 1 + rng() % 16, 4096);
    for (const auto& e : events) {
      if (e.kind == ReadEvent::kMessage) {
        EXPECT_LE(e.payload.size(), 4096u);
      }
    }
  }
}

TEST(FrameTest, ServerHeadersUseTheShortestLength) {
  auto h = serverFrameHeader(Opcode::kBinary, 125);
  EXPECT_EQ(h.size, 2);
  EXPECT_EQ(h.bytes[0], 0x82);
  EXPECT_EQ(h.bytes[1], 125);
  h = serverFrameHeader(Opcode::kText, 126);
  EXPECT_EQ(h.size, 4);
  EXPECT_EQ(h.bytes[1], 126);
  EXPECT_EQ(h.bytes[3], 126);
  h = serverFrameHeader(Opcode::kBinary, 65536);
  EXPECT_EQ(h.size, 10);
  EXPECT_EQ(h.bytes[1], 127);
  EXPECT_EQ(h.bytes[7], 0x01);
  EXPECT_EQ(h.bytes[8], 0x00);
}

TEST(FrameTest, CloseReasonIsCutAtACharacterBoundary) {
  std::string reason(122, 'a');
  reason += "\xC3\xA9";  // 124 bytes: the last character does not fit
  auto p = closePayload(CloseCode::kPolicyViolation, reason);
  EXPECT_EQ(p.size(), 2u + 122u);
  EXPECT_EQ(p[0], 0x03);
  EXPECT_EQ(p[1], 0xF0);
}

}  // namespace
}  // namespace roundtable::websocket
