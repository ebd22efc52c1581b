// PeerSession: one WebRTC connection of the hub's y-webrtc peer to a remote
// peer (a reviewer's browser), as a client of the plan's room: the room
// treats it like a y-websocket connection (RoomConnection), since y-webrtc's
// data channel messages are y-websocket's (sync steps, updates, awareness,
// query awareness).
//
//   auto s = PeerSession::make(io, worker, rooms, "plan-42", "peer-uuid", limits, &budget, handlers);
//   s->start(peerOptions, [](lib0::Value signal) { /* publish to the peer */ });
//   s->signal(remoteSignal);   // each signal the peer sent; an error closes the session
//   ...
//   s->shutdown("left the room");
//
// When the data channel opens, the session joins the room (which sends its
// sync step 1 and the awareness states, as y-webrtc's peers do on connect).
// Messages over 64 KiB travel in the web app's frames (p2p/message_framing.h)
// both ways. A session that does not open within Limits::openTimeout, sends
// what does not decode, lets more than Limits::maxQueuedBytes pile up on its
// channel, or fails, ends: Handlers::ended is called once, and its room, the other
// peers and the process go on.
//
// Threads: PeerConnection's events come on GStreamer's threads and are posted
// to the session's strand; send() runs on the room's; the WebRTC pipeline is
// stopped on `worker` (stopping it joins GStreamer's threads and can take a
// quarter of a second). Every public method may be called from any thread.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "hub/room.h"
#include "hub/room_connection.h"
#include "p2p/message_framing.h"
#include "roundtable/base/status.h"
#include "roundtable/lib0/value.h"
#include "webrtc/peer_connection.h"

namespace roundtable::hub {

struct PeerSessionLimits {
  // Largest message (whole, after reassembly) taken from the peer; the hub's
  // --max-message-bytes, as for its WebSockets.
  size_t maxMessageBytes = 16u << 20;
  // Bytes buffered on the data channel, or received and not yet handled by
  // the room, beyond which the peer is too slow (or too fast) and is
  // dropped. An answer (sync step 2) is always sent whole, as on WebSockets.
  size_t maxQueuedBytes = 64u << 20;
  // ICE, DTLS and the data channel must be up by then.
  std::chrono::milliseconds openTimeout{30000};
};

class PeerSession final : public RoomConnection {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  // Called on the session's strand: `opened` when the data channel opened
  // and the session joined the room; `ended` once, when it has ended.
  struct Handlers {
    std::function<void(const std::shared_ptr<PeerSession>& session)> opened;
    std::function<void(const std::shared_ptr<PeerSession>& session, const std::string& why)> ended;
  };
  using SignalOut = std::function<void(lib0::Value signal)>;

  static std::shared_ptr<PeerSession> make(boost::asio::io_context& io, boost::asio::any_io_executor worker,
                                           std::shared_ptr<RoomRegistry> rooms, std::string docName,
                                           std::string remotePeer, PeerSessionLimits limits, p2p::FrameBudget* budget,
                                           Handlers handlers);
  ~PeerSession() override;

  // Makes the WebRTC connection; an initiator's offer goes out through
  // `signalOut` (called on GStreamer's threads). An error ends the session.
  Status start(const webrtc::PeerOptions& options, SignalOut signalOut);
  // One signal from the remote peer; InvalidArgument (and the session ends)
  // for one PeerConnection refuses.
  Status signal(const lib0::Value& signal);
  // Ends the session (leaves the room, stops the connection); `ended` is
  // called with `why` unless it was called already.
  void shutdown(std::string why);

  const std::string& remotePeer() const { return remotePeer_; }
  const std::string& docName() const { return docName_; }
  bool open() const { return opened_.load(); }

  // RoomConnection.
  const std::string& remoteAddress() const override { return label_; }
  void send(SharedBytes message) override;
  void send(const std::vector<SharedBytes>& messages) override;
  void sendAnswer(SharedBytes message) override;
  void close(CloseCode code, std::string reason) override;
  void continueReading() override;

 private:
  PeerSession(boost::asio::io_context& io, boost::asio::any_io_executor worker, std::shared_ptr<RoomRegistry> rooms,
              std::string docName, std::string remotePeer, PeerSessionLimits limits, p2p::FrameBudget* budget,
              Handlers handlers);
  std::shared_ptr<PeerSession> self() { return std::static_pointer_cast<PeerSession>(shared_from_this()); }

  // On the strand.
  void onOpen();
  void onData(std::vector<uint8_t> data);
  void deliverNext();
  void end(std::string why);
  // Any thread: queues one message on the channel, in frames if it is large.
  // `answer`: not held to maxQueuedBytes.
  void transmit(std::span<const uint8_t> message, bool answer);

  Strand strand_;
  boost::asio::any_io_executor worker_;
  std::shared_ptr<RoomRegistry> rooms_;
  const std::string docName_;
  const std::string remotePeer_;
  const std::string label_;  // "webrtc peer <id>" for log lines
  const PeerSessionLimits limits_;
  Handlers handlers_;

  // On the strand.
  boost::asio::steady_timer openTimer_;
  std::shared_ptr<Room> room_;  // joined while set
  p2p::FrameAssembler assembler_;
  std::deque<std::vector<uint8_t>> inbox_;  // whole messages for the room, in order
  bool delivering_ = false;                 // one is with the room
  bool ended_called_ = false;

  // Received and not yet handled (posted, or in inbox_), any thread.
  std::atomic<size_t> inboxBytes_{0};
  std::atomic<bool> opened_{false};
  std::atomic<bool> ending_{false};

  // The connection and the splitter of outgoing messages: sends come from
  // the room's strand, signals from the hub peer's, the end from the
  // session's.
  std::mutex connectionMutex_;
  std::unique_ptr<webrtc::PeerConnection> connection_;
  p2p::MessageSplitter splitter_;
};

}  // namespace roundtable::hub
