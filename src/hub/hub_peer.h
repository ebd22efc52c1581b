// HubPeer: the hub as a y-webrtc peer. It joins the y-webrtc room of each
// plan under review through the configured signaling relays, as the web app
// does with the plan's room secret, so that a reviewer on another network who
// opens the share link gets the plan from the hub and the hub gets their
// comments, with no browser of the author open (docs/p2p.md, "The hub's own
// peer").
//
//   std::shared_ptr<HubPeer> peer;
//   Status s = HubPeer::create(io, tls, rooms, secrets, options, &peer);
//   peer->start();   // follows the plan index: joins and leaves rooms
//   ...
//   peer->stop();    // leaves every room; blocks until the connections stopped
//
// Which rooms: plans pending review, or changed within `recent`, that have a
// room secret (RoomSecrets), newest first, at most maxRooms. A room with no
// one in it costs one topic subscription and a derived key; the document is
// loaded only while a peer is connected. In a room with peers, the hub
// publishes an awareness entry of its own, {"hub": {"name": <machine>}}: the
// web app shows it as the hub, not as a reviewer.
//
// Everything y-webrtc specific is in p2p/ (crypto, messages, membership) and
// webrtc/ (the connection); this class wires them to relays and rooms. Its
// state lives on one strand.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "hub/hub_options.h"
#include "hub/peer_session.h"
#include "hub/room.h"
#include "hub/room_secrets.h"
#include "roundtable/base/status.h"

namespace roundtable::hub {

struct HubPeerOptions {
  // Relays to join rooms through (ws:// or wss://); at least one.
  std::vector<std::string> relays;
  // STUN and TURN servers, as the web app gets them (/config.json); TURN
  // REST credentials are made for each connection.
  std::vector<IceServer> iceServers;
  std::vector<TurnRestServer> turnRestServers;
  size_t maxRooms = 100;
  size_t maxPeersPerRoom = 20;  // y-webrtc's maxConns in a browser: 20 to 34
  // Connections in all rooms (each is a WebRTC pipeline with threads of its
  // own), connecting or open; offers beyond it are not answered.
  size_t maxPeers = 200;
  std::chrono::hours recent{14 * 24};
  // The name in the hub's awareness entry: the machine's.
  std::string name;
  PeerSessionLimits session;
};

class HubPeer : public std::enable_shared_from_this<HubPeer> {
 public:
  // InvalidArgument for a relay URL that is not ws:// or wss://;
  // FailedPrecondition when GStreamer's WebRTC elements are missing.
  static Status create(boost::asio::io_context& io, boost::asio::ssl::context& tls,
                       std::shared_ptr<RoomRegistry> rooms, std::shared_ptr<RoomSecrets> secrets,
                       HubPeerOptions options, std::shared_ptr<HubPeer>* out);
  ~HubPeer();

  void start();
  // Leaves every room and stops every connection; waits for them.
  void stop();

  // For /metrics and tests; approximate while rooms change.
  size_t roomsJoined() const;
  size_t peersConnected() const;

  struct Impl;

 private:
  explicit HubPeer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

// The ICE servers of `options` in webrtcbin's form (webrtc::IceServers):
// stun://host:port, and turn(s)://user:password@host:port[?transport=...]
// with fresh TURN REST credentials, user and password percent-encoded.
webrtc::IceServers webrtcIceServers(const std::vector<IceServer>& iceServers,
                                    const std::vector<TurnRestServer>& turnRestServers,
                                    std::chrono::system_clock::time_point now);

}  // namespace roundtable::hub
