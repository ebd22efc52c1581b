// libFuzzer target: the frames of large y-webrtc messages as two browser
// connections could send them to the hub (src/p2p/message_framing.h), into
// two FrameAssemblers sharing one FrameBudget. Limits are small (4 KiB per
// message, 64-byte first buffers, a 6 KiB budget), so that inputs reach
// every drop and the buffer's growth.
//
// Input: records of [op byte: bit 7 the connection, bits 0-1 the kind,
// bits 2-6 a parameter p], then the kind's bytes:
//   0 raw:      [len] bytes, pushed as one data channel message (with the
//               frame magic in front when p is odd, so headers are reached)
//   1 message:  [id][len lo][len hi] bytes, framed by FrameSplitter with a
//               payload of p + 1 (p < 16) or 64 (p - 15), and every frame pushed
//   2 mangled:  as 1, then [frames to push][position][xor]: only that many
//               frames, one byte of the stream flipped
//   3 reset:    the connection closes
// Invariants: no crash; the budget is the sum of what the assemblers hold and
// within its limit, and each holds at most max(64, 2 x what arrived) bytes of
// a message; an error drops the partial message and names a counted reason;
// a non-frame comes out unchanged; a message comes out only as the
// concatenation of its frames' payloads, and when those are evenly sized it
// is exactly what FrameSplitter makes of it; a message framed whole comes out
// whole unless it is over the limit or the budget is spent.
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "p2p/message_framing.h"

namespace {

using namespace roundtable;
using namespace roundtable::p2p;
using Bytes = std::vector<uint8_t>;

constexpr FrameAssemblerLimits kLimits{.maxMessageBytes = 4096, .firstBufferBytes = 64};
constexpr size_t kBudget = 6144;

uint32_t u32(const Bytes& f, size_t at) { return f[at] | (f[at + 1] << 8) | (f[at + 2] << 16) | (uint32_t(f[at + 3]) << 24); }

struct Connection {
  explicit Connection(FrameBudget* budget) : in(kLimits, budget) {}
  FrameAssembler in;
  std::vector<Bytes> run;  // the frames taken since the message in progress began
  size_t received = 0;     // their payload
};

void check(bool ok) {
  if (!ok) std::abort();
}

// One data channel message into one connection, against the invariants.
// Returns the push's Status.
Status push(Connection& c, const Bytes& data, std::optional<Bytes>* whole) {
  uint64_t before[kFrameDropReasons];
  for (size_t r = 0; r < kFrameDropReasons; ++r) before[r] = c.in.dropped(FrameDrop(r));
  const Status s = c.in.push(data, whole);
  uint64_t newDrops = 0;
  for (size_t r = 0; r < kFrameDropReasons; ++r) newDrops += c.in.dropped(FrameDrop(r)) - before[r];
  // Only a first frame interrupts, and only a message in progress; the same
  // frame may then be refused too (two drops, as in the web app).
  const uint64_t interrupted = c.in.dropped(FrameDrop::kInterrupted) - before[size_t(FrameDrop::kInterrupted)];
  check(interrupted == 0 || (interrupted == 1 && isFrame(data) && u32(data, 8) == 0 && !c.run.empty()));
  if (!s.ok()) {
    check(!*whole && c.in.pendingBytes() == 0);
    check(s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kResourceExhausted);
    bool named = false;
    for (size_t r = 0; r < kFrameDropReasons; ++r) {
      const std::string name = frameDropName(FrameDrop(r));
      if (s.message().rfind(name + ":", 0) == 0) named = FrameDrop(r) != FrameDrop::kInterrupted && c.in.dropped(FrameDrop(r)) == before[r] + 1;
    }
    check(named && newDrops == 1 + interrupted);
    c.run.clear();
    c.received = 0;
    return s;
  }
  if (!isFrame(data)) {
    check(*whole && **whole == data && newDrops == 0);
    return s;
  }
  // A frame taken: a first frame begins a run (dropping any other, counted).
  const uint32_t index = u32(data, 8);
  if (index == 0) {
    check(newDrops == interrupted && interrupted == (c.run.empty() ? 0u : 1u));
    c.run.clear();
    c.received = 0;
  } else {
    check(newDrops == 0 && !c.run.empty());
  }
  c.run.push_back(data);
  c.received += data.size() - kFrameHeaderBytes;
  if (!*whole) {
    check(c.in.pendingBytes() >= c.received && c.in.pendingBytes() <= std::max<size_t>(kLimits.firstBufferBytes, 2 * c.received));
    return s;
  }
  // A whole message: its frames' payloads, in order; the headers agree.
  const Bytes& message = **whole;
  const uint32_t id = u32(c.run[0], 4), count = u32(c.run[0], 12), total = u32(c.run[0], 16);
  check(message.size() == total && total <= kLimits.maxMessageBytes && c.run.size() == count);
  size_t at = 0;
  bool even = true;
  const size_t payload = c.run[0].size() - kFrameHeaderBytes;
  for (size_t i = 0; i < c.run.size(); ++i) {
    const Bytes& f = c.run[i];
    check(u32(f, 4) == id && u32(f, 8) == i && u32(f, 12) == count && u32(f, 16) == total);
    const size_t n = f.size() - kFrameHeaderBytes;
    check(at + n <= message.size() && std::equal(f.begin() + kFrameHeaderBytes, f.end(), message.begin() + at));
    at += n;
    if (i + 1 < c.run.size() ? n != payload : n > payload) even = false;
  }
  check(at == message.size());
  if (even) {
    FrameSplitter split(message, id, payload);
    for (const Bytes& f : c.run) check(!split.done() && split.next() == f);
    check(split.done());
  }
  check(c.in.pendingBytes() == 0);
  c.run.clear();
  c.received = 0;
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FrameBudget budget(kBudget);
  Connection conns[2] = {Connection(&budget), Connection(&budget)};
  std::span<const uint8_t> in(data, size);
  auto take = [&](size_t n) {
    n = std::min(n, in.size());
    Bytes out(in.begin(), in.begin() + n);
    in = in.subspan(n);
    return out;
  };
  auto byte = [&]() -> uint8_t { return in.empty() ? 0 : take(1)[0]; };
  std::optional<Bytes> whole;
  while (!in.empty()) {
    const uint8_t op = byte();
    Connection& c = conns[op >> 7];
    Connection& other = conns[1 - (op >> 7)];
    const uint8_t p = (op >> 2) & 31;
    switch (op & 3) {
      case 0: {
        Bytes message = take(byte());
        if (p & 1) message.insert(message.begin(), kFrameMagic.begin(), kFrameMagic.end());
        (void)push(c, message, &whole);
        break;
      }
      case 1:
      case 2: {
        const uint32_t id = byte();
        const size_t len = byte() | (size_t(byte()) << 8);
        const Bytes message = take(len);
        std::vector<Bytes> frames;
        for (FrameSplitter split(message, id, p < 16 ? p + 1 : 64 * (p - 15)); !split.done();) frames.push_back(split.next());
        if ((op & 3) == 1) {
          whole.reset();
          // Room in the budget for the whole message, counting what this connection gives back.
          const bool fits = budget.used() - c.in.pendingBytes() + message.size() <= kBudget;
          for (size_t i = 0; i < frames.size(); ++i) {
            const Status s = push(c, frames[i], &whole);
            if (message.size() > kLimits.maxMessageBytes) {
              check(c.in.dropped(FrameDrop::kTooLarge) > 0 && !s.ok());
              break;
            }
            if (!s.ok()) {
              check(!fits && s.message().rfind("budget:", 0) == 0);
              break;
            }
            check(whole.has_value() == (i + 1 == frames.size()));
          }
          if (whole) check(*whole == message);
        } else {
          const size_t n = std::min<size_t>(byte(), frames.size());
          const uint8_t position = byte(), flip = byte();
          for (size_t i = 0; i < n; ++i) {
            if (i == position % n) frames[i][(position * 7u) % frames[i].size()] ^= flip;
            (void)push(c, frames[i], &whole);
          }
        }
        break;
      }
      case 3:
        c.in.reset();
        c.run.clear();
        c.received = 0;
        break;
    }
    check(c.in.pendingBytes() <= kLimits.maxMessageBytes && other.in.pendingBytes() <= kLimits.maxMessageBytes);
    check(budget.used() == c.in.pendingBytes() + other.in.pendingBytes() && budget.used() <= kBudget);
  }
  return 0;
}
