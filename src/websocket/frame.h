// RFC 6455 frames as a server writes them, and the protocol's close codes.
//
// Server frames are never masked, so one encoded message is the same bytes
// for every recipient: a broadcast encodes its payload once and each
// connection only writes a header of at most 10 bytes in front of it.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace roundtable::websocket {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes (RFC 6455 section 7.4.1) the hub sends.
enum class CloseCode : uint16_t {
  kNormal = 1000,
  kGoingAway = 1001,
  kProtocolError = 1002,
  kUnsupportedData = 1003,
  kNoStatus = 1005,  // received only: a close frame without a code
  kInvalidPayload = 1007,
  kPolicyViolation = 1008,
  kTooBig = 1009,
  kInternalError = 1011,
  kTryAgainLater = 1013,
  // Roundtable's own (4000-4999 are the application's): an update would take
  // its document past a limit (its size, or what may wait for missing
  // dependencies), and was refused. Like HTTP's 413.
  kDocumentLimit = 4413,
  // The connection's access token does not allow what it sent: an update
  // through a plan:read token, a signaling topic outside a plan-bound
  // token's plan (docs/hub.md, "Access control"). Like HTTP's 403.
  kForbidden = 4403,
  // The access token the connection was opened with has expired since; it
  // is closed at its next message (y-websocket and y-webrtc send one at
  // least every 15 to 30 s). Like HTTP's 401.
  kTokenExpired = 4401,
};

// Largest payload of a control frame (ping, pong, close).
inline constexpr size_t kMaxControlPayload = 125;

// The header of a final (FIN), unmasked frame of `payloadSize` bytes.
struct FrameHeader {
  std::array<uint8_t, 10> bytes{};
  uint8_t size = 0;
};
FrameHeader serverFrameHeader(Opcode opcode, uint64_t payloadSize);

// The payload of a close frame: `code`, then `reason` cut to fit a control
// frame (at a UTF-8 character boundary).
std::vector<uint8_t> closePayload(CloseCode code, std::string_view reason);

// Whether a peer may send `code` in a close frame (RFC 6455 section 7.4).
bool isValidReceivedCloseCode(uint16_t code);

}  // namespace roundtable::websocket
