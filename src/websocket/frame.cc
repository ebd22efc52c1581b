#include "websocket/frame.h"

namespace roundtable::websocket {

FrameHeader serverFrameHeader(Opcode opcode, uint64_t payloadSize) {
  FrameHeader h;
  h.bytes[0] = 0x80 | static_cast<uint8_t>(opcode);
  if (payloadSize < 126) {
    h.bytes[1] = static_cast<uint8_t>(payloadSize);
    h.size = 2;
  } else if (payloadSize <= 0xFFFF) {
    h.bytes[1] = 126;
    h.bytes[2] = static_cast<uint8_t>(payloadSize >> 8);
    h.bytes[3] = static_cast<uint8_t>(payloadSize);
    h.size = 4;
  } else {
    h.bytes[1] = 127;
    for (int i = 0; i < 8; ++i) h.bytes[2 + i] = static_cast<uint8_t>(payloadSize >> (56 - 8 * i));
    h.size = 10;
  }
  return h;
}

std::vector<uint8_t> closePayload(CloseCode code, std::string_view reason) {
  size_t keep = std::min(reason.size(), kMaxControlPayload - 2);
  // Do not cut a multi-byte character: back up over continuation bytes.
  if (keep < reason.size())
    while (keep > 0 && (static_cast<uint8_t>(reason[keep]) & 0xC0) == 0x80) --keep;
  std::vector<uint8_t> out;
  out.reserve(2 + keep);
  auto value = static_cast<uint16_t>(code);
  out.push_back(static_cast<uint8_t>(value >> 8));
  out.push_back(static_cast<uint8_t>(value));
  out.insert(out.end(), reason.begin(), reason.begin() + static_cast<std::ptrdiff_t>(keep));
  return out;
}

bool isValidReceivedCloseCode(uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;  // registered and private use
}

}  // namespace roundtable::websocket
