#include "p2p/message_framing.h"

#include <algorithm>
#include <cassert>
#include <cstring>
#include <string>

namespace roundtable::p2p {
namespace {

uint32_t readU32(const uint8_t* p) { return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t(p[3]) << 24); }

void writeU32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}

}  // namespace

bool isFrame(std::span<const uint8_t> data) {
  return data.size() >= kFrameHeaderBytes && std::equal(kFrameMagic.begin(), kFrameMagic.end(), data.begin());
}

uint32_t frameCount(size_t total, size_t payload) {
  assert(payload >= 1);
  return uint32_t(total / payload + (total % payload != 0));
}

FrameSplitter::FrameSplitter(std::span<const uint8_t> message, uint32_t id, size_t payload)
    : message_(message), id_(id), payload_(payload), count_(frameCount(message.size(), payload)) {
  assert(message.size() <= UINT32_MAX);
}

std::vector<uint8_t> FrameSplitter::next() {
  assert(!done());
  const size_t start = size_t(next_) * payload_;
  const size_t len = std::min(payload_, message_.size() - start);
  std::vector<uint8_t> frame(kFrameHeaderBytes + len);
  std::copy(kFrameMagic.begin(), kFrameMagic.end(), frame.begin());
  writeU32(&frame[4], id_);
  writeU32(&frame[8], next_);
  writeU32(&frame[12], count_);
  writeU32(&frame[16], uint32_t(message_.size()));
  std::memcpy(frame.data() + kFrameHeaderBytes, message_.data() + start, len);
  ++next_;
  return frame;
}

Status MessageSplitter::split(std::span<const uint8_t> message, std::vector<std::vector<uint8_t>>* out) {
  out->clear();
  if (message.size() <= kChunkThreshold) {
    out->emplace_back(message.begin(), message.end());
    return Status::Ok();
  }
  if (message.size() > kMaxFramedMessageBytes)
    return Status::ResourceExhausted("a " + std::to_string(message.size()) + "-byte message is over the " +
                                     std::to_string(kMaxFramedMessageBytes) + "-byte limit of framed messages");
  FrameSplitter frames(message, nextId_);
  nextId_ = nextId_ + 1 == 0 ? 1 : nextId_ + 1;
  out->reserve(frames.count());
  while (!frames.done()) out->push_back(frames.next());
  return Status::Ok();
}

bool FrameBudget::take(size_t n) {
  size_t used = used_.load(std::memory_order_relaxed);
  do {
    if (n > limit_ || used > limit_ - n) return false;
  } while (!used_.compare_exchange_weak(used, used + n, std::memory_order_relaxed));
  return true;
}

const char* frameDropName(FrameDrop reason) {
  switch (reason) {
    case FrameDrop::kMalformed: return "malformed";
    case FrameDrop::kTooLarge: return "too-large";
    case FrameDrop::kOutOfOrder: return "out-of-order";
    case FrameDrop::kInterrupted: return "interrupted";
    case FrameDrop::kOverflow: return "overflow";
    case FrameDrop::kShort: return "short";
    case FrameDrop::kBudget: return "budget";
  }
  return "?";
}

FrameAssembler::FrameAssembler(FrameAssemblerLimits limits, FrameBudget* budget) : limits_(limits), budget_(budget) {}

void FrameAssembler::reset() {
  if (budget_) budget_->give(reserved_);
  reserved_ = 0;
  cur_.reset();
}

Status FrameAssembler::drop(FrameDrop reason, const char* detail) {
  reset();
  ++dropped_[size_t(reason)];
  std::string message = std::string(frameDropName(reason)) + ": " + detail;
  if (reason == FrameDrop::kTooLarge || reason == FrameDrop::kBudget) return Status::ResourceExhausted(std::move(message));
  return Status::InvalidArgument(std::move(message));
}

bool FrameAssembler::grow(size_t needed) {
  // As the web app: double (at least firstBufferBytes, so that the first
  // frames do not reallocate each time), never beyond the declared total.
  const size_t size = std::min<size_t>(cur_->total, std::max({needed, reserved_ * 2, limits_.firstBufferBytes}));
  const size_t extra = size - reserved_;
  if (budget_ && !budget_->take(extra)) return false;
  cur_->buf.reserve(size);
  reserved_ = size;
  return true;
}

Status FrameAssembler::push(std::span<const uint8_t> data, std::optional<std::vector<uint8_t>>* whole) {
  whole->reset();
  if (!isFrame(data)) {
    whole->emplace(data.begin(), data.end());
    return Status::Ok();
  }
  const uint32_t id = readU32(&data[4]);
  const uint32_t index = readU32(&data[8]);
  const uint32_t count = readU32(&data[12]);
  const uint32_t total = readU32(&data[16]);
  const std::span<const uint8_t> body = data.subspan(kFrameHeaderBytes);
  // The same checks in the same order as p2pFraming.ts, so that both sides
  // drop the same sequences for the same reasons.
  if (total > limits_.maxMessageBytes) return drop(FrameDrop::kTooLarge, "the frame's total is over the message limit");
  if (count < 1 || total < 1 || count > total || index >= count || body.empty())
    return drop(FrameDrop::kMalformed, "impossible index, count, total or an empty payload");

  if (index == 0) {
    if (cur_) {
      reset();
      ++dropped_[size_t(FrameDrop::kInterrupted)];
    }
    cur_.emplace(InProgress{id, count, total, 0, {}});
  }
  if (!cur_ || cur_->id != id || cur_->count != count || cur_->total != total || cur_->next != index)
    return drop(FrameDrop::kOutOfOrder, "not the next frame of the message in progress");
  const size_t received = cur_->buf.size() + body.size();
  if (received > total) return drop(FrameDrop::kOverflow, "more payload than the message's total");
  if (received > reserved_ && !grow(received)) return drop(FrameDrop::kBudget, "the hub's budget for partial messages is spent");
  cur_->buf.insert(cur_->buf.end(), body.begin(), body.end());
  if (++cur_->next < count) return Status::Ok();
  if (received != total) return drop(FrameDrop::kShort, "the last frame came before the message's total");
  whole->emplace(std::move(cur_->buf));
  reset();
  return Status::Ok();
}

}  // namespace roundtable::p2p
