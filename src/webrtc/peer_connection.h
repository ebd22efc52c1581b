// PeerConnection: one WebRTC connection to one remote y-webrtc peer, as
// simple-peer 9 (what y-webrtc 10 uses) sees the other end: offer, answer and
// trickled ICE candidates as simple-peer's signal objects, and one reliable,
// ordered data channel carrying binary messages.
//
//   PeerConnection::Events ev;
//   ev.signal = [](lib0::Value s) { /* publish to the remote peer */ };
//   ev.open = [] { /* the data channel is open: send sync step 1 */ };
//   ev.message = [](std::vector<uint8_t> m) { /* one whole message */ };
//   ev.closed = [](std::string why) { /* destroy the connection (elsewhere) */ };
//   std::unique_ptr<PeerConnection> pc;
//   Status s = PeerConnection::create({.initiator = true}, ev, &pc);
//   s = pc->signal(remoteSignal);   // each signal the remote peer sent
//   s = pc->send(bytes);
//
// The WebRTC stack is GStreamer's webrtcbin (libnice for ICE, DTLS and SCTP
// for the data channel). It runs on GStreamer's own threads: every event is
// called on one of them. Events must be quick (post to your executor) and
// must not call close() or destroy the connection; they are called one at a
// time, never after close() has returned. `closed` is called at most once,
// when the connection fails or the remote end closes it, and not for close().
//
// Limits: a signal is refused (InvalidArgument) when it is not an offer,
// answer or candidate in simple-peer's form, an SDP is over kMaxSdpBytes, or
// a description comes in the wrong state; a received message larger than
// PeerOptions::maxMessageBytes, or a text message, closes the connection.
// Nothing here times out: whoever owns the connection closes it if it does
// not open in time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "roundtable/base/status.h"
#include "roundtable/lib0/value.h"

namespace roundtable::webrtc {

inline constexpr size_t kMaxSdpBytes = 64 * 1024;
// Largest message send() takes: webrtcbin's SCTP refuses more, and every
// browser takes this much (the web app frames larger y-webrtc messages in
// pieces of at most this size; the hub does the same).
inline constexpr size_t kMaxSendBytes = 64 * 1024;

struct IceServers {
  // "stun://host:port"; webrtcbin uses one STUN server, the first.
  std::vector<std::string> stun;
  // "turn://user:password@host:port" or "turns://…", user and password
  // percent-encoded (TURN REST usernames contain ':').
  std::vector<std::string> turn;
};

struct PeerOptions {
  // The initiator creates the data channel and sends the offer; the other
  // end answers (y-webrtc: whoever receives an announce initiates).
  bool initiator = false;
  IceServers iceServers;
  // Largest message accepted from the remote peer. Browsers send at most
  // 256 KiB in one message (and the web app frames anything over 64 KiB).
  size_t maxMessageBytes = 256 * 1024;
};

class PeerConnection {
 public:
  struct Events {
    // A signal for the remote peer: {type:"offer"|"answer", sdp} or
    // {type:"candidate", candidate:{candidate, sdpMLineIndex, sdpMid}}.
    std::function<void(lib0::Value signal)> signal;
    // The data channel is open; send() works from now on.
    std::function<void()> open;
    // One binary message from the remote peer.
    std::function<void(std::vector<uint8_t> message)> message;
    // The connection failed or was closed by the remote peer; `reason` is
    // for a log line.
    std::function<void(std::string reason)> closed;
  };

  // Ok when GStreamer and its WebRTC plugins are there (see create()).
  static Status available();

  // Starts a connection; an initiator emits its offer (through
  // Events::signal) soon after. Fails with FailedPrecondition when
  // GStreamer or its WebRTC plugins (gstreamer1.0-plugins-bad,
  // gstreamer1.0-nice) are missing.
  static Status create(const PeerOptions& options, Events events, std::unique_ptr<PeerConnection>* out);

  // Closes the connection (see close()).
  ~PeerConnection();

  PeerConnection(const PeerConnection&) = delete;
  PeerConnection& operator=(const PeerConnection&) = delete;

  // Applies one signal from the remote peer: an offer (to a non-initiator;
  // the answer is emitted through Events::signal), an answer (to an
  // initiator) or a candidate (kept until the remote description is set).
  // simple-peer's renegotiate and transceiverRequest signals, which only
  // media tracks cause, are ignored.
  Status signal(const lib0::Value& signal);

  // Queues one binary message on the data channel. InvalidArgument when it
  // is over kMaxSendBytes; FailedPrecondition when the channel is not open
  // (yet, or any more).
  Status send(std::span<const uint8_t> message);

  // Bytes queued on the data channel and not yet sent.
  uint64_t bufferedAmount() const;

  // Stops the connection and its threads; no event is called once it
  // returns. Idempotent. Must not be called from an event.
  void close();

  struct Impl;

 private:
  explicit PeerConnection(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace roundtable::webrtc
