// y-webrtc's signaling messages, as its relay (y-webrtc 10.3, bin/server.js)
// reads and relays them: bytes in, decisions out, no I/O.
//
//   signaling::Message m;
//   if (Status s = signaling::parseMessage(text, /*isText=*/true, &m); !s.ok()) ... close the connection
//   if (m.kind == signaling::Message::Kind::kPublish)
//     send(signaling::relayedPublish(text, subscriberCount)) to each subscriber
//
// Clients send JSON objects:
//   {"type":"subscribe","topics":["room",...]}   {"type":"unsubscribe","topics":[...]}
//   {"type":"publish","topic":"room",...}          relayed to every subscriber of the topic,
//                                                  sender included, with "clients": <count>
//   {"type":"ping"}                                answered with {"type":"pong"}
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::signaling {

struct Message {
  enum class Kind {
    kIgnored,  // no string `type`, or a type the relay does not act on (y-webrtc's server ignores them too)
    kSubscribe,
    kUnsubscribe,
    kPublish,
    kPing,
  };
  Kind kind = Kind::kIgnored;
  // kSubscribe / kUnsubscribe: the string entries of `topics`, in order
  // (other entries are skipped, as y-webrtc's server skips them).
  std::vector<std::string> topics;
  // kPublish: the topic; a publish without a string topic is kIgnored.
  std::string topic;
};

// Reads one client message. The text must be UTF-8 (checked here unless
// `isText`, whose frames the WebSocket reader already checked), a JSON object
// by JavaScript's JSON.parse grammar nested at most lib0::kMaxNestingDepth
// deep, and a present `topics` must be an array. Otherwise InvalidArgument
// says why, and the relay closes the connection; `*out` is then unspecified.
Status parseMessage(std::string_view text, bool isText, Message* out);

// The text a publish is relayed as: the message exactly as it arrived, with
// "clients": `clients` appended as its last member, which JSON.parse keeps
// even if the sender wrote a `clients` of its own. The payload is never
// rebuilt (with a room password it is ciphertext, and a printer would recurse
// over attacker-shaped nesting). Precondition: parseMessage accepted `message`.
std::string relayedPublish(std::string_view message, size_t clients);

inline constexpr std::string_view kPong = R"({"type":"pong"})";

}  // namespace roundtable::signaling
