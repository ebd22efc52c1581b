#include "websocket/frame_reader.h"

#include <algorithm>
#include <string_view>

#include "lib0/utf.h"

namespace roundtable::websocket {

namespace {

bool isControl(Opcode op) { return static_cast<uint8_t>(op) >= 0x8; }

// Header length implied by its first two bytes: 2, plus the extended length,
// plus the 4-byte masking key.
size_t headerLength(const std::array<uint8_t, 14>& h) {
  uint8_t len7 = h[1] & 0x7F;
  return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + ((h[1] & 0x80) ? 4 : 0);
}

// XORs `size` bytes of `in` with the mask, starting at mask byte `offset`,
// appending them to `out`.
void appendUnmasked(std::vector<uint8_t>& out, const uint8_t* in, size_t size, const std::array<uint8_t, 4>& mask,
                    uint8_t& offset) {
  size_t start = out.size();
  out.resize(start + size);
  uint8_t* dst = out.data() + start;
  for (size_t i = 0; i < size; ++i) dst[i] = in[i] ^ mask[(offset + i) & 3];
  offset = static_cast<uint8_t>((offset + size) & 3);
}

}  // namespace

void FrameReader::fail(ReadEvent& event, CloseCode code, const char* why) {
  failed_ = true;
  event.kind = ReadEvent::kError;
  event.code = code;
  event.reason = why;
  message_ = {};
  control_ = {};
}

size_t FrameReader::read(const uint8_t* data, size_t size, ReadEvent& event) {
  event.kind = ReadEvent::kNeedMore;
  if (failed_) return 0;
  size_t pos = 0;
  for (;;) {
    if (!inFrame_) {
      if (pos == size) return pos;
      // Collect the header: first its two fixed bytes, then what they imply.
      size_t need = headerSize_ < 2 ? 2 : headerLength(header_);
      while (headerSize_ < need && pos < size) {
        header_[headerSize_++] = data[pos++];
        if (headerSize_ == 2) need = headerLength(header_);
      }
      if (headerSize_ < need) return pos;
      if (!startFrame(event)) return pos;
    }
    size_t take = static_cast<size_t>(std::min<uint64_t>(frameRemaining_, size - pos));
    if (take > 0) {
      appendUnmasked(isControl(frameOpcode_) ? control_ : message_, data + pos, take, mask_, maskOffset_);
      pos += take;
      frameRemaining_ -= take;
    }
    if (frameRemaining_ > 0) return pos;
    inFrame_ = false;
    if (finishFrame(event)) return pos;
  }
}

bool FrameReader::startFrame(ReadEvent& event) {
  const uint8_t b0 = header_[0], b1 = header_[1];
  headerSize_ = 0;
  if (b0 & 0x70) return fail(event, CloseCode::kProtocolError, "reserved bits set"), false;
  const auto op = static_cast<Opcode>(b0 & 0x0F);
  switch (op) {
    case Opcode::kContinuation:
    case Opcode::kText:
    case Opcode::kBinary:
    case Opcode::kClose:
    case Opcode::kPing:
    case Opcode::kPong:
      break;
    default:
      return fail(event, CloseCode::kProtocolError, "reserved opcode"), false;
  }
  if (!(b1 & 0x80)) return fail(event, CloseCode::kProtocolError, "client frame not masked"), false;
  const bool fin = b0 & 0x80;
  uint64_t length = b1 & 0x7F;
  const uint8_t* p = header_.data() + 2;
  if (length == 126) {
    length = (uint64_t{p[0]} << 8) | p[1];
    p += 2;
    if (length < 126) return fail(event, CloseCode::kProtocolError, "length not minimally encoded"), false;
  } else if (length == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | p[i];
    p += 8;
    if (length >> 63) return fail(event, CloseCode::kProtocolError, "length over 2^63"), false;
    if (length <= 0xFFFF) return fail(event, CloseCode::kProtocolError, "length not minimally encoded"), false;
  }
  std::copy(p, p + 4, mask_.begin());
  maskOffset_ = 0;

  if (isControl(op)) {
    if (!fin) return fail(event, CloseCode::kProtocolError, "fragmented control frame"), false;
    if (length > kMaxControlPayload) return fail(event, CloseCode::kProtocolError, "control frame too long"), false;
    control_.clear();
  } else {
    if (op == Opcode::kContinuation && !inMessage_)
      return fail(event, CloseCode::kProtocolError, "continuation frame without a message"), false;
    if (op != Opcode::kContinuation && inMessage_)
      return fail(event, CloseCode::kProtocolError, "new message inside a fragmented message"), false;
    if (length > maxMessageBytes_ - std::min(maxMessageBytes_, message_.size()))
      return fail(event, CloseCode::kTooBig, "message too big"), false;
    if (op != Opcode::kContinuation) {
      inMessage_ = true;
      messageText_ = op == Opcode::kText;
    }
    // Reserve for a single-frame message only, and not more than a little: a
    // declared length is the client's word until its payload arrives.
    if (fin && message_.empty()) message_.reserve(static_cast<size_t>(std::min<uint64_t>(length, 64 * 1024)));
  }
  inFrame_ = true;
  frameFin_ = fin;
  frameOpcode_ = op;
  frameRemaining_ = length;
  return true;
}

bool FrameReader::finishFrame(ReadEvent& event) {
  switch (frameOpcode_) {
    case Opcode::kPing:
      event.kind = ReadEvent::kPing;
      event.payload = std::move(control_);
      control_.clear();
      return true;
    case Opcode::kPong:
      event.kind = ReadEvent::kPong;
      event.payload = std::move(control_);
      control_.clear();
      return true;
    case Opcode::kClose: {
      if (control_.size() == 1) return fail(event, CloseCode::kProtocolError, "close frame of one byte"), true;
      event.code = CloseCode::kNoStatus;
      event.reason.clear();
      if (control_.size() >= 2) {
        uint16_t code = static_cast<uint16_t>((control_[0] << 8) | control_[1]);
        if (!isValidReceivedCloseCode(code)) return fail(event, CloseCode::kProtocolError, "invalid close code"), true;
        std::string_view reason(reinterpret_cast<const char*>(control_.data()) + 2, control_.size() - 2);
        if (!lib0::isValidUtf8(reason)) return fail(event, CloseCode::kInvalidPayload, "close reason not UTF-8"), true;
        event.code = static_cast<CloseCode>(code);
        event.reason.assign(reason);
      }
      event.kind = ReadEvent::kClose;
      control_.clear();
      return true;
    }
    default:
      break;
  }
  if (!frameFin_) return false;
  inMessage_ = false;
  if (messageText_ &&
      !lib0::isValidUtf8(std::string_view(reinterpret_cast<const char*>(message_.data()), message_.size())))
    return fail(event, CloseCode::kInvalidPayload, "text message not UTF-8"), true;
  event.kind = ReadEvent::kMessage;
  event.text = messageText_;
  event.payload = std::move(message_);
  message_ = {};
  return true;
}

}  // namespace roundtable::websocket
