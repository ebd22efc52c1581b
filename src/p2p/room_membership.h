// RoomMembership: which WebRTC connections the hub's peer keeps in one
// y-webrtc room, decided as y-webrtc 10.3's SignalingConn decides them, so
// that unmodified browsers connect to it. No I/O: room messages in (already
// opened with openRoomSignal), actions out.
//
//   RoomMembership room(selfId, {.maxConns = 20});
//   for (auto& a : room.onRoomSignal(signal, now)) switch (a.kind) {
//     case Action::kConnect: make a connection to a.peer (a.initiator), then
//                            hand it a.signal if it has one
//     case Action::kDeliver: hand a.signal to a.peer's connection
//     case Action::kReplace: close a.peer's connection, make a non-initiator
//                            one, hand it a.signal (the remote offer won)
//     case Action::kAnnounce: announce ourselves in the room (initiate: false)
//   }
//   room.signalToken(peer, now)  // the glare token for our signals to peer
//   room.closed(peer)            // the connection to peer ended
//
// y-webrtc's rules: whoever receives an announce initiates, unless it has as
// many connections as it allows; a signal addressed to us from a peer we have
// no connection with makes a non-initiator connection. When both sides
// initiated (glare), each offer carries a token, the time its sender's first
// signal went out plus a random fraction; the larger wins: an offer with a
// smaller token than ours is ignored, and one with a larger token replaces
// our connection (browsers answer it on their initiating connection;
// webrtcbin cannot roll its offer back, so the hub starts afresh).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "p2p/room_signaling.h"
#include "roundtable/lib0/value.h"

namespace roundtable::p2p {

struct MembershipOptions {
  // Connections at most in this room (y-webrtc's maxConns: 20 to 34 in a
  // browser); announces beyond it are not answered.
  size_t maxConns = 20;
  // y-webrtc initiates toward whoever announces. false: answer an announce
  // with an announce of our own (Action::kAnnounce), so that the other peer
  // makes the offer and both sides never offer at once. Glare is resolved by
  // the side with the smaller token answering the other's offer on its own
  // initiating connection, which needs the implicit rollback of browsers;
  // webrtcbin has none, and neither do some WebRTC stacks in Node.
  bool initiate = true;
};

class RoomMembership {
 public:
  struct Action {
    enum Kind { kConnect, kDeliver, kReplace, kAnnounce };
    Kind kind;
    std::string peer;
    bool initiator = false;  // kConnect
    lib0::Value signal;      // kDeliver, kReplace; kConnect when not undefined
  };

  RoomMembership(std::string self, MembershipOptions options);

  const std::string& self() const { return self_; }

  // A room message for this peer (see openRoomSignal).
  std::vector<Action> onRoomSignal(const RoomSignal& signal);

  // The token to send with our signals to `peer` (y-webrtc's glareToken):
  // set at our first signal to it (and again at the first after its answer
  // came) from `nowMs` plus a random fraction in [0, 1), as y-webrtc does;
  // nothing when there is no connection to `peer`.
  std::optional<double> signalToken(const std::string& peer, double nowMs, double randomFraction);

  // The connection to `peer` ended (or was never made): forget it.
  void closed(const std::string& peer);

  bool connected(const std::string& peer) const { return conns_.count(peer) > 0; }
  size_t size() const { return conns_.size(); }

 private:
  struct Conn {
    bool initiator = false;
    std::optional<double> glareToken;
  };

  const std::string self_;
  const MembershipOptions options_;
  std::unordered_map<std::string, Conn> conns_;
};

}  // namespace roundtable::p2p
