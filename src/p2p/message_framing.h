// The web app's framing of large y-webrtc messages (web/src/collab/
// p2pFraming.ts and chunkedPeer.ts), so that the hub's data channels carry
// what a browser peer sends and reads. Bytes in, bytes out, no I/O.
//
// Browsers refuse data channel messages above 256 KiB, webrtcbin's SCTP above
// 64 KiB, and y-webrtc sends each Yjs message whole; so a message above
// 64 KiB travels as frames (all integers unsigned 32-bit little-endian):
//
//   0..3   magic  FF 52 54 01
//   4..7   message id (per connection)
//   8..11  frame index (0-based)
//   12..15 frame count
//   16..19 total message length in bytes
//   20..   payload (kChunkPayload bytes, the last frame the rest)
//
// No y-webrtc message starts with 0xFF (its first byte is a message type, at
// most 4), so frames and whole messages share the channel:
//
//   sending:   MessageSplitter out;  out.split(message, &dataChannelMessages)
//   receiving: FrameAssembler in(limits, &hubBudget);
//              in.push(dataChannelMessage, &whole)  -> Ok: whole or nothing yet
//                                                   -> error: the partial message dropped
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::p2p {

inline constexpr std::array<uint8_t, 4> kFrameMagic = {0xFF, 0x52, 0x54, 0x01};
inline constexpr size_t kFrameHeaderBytes = 20;
// Messages up to this size go out unchanged; larger ones are split.
inline constexpr size_t kChunkThreshold = 64 * 1024;
// Payload per frame, so that a frame is at most kChunkThreshold bytes.
inline constexpr size_t kChunkPayload = kChunkThreshold - kFrameHeaderBytes;
// The largest message sent or accepted in frames.
inline constexpr size_t kMaxFramedMessageBytes = 64 * 1024 * 1024;
// The web app's bound on all partial messages of a page; a sensible
// FrameBudget for a hub too.
inline constexpr size_t kMaxPendingFrameBytes = 256 * 1024 * 1024;

// True for a data channel message the web app reads as a frame: at least a
// header long and starting with kFrameMagic (p2pFraming.ts isFrame).
bool isFrame(std::span<const uint8_t> data);

// ceil(total / payload): the number of frames of a total-byte message.
// payload must be at least 1.
uint32_t frameCount(size_t total, size_t payload = kChunkPayload);

// The frames of one message, in order, made one at a time (so a sender can
// pace them), byte for byte as p2pFraming.ts encodeFrame makes them. Holds a
// view of the message, which must outlive it. Preconditions: payload >= 1
// and message.size() < 2^32 (the header's total is 32-bit). Peers get
// kChunkPayload, as the web app sends; other payloads are for tests.
class FrameSplitter {
 public:
  FrameSplitter(std::span<const uint8_t> message, uint32_t id, size_t payload = kChunkPayload);

  uint32_t count() const { return count_; }  // 0 for an empty message
  bool done() const { return next_ >= count_; }
  // Frame `next` (header and payload); then the one after. Precondition: !done().
  std::vector<uint8_t> next();

 private:
  std::span<const uint8_t> message_;
  uint32_t id_;
  size_t payload_;
  uint32_t count_;
  uint32_t next_ = 0;
};

// What one connection puts on its data channel for each outgoing y-webrtc
// message, as chunkedPeer.ts send() does: a message of at most
// kChunkThreshold bytes is one data channel message, unchanged (empty ones
// too); a larger one up to kMaxFramedMessageBytes is its frames, under the
// next message id (1, 2, ..., wrapping past 0). One per connection: the
// receiver drops a partial message when frames of another arrive, so frames
// of two messages must never interleave on one channel.
class MessageSplitter {
 public:
  // Replaces *out with the data channel messages for `message`: Ok, or
  // ResourceExhausted (nothing in *out, no id used) for a message over
  // kMaxFramedMessageBytes, which the web app does not send either.
  Status split(std::span<const uint8_t> message, std::vector<std::vector<uint8_t>>* out);

 private:
  uint32_t nextId_ = 1;
};

// The hub-wide total of bytes held for partial messages by every
// FrameAssembler that shares it (the web app bounds a page's the same way).
// Thread-safe; it must outlive the assemblers.
class FrameBudget {
 public:
  explicit FrameBudget(size_t limit = kMaxPendingFrameBytes) : limit_(limit) {}
  FrameBudget(const FrameBudget&) = delete;
  FrameBudget& operator=(const FrameBudget&) = delete;

  // Takes n bytes if that keeps the total within the limit.
  bool take(size_t n);
  void give(size_t n) { used_.fetch_sub(n, std::memory_order_relaxed); }
  size_t used() const { return used_.load(std::memory_order_relaxed); }
  size_t limit() const { return limit_; }

 private:
  const size_t limit_;
  std::atomic<size_t> used_{0};
};

// Why a partial message, or the frame at hand, was dropped: p2pFraming.ts's
// DropReason, by the same names (frameDropName).
enum class FrameDrop {
  kMalformed,    // count or total 0, count > total, index >= count, or no payload
  kTooLarge,     // a total over maxMessageBytes
  kOutOfOrder,   // not the next frame of the message in progress (or none is)
  kInterrupted,  // a new message's first frame arrived before the last one was whole
  kOverflow,     // more payload than the total
  kShort,        // every frame arrived, with less payload than the total
  kBudget,       // the FrameBudget is spent
};
inline constexpr size_t kFrameDropReasons = 7;
const char* frameDropName(FrameDrop reason);

struct FrameAssemblerLimits {
  size_t maxMessageBytes = kMaxFramedMessageBytes;
  // The buffer's first size (or the total, when smaller), as in the web app;
  // smaller only in tests and the fuzzer, so that growth is reached.
  size_t firstBufferBytes = 1024 * 1024;
};

// Reassembles the frames arriving on one connection, accepting exactly what
// p2pFraming.ts's Reassembler accepts. A data channel is ordered and
// reliable and a sender sends one message's frames back to back, so at most
// one message is partial; a frame out of sequence drops it. Memory follows
// what arrived, not what a header claims: the buffer grows as frames come, to
// the largest of what arrived, twice its size and firstBufferBytes, never
// beyond the declared total (itself at most maxMessageBytes), each growth
// taken from the FrameBudget; so pendingBytes() <= max(firstBufferBytes,
// 2 x the payload received).
// Not thread-safe (one connection's messages arrive in order anyway).
class FrameAssembler {
 public:
  // budget: shared by the hub's assemblers, or null for no bound but the
  // per-message one.
  explicit FrameAssembler(FrameAssemblerLimits limits = {}, FrameBudget* budget = nullptr);
  ~FrameAssembler() { reset(); }
  FrameAssembler(const FrameAssembler&) = delete;
  FrameAssembler& operator=(const FrameAssembler&) = delete;

  // One data channel message in:
  // - not a frame (isFrame): Ok, *whole = it, unchanged (the partial message
  //   in progress, if any, stays);
  // - a frame that completes its message: Ok, *whole = the message;
  // - a frame that is taken, more to come: Ok, *whole = nullopt (when it is a
  //   first frame and another message was partial, that one is dropped,
  //   counted as kInterrupted);
  // - anything else: the partial message is dropped, *whole = nullopt, and
  //   InvalidArgument (malformed, out of order, overflow, short) or
  //   ResourceExhausted (too large, budget), whose message starts with
  //   frameDropName's name. Every drop is counted in dropped().
  Status push(std::span<const uint8_t> data, std::optional<std::vector<uint8_t>>* whole);

  // Bytes held for the message in progress (its buffer, as taken from the budget).
  size_t pendingBytes() const { return reserved_; }
  uint64_t dropped(FrameDrop reason) const { return dropped_[static_cast<size_t>(reason)]; }
  // Forgets the message in progress (the connection closed); the destructor does too.
  void reset();

 private:
  struct InProgress {
    uint32_t id, count, total, next;
    std::vector<uint8_t> buf;  // what arrived; capacity reserved_
  };
  Status drop(FrameDrop reason, const char* detail);
  bool grow(size_t needed);

  FrameAssemblerLimits limits_;
  FrameBudget* budget_;
  std::optional<InProgress> cur_;
  size_t reserved_ = 0;
  std::array<uint64_t, kFrameDropReasons> dropped_{};
};

}  // namespace roundtable::p2p
