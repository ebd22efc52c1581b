// FrameReader: turns the bytes a WebSocket client sends into messages and
// control frames (RFC 6455 section 5), enforcing what a server must: client
// frames are masked, reserved bits and opcodes are unused (no extensions are
// negotiated), control frames are short and unfragmented, fragments of one
// message are not interleaved with another, lengths are minimally encoded,
// text is UTF-8. A message longer than the limit is refused from its header,
// before its payload is received.
//
// No I/O: feed it whatever the socket returned, in any pieces.
//
//   FrameReader reader(16 << 20);
//   ReadEvent event;
//   while (size > 0) {
//     size_t used = reader.read(data, size, event);
//     data += used, size -= used;
//     if (event.kind == ReadEvent::kMessage) handle(event.payload, event.text);
//     ...
//   }
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "websocket/frame.h"

namespace roundtable::websocket {

struct ReadEvent {
  enum Kind {
    kNeedMore,  // every byte given was consumed; no event yet
    kMessage,   // a complete data message: payload, text
    kPing,      // payload: to be echoed in a pong
    kPong,      // payload
    kClose,     // the peer's close frame: code (kNoStatus if it sent none), reason
    kError,     // a protocol violation: close with code; reason says what was wrong
  };
  Kind kind = kNeedMore;
  bool text = false;
  std::vector<uint8_t> payload;
  CloseCode code = CloseCode::kNormal;
  std::string reason;
};

class FrameReader {
 public:
  explicit FrameReader(size_t maxMessageBytes) : maxMessageBytes_(maxMessageBytes) {}

  // Consumes bytes from data[0, size) up to the end of the first event and
  // returns how many it consumed; `event` says what was found. After kError
  // the reader consumes nothing more.
  size_t read(const uint8_t* data, size_t size, ReadEvent& event);

  // Whether part of a message or frame has been received and not completed.
  bool midMessage() const { return headerSize_ > 0 || inFrame_ || inMessage_; }

 private:
  // Validates the header in header_ and starts its frame; false (and event
  // set to kError) on a violation.
  bool startFrame(ReadEvent& event);
  // The current frame's payload is complete: true if that makes an event.
  bool finishFrame(ReadEvent& event);
  void fail(ReadEvent& event, CloseCode code, const char* why);

  const size_t maxMessageBytes_;
  bool failed_ = false;

  // The header being received (2 to 14 bytes).
  std::array<uint8_t, 14> header_{};
  uint8_t headerSize_ = 0;

  // The frame whose payload is being received.
  bool inFrame_ = false;
  bool frameFin_ = false;
  Opcode frameOpcode_ = Opcode::kBinary;
  uint64_t frameRemaining_ = 0;
  std::array<uint8_t, 4> mask_{};
  uint8_t maskOffset_ = 0;

  // The data message being assembled from one or more frames.
  bool inMessage_ = false;
  bool messageText_ = false;
  std::vector<uint8_t> message_;
  std::vector<uint8_t> control_;  // payload of the control frame being received
};

}  // namespace roundtable::websocket
