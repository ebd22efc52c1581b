// The server side of the WebSocket opening handshake (RFC 6455 section 4.2)
// that does not depend on an HTTP library.
#pragma once

#include <string>
#include <string_view>

namespace roundtable::websocket {

// Whether `key` (a Sec-WebSocket-Key header) is the base64 encoding of 16 bytes.
bool isValidClientKey(std::string_view key);

// The Sec-WebSocket-Accept value that answers `key`.
std::string acceptKey(std::string_view key);

}  // namespace roundtable::websocket
