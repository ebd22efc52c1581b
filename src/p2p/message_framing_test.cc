#include "p2p/message_framing.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "lib0/hex_for_tests.h"

namespace roundtable::p2p {
namespace {

using Bytes = std::vector<uint8_t>;
using lib0::testhex::toHex;

Bytes randomBytes(size_t n, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  Bytes b(n);
  for (auto& x : b) x = uint8_t(rng());
  return b;
}

// A frame with any header, as a peer could send it.
Bytes rawFrame(uint32_t id, uint32_t index, uint32_t count, uint32_t total, const Bytes& body) {
  Bytes f = {0xFF, 0x52, 0x54, 0x01};
  for (uint32_t v : {id, index, count, total})
    for (int i = 0; i < 4; ++i) f.push_back(uint8_t(v >> (8 * i)));
  f.insert(f.end(), body.begin(), body.end());
  return f;
}

std::vector<Bytes> framesOf(const Bytes& message, uint32_t id, size_t payload = kChunkPayload) {
  std::vector<Bytes> out;
  for (FrameSplitter s(message, id, payload); !s.done();) out.push_back(s.next());
  return out;
}

TEST(MessageFraming, FramesAreWhatTheWebAppWrites) {
  // 65,517 bytes: one full frame of 65,516 and one of 1 byte (p2pFraming.ts's
  // layout: magic, then id, index, count and total, little-endian).
  Bytes message = randomBytes(kChunkPayload + 1);
  std::vector<Bytes> frames = framesOf(message, 0x01020304);
  ASSERT_EQ(frames.size(), 2u);
  EXPECT_EQ(toHex(Bytes(frames[0].begin(), frames[0].begin() + 20)), "ff525401" "04030201" "00000000" "02000000" "edff0000");
  EXPECT_EQ(toHex(Bytes(frames[1].begin(), frames[1].begin() + 20)), "ff525401" "04030201" "01000000" "02000000" "edff0000");
  EXPECT_EQ(frames[0].size(), kChunkThreshold);
  EXPECT_EQ(frames[1].size(), kFrameHeaderBytes + 1);
  EXPECT_EQ(Bytes(frames[0].begin() + 20, frames[0].end()), Bytes(message.begin(), message.end() - 1));
  EXPECT_EQ(frames[1].back(), message.back());
  EXPECT_TRUE(isFrame(frames[0]));
  EXPECT_FALSE(isFrame(Bytes(frames[0].begin(), frames[0].begin() + 19)));
  EXPECT_EQ(frameCount(0), 0u);
  EXPECT_EQ(frameCount(kChunkPayload), 1u);
  EXPECT_EQ(frameCount(kChunkPayload + 1), 2u);
  EXPECT_EQ(frameCount(10, 3), 4u);
  EXPECT_EQ(FrameSplitter(Bytes{}, 1).count(), 0u);
}

TEST(MessageFraming, SmallMessagesPassUnchangedLargeOnesAreFramed) {
  MessageSplitter splitter;
  std::vector<Bytes> out;
  for (size_t n : {size_t(0), size_t(1), kChunkThreshold - 1, kChunkThreshold}) {
    Bytes message = randomBytes(n, uint32_t(n));
    ASSERT_TRUE(splitter.split(message, &out).ok());
    ASSERT_EQ(out.size(), 1u) << n;
    EXPECT_EQ(out[0], message);
  }
  Bytes large = randomBytes(kChunkThreshold + 1);
  ASSERT_TRUE(splitter.split(large, &out).ok());
  EXPECT_EQ(out, framesOf(large, 1));
  ASSERT_TRUE(splitter.split(large, &out).ok());
  EXPECT_EQ(out, framesOf(large, 2)) << "each framed message has the next id";
  for (const Bytes& f : out) EXPECT_LE(f.size(), kChunkThreshold);

  Bytes tooLarge(kMaxFramedMessageBytes + 1);
  Status s = splitter.split(tooLarge, &out);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(splitter.split(large, &out).ok());
  EXPECT_EQ(out, framesOf(large, 3)) << "a refused message uses no id";
}

TEST(MessageFraming, SplitAndAssembleEverySize) {
  FrameBudget budget;
  FrameAssembler in({}, &budget);
  MessageSplitter splitter;
  std::vector<Bytes> out;
  for (size_t n : {size_t(0), size_t(1), kChunkPayload, kChunkThreshold - 1, kChunkThreshold, kChunkThreshold + 1,
                   2 * kChunkPayload, size_t(3 << 20) + 7}) {
    const Bytes message = randomBytes(n, uint32_t(n) + 5);
    ASSERT_TRUE(splitter.split(message, &out).ok());
    std::optional<Bytes> whole;
    for (size_t i = 0; i < out.size(); ++i) {
      ASSERT_TRUE(in.push(out[i], &whole).ok()) << n << " frame " << i;
      ASSERT_EQ(whole.has_value(), i + 1 == out.size()) << n << " frame " << i;
      if (!whole) {
        EXPECT_EQ(in.pendingBytes(), budget.used());
      }
    }
    EXPECT_EQ(*whole, message) << n;
    EXPECT_EQ(in.pendingBytes(), 0u);
    EXPECT_EQ(budget.used(), 0u);
  }
  for (size_t r = 0; r < kFrameDropReasons; ++r) EXPECT_EQ(in.dropped(FrameDrop(r)), 0u);
}

TEST(MessageFraming, TheLargestMessage) {
  // Random blocks of an odd length, copied (filling 64 MiB byte by byte is slow under ASan).
  const Bytes block = randomBytes(4099, 9);
  Bytes message(kMaxFramedMessageBytes);
  for (size_t i = 0; i < message.size(); i += block.size())
    std::copy_n(block.begin(), std::min(block.size(), message.size() - i), message.begin() + i);
  FrameAssembler in;
  std::optional<Bytes> whole;
  for (FrameSplitter s(message, 7); !s.done();) ASSERT_TRUE(in.push(s.next(), &whole).ok());
  ASSERT_TRUE(whole);
  EXPECT_TRUE(*whole == message);
}

TEST(MessageFraming, NonFramesPassThroughAndLeaveThePartialMessage) {
  FrameAssembler in;
  const Bytes message = randomBytes(kChunkThreshold + 100);
  const std::vector<Bytes> frames = framesOf(message, 4);
  std::optional<Bytes> whole;
  ASSERT_TRUE(in.push(frames[0], &whole).ok());
  EXPECT_FALSE(whole);
  // A y-webrtc sync message, and a 19-byte message that starts with the magic.
  for (const Bytes& other : {Bytes{0, 0, 1, 0}, Bytes{0xFF, 0x52, 0x54, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, Bytes{}}) {
    ASSERT_TRUE(in.push(other, &whole).ok());
    ASSERT_TRUE(whole);
    EXPECT_EQ(*whole, other);
  }
  ASSERT_TRUE(in.push(frames[1], &whole).ok());
  ASSERT_TRUE(whole);
  EXPECT_EQ(*whole, message);
}

TEST(MessageFraming, AcceptsWhatTheWebAppAcceptsWhateverThePayloadSize) {
  // The web app's Reassembler does not insist on its own payload size; nor does the hub.
  FrameAssembler in;
  std::optional<Bytes> whole;
  ASSERT_TRUE(in.push(rawFrame(1, 0, 2, 10, {1, 2, 3}), &whole).ok());
  ASSERT_TRUE(in.push(rawFrame(1, 1, 2, 10, {4, 5, 6, 7, 8, 9, 10}), &whole).ok());
  ASSERT_TRUE(whole);
  EXPECT_EQ(*whole, (Bytes{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  // One frame for a small message.
  ASSERT_TRUE(in.push(rawFrame(2, 0, 1, 1, {42}), &whole).ok());
  EXPECT_EQ(*whole, Bytes{42});
}

struct Refusal {
  const char* what;
  std::vector<Bytes> frames;  // all but the last are taken
  FrameDrop reason;
  StatusCode code;
};

TEST(MessageFraming, RefusesWhatTheWebAppDrops) {
  const Bytes b3 = {1, 2, 3};
  const std::vector<Refusal> cases = {
      {"count 0", {rawFrame(1, 0, 0, 3, b3)}, FrameDrop::kMalformed, StatusCode::kInvalidArgument},
      {"total 0", {rawFrame(1, 0, 1, 0, b3)}, FrameDrop::kMalformed, StatusCode::kInvalidArgument},
      {"count over total", {rawFrame(1, 0, 4, 3, b3)}, FrameDrop::kMalformed, StatusCode::kInvalidArgument},
      {"index past count", {rawFrame(1, 0, 2, 6, b3), rawFrame(1, 2, 2, 6, b3)}, FrameDrop::kMalformed, StatusCode::kInvalidArgument},
      {"empty payload", {rawFrame(1, 0, 2, 6, b3), rawFrame(1, 1, 2, 6, {})}, FrameDrop::kMalformed, StatusCode::kInvalidArgument},
      {"total over 64 MiB", {rawFrame(1, 0, 2, kMaxFramedMessageBytes + 1, b3)}, FrameDrop::kTooLarge, StatusCode::kResourceExhausted},
      {"total over 64 MiB mid-message", {rawFrame(1, 0, 3, 9, b3), rawFrame(1, 1, 3, 0xFFFFFFFF, b3)}, FrameDrop::kTooLarge,
       StatusCode::kResourceExhausted},
      {"no first frame", {rawFrame(1, 1, 2, 6, b3)}, FrameDrop::kOutOfOrder, StatusCode::kInvalidArgument},
      {"index skipped", {rawFrame(1, 0, 3, 9, b3), rawFrame(1, 2, 3, 9, b3)}, FrameDrop::kOutOfOrder, StatusCode::kInvalidArgument},
      {"index repeated", {rawFrame(1, 0, 3, 9, b3), rawFrame(1, 1, 3, 9, b3), rawFrame(1, 1, 3, 9, b3)}, FrameDrop::kOutOfOrder,
       StatusCode::kInvalidArgument},
      {"another id mid-message", {rawFrame(1, 0, 3, 9, b3), rawFrame(2, 1, 3, 9, b3)}, FrameDrop::kOutOfOrder,
       StatusCode::kInvalidArgument},
      {"another count", {rawFrame(1, 0, 3, 9, b3), rawFrame(1, 1, 4, 9, b3)}, FrameDrop::kOutOfOrder, StatusCode::kInvalidArgument},
      {"another total", {rawFrame(1, 0, 3, 9, b3), rawFrame(1, 1, 3, 10, b3)}, FrameDrop::kOutOfOrder, StatusCode::kInvalidArgument},
      {"frame after the last", {rawFrame(1, 0, 1, 3, b3), rawFrame(1, 1, 2, 3, b3)}, FrameDrop::kOutOfOrder,
       StatusCode::kInvalidArgument},
      {"more payload than total", {rawFrame(1, 0, 2, 6, b3), rawFrame(1, 1, 2, 6, Bytes(4, 0))}, FrameDrop::kOverflow,
       StatusCode::kInvalidArgument},
      {"less payload than total", {rawFrame(1, 0, 2, 7, b3), rawFrame(1, 1, 2, 7, b3)}, FrameDrop::kShort, StatusCode::kInvalidArgument},
      {"one frame over its total", {rawFrame(1, 0, 1, 2, b3)}, FrameDrop::kOverflow, StatusCode::kInvalidArgument},
  };
  for (const Refusal& c : cases) {
    FrameAssembler in;
    std::optional<Bytes> whole;
    for (size_t i = 0; i + 1 < c.frames.size(); ++i) {
      ASSERT_TRUE(in.push(c.frames[i], &whole).ok()) << c.what;
      // "frame after the last" completes a message first.
      if (i + 2 < c.frames.size() || std::string(c.what) != "frame after the last") {
        EXPECT_FALSE(whole) << c.what;
      }
    }
    Status s = in.push(c.frames.back(), &whole);
    EXPECT_EQ(s.code(), c.code) << c.what;
    EXPECT_EQ(s.message().rfind(frameDropName(c.reason), 0), 0u) << c.what << ": " << s.message();
    EXPECT_FALSE(whole) << c.what;
    EXPECT_EQ(in.dropped(c.reason), 1u) << c.what;
    EXPECT_EQ(in.pendingBytes(), 0u) << c.what;
    // The partial message is gone (its next frame is out of order), and a new message goes through.
    if (c.frames.size() == 2 && c.reason != FrameDrop::kOutOfOrder) {
      EXPECT_FALSE(in.push(rawFrame(1, 1, 3, 9, b3), &whole).ok()) << c.what;
      EXPECT_EQ(in.dropped(FrameDrop::kOutOfOrder), 1u) << c.what;
    }
    const Bytes message = randomBytes(300);
    for (const Bytes& f : framesOf(message, 5, 100)) ASSERT_TRUE(in.push(f, &whole).ok()) << c.what;
    ASSERT_TRUE(whole) << c.what;
    EXPECT_EQ(*whole, message) << c.what;
  }
}

TEST(MessageFraming, ANewMessageInterruptsThePartialOne) {
  FrameAssembler in;
  std::optional<Bytes> whole;
  const Bytes first = randomBytes(300, 1), second = randomBytes(250, 2);
  const auto a = framesOf(first, 1, 100), b = framesOf(second, 2, 100);
  ASSERT_TRUE(in.push(a[0], &whole).ok());
  ASSERT_TRUE(in.push(a[1], &whole).ok());
  ASSERT_TRUE(in.push(b[0], &whole).ok()) << "a first frame is taken, and drops the partial message";
  EXPECT_EQ(in.dropped(FrameDrop::kInterrupted), 1u);
  EXPECT_EQ(in.push(a[2], &whole).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(in.dropped(FrameDrop::kOutOfOrder), 1u);
  // That drop took the second message too; sent again, it arrives.
  for (const Bytes& f : b) ASSERT_TRUE(in.push(f, &whole).ok());
  ASSERT_TRUE(whole);
  EXPECT_EQ(*whole, second);
  // The same id starting over interrupts too.
  ASSERT_TRUE(in.push(b[0], &whole).ok());
  for (const Bytes& f : b) ASSERT_TRUE(in.push(f, &whole).ok());
  EXPECT_EQ(*whole, second);
  EXPECT_EQ(in.dropped(FrameDrop::kInterrupted), 2u);
  // A first frame can interrupt and be refused itself: two drops.
  ASSERT_TRUE(in.push(b[0], &whole).ok());
  EXPECT_EQ(in.push(rawFrame(3, 0, 1, 5, {1, 2, 3}), &whole).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(in.dropped(FrameDrop::kInterrupted), 3u);
  EXPECT_EQ(in.dropped(FrameDrop::kShort), 1u);
  EXPECT_EQ(in.pendingBytes(), 0u);
}

TEST(MessageFraming, MemoryFollowsWhatArrived) {
  FrameBudget budget;
  {
    FrameAssembler in({}, &budget);
    std::optional<Bytes> whole;
    // A first frame claiming 64 MiB costs 1 MiB, as in the web app.
    ASSERT_TRUE(in.push(rawFrame(1, 0, 1024, kMaxFramedMessageBytes, Bytes(kChunkPayload, 1)), &whole).ok());
    EXPECT_EQ(in.pendingBytes(), size_t(1) << 20);
    EXPECT_EQ(budget.used(), size_t(1) << 20);
    // Small totals cost no more than themselves.
    FrameAssembler small({}, &budget);
    ASSERT_TRUE(small.push(rawFrame(1, 0, 2, 200, Bytes(100, 1)), &whole).ok());
    EXPECT_EQ(small.pendingBytes(), 200u);
    EXPECT_EQ(budget.used(), (size_t(1) << 20) + 200);
    small.reset();
    EXPECT_EQ(budget.used(), size_t(1) << 20);
    // Growth doubles, within the declared total.
    const size_t perMiB = (size_t(1) << 20) / kChunkPayload + 1;
    for (uint32_t i = 1; i < perMiB; ++i)
      ASSERT_TRUE(in.push(rawFrame(1, i, 1024, kMaxFramedMessageBytes, Bytes(kChunkPayload, 1)), &whole).ok());
    EXPECT_EQ(in.pendingBytes(), size_t(2) << 20);
    EXPECT_EQ(budget.used(), size_t(2) << 20);
  }
  EXPECT_EQ(budget.used(), 0u) << "the destructor gives back what it held";
}

TEST(MessageFraming, TheBudgetBoundsEveryConnectionTogether) {
  FrameBudget budget(3 << 20);
  FrameAssembler a({}, &budget), b({}, &budget), c({}, &budget);
  std::optional<Bytes> whole;
  const Bytes body(kChunkPayload, 1);
  ASSERT_TRUE(a.push(rawFrame(1, 0, 100, 100 * kChunkPayload, body), &whole).ok());
  ASSERT_TRUE(b.push(rawFrame(1, 0, 100, 100 * kChunkPayload, body), &whole).ok());
  ASSERT_TRUE(c.push(rawFrame(1, 0, 100, 100 * kChunkPayload, body), &whole).ok());
  EXPECT_EQ(budget.used(), size_t(3) << 20);
  // a needs to grow to 2 MiB: refused, and what a held is given back.
  Status s;
  for (uint32_t i = 1; s.ok(); ++i) s = a.push(rawFrame(1, i, 100, 100 * kChunkPayload, body), &whole);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(a.dropped(FrameDrop::kBudget), 1u);
  EXPECT_EQ(a.pendingBytes(), 0u);
  EXPECT_EQ(budget.used(), size_t(2) << 20);
  // A message that fits still gets through a.
  ASSERT_TRUE(a.push(rawFrame(2, 0, 1, 3, {1, 2, 3}), &whole).ok());
  EXPECT_EQ(*whole, (Bytes{1, 2, 3}));
  EXPECT_FALSE(budget.take((size_t(1) << 20) + 1));
  EXPECT_TRUE(budget.take(size_t(1) << 20));
  budget.give(size_t(1) << 20);
}

TEST(MessageFraming, ASmallerLimitPerMessage) {
  FrameAssembler in({.maxMessageBytes = 1000});
  std::optional<Bytes> whole;
  EXPECT_EQ(in.push(rawFrame(1, 0, 11, 1001, Bytes(100, 0)), &whole).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(in.dropped(FrameDrop::kTooLarge), 1u);
  const Bytes message = randomBytes(1000);
  for (const Bytes& f : framesOf(message, 1, 100)) ASSERT_TRUE(in.push(f, &whole).ok());
  EXPECT_EQ(*whole, message);
}

}  // namespace
}  // namespace roundtable::p2p
