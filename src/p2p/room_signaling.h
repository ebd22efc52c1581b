// y-webrtc's room protocol over a signaling relay (y-webrtc 10.3
// SignalingConn and WebrtcConn): the messages a peer of a password-protected
// room publishes and reads. Bytes in, bytes out, no I/O.
//
//   relay <- subscribeMessage({"roundtable-plan-42"})
//   relay <- publishMessage(key, "roundtable-plan-42", RoomSignal::announce(self))
//   relay -> text: readPublish(text, &topic, &sealed), then
//            openRoomSignal(keyOf(topic), sealed, self, &signal): a signal
//            (simple-peer's offer, answer or candidate) for this peer, or none
//
// y-webrtc seals every room message (RoomKey, room_crypto.h) and carries it as
// base64 in the publish's `data`; rooms without a password are not spoken.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "p2p/room_crypto.h"
#include "roundtable/base/status.h"
#include "roundtable/lib0/value.h"

namespace roundtable::p2p {

struct RoomSignal {
  enum class Type { kAnnounce, kSignal };
  Type type = Type::kAnnounce;
  std::string from;  // the sender's peer id
  // kSignal only:
  std::string to;                // the addressee's peer id
  std::optional<double> token;   // y-webrtc's glare token (offers from both sides: the larger wins)
  lib0::Value signal;            // simple-peer's signal object, e.g. {"type":"offer","sdp":"..."}

  static RoomSignal announce(std::string from);
  static RoomSignal signalTo(std::string from, std::string to, std::optional<double> token, lib0::Value signal);
};

// {"type":"subscribe","topics":[...]}, {"type":"unsubscribe","topics":[...]}
// and {"type":"ping"}, as y-webrtc sends them.
std::string subscribeMessage(std::span<const std::string> topics);
std::string unsubscribeMessage(std::span<const std::string> topics);
inline constexpr std::string_view kPingMessage = R"({"type":"ping"})";

// {"type":"publish","topic":ROOM,"data":"<base64 of the sealed message>"}.
std::string publishMessage(const RoomKey& key, std::string_view room, const RoomSignal& signal);

// Reads a message from the relay. A publish with a string topic and string
// data gives Ok with the topic and the base64-decoded data; anything else a
// relay sends (pong, a publish of another shape) gives Ok with both empty.
// InvalidArgument for text that is not a JSON object within lib0's nesting
// limit, or data that is not base64.
Status readPublish(std::string_view text, std::string* topic, std::vector<uint8_t>* sealed);

// Opens a sealed room message as y-webrtc's SignalingConn reads it: Ok with
// a value when it is an announce, or a signal addressed to `self`, from
// another peer; Ok with nothing for messages y-webrtc ignores (its own, or
// addressed to another peer, or of another type); InvalidArgument when it does
// not open under `key` or lacks what its type needs (string `from`; for a
// signal, string `to` and an object `signal`).
Status openRoomSignal(const RoomKey& key, std::span<const uint8_t> sealed, std::string_view self,
                      std::optional<RoomSignal>* out);

// Standard base64 with padding (btoa/atob, Node's Buffer), via OpenSSL.
std::string toBase64(std::span<const uint8_t> bytes);
// InvalidArgument for anything but standard base64 with correct padding.
Status fromBase64(std::string_view text, std::vector<uint8_t>* out);

}  // namespace roundtable::p2p
