// WebSocketSession: one accepted WebSocket connection.
//
// The session owns the socket and a bounded send queue; what the messages
// mean is up to its Endpoint (a document room or the signaling relay).
// Reading is paced by the endpoint: after onMessage the session reads the next
// message only when the endpoint calls continueReading(), so a client cannot
// push faster than its messages are handled.
//
// The WebSocket protocol itself (frames, control frames, the close
// handshake) is websocket::FrameReader and websocket::serverFrameHeader, not
// Beast's websocket::stream, because a hub relays each message to many
// connections: Beast writes one message per write operation and keeps about
// 6 KB of state per connection, while here one encoded payload is shared by
// every recipient, everything queued for a connection goes out in one
// gather-write (sendmsg) from the thread that queued it, and an idle
// connection holds no buffers (see docs/hub.md, "Connections"). Beast still
// parses the HTTP upgrade request and writes the response.
//
// Thread safety: send(), close() and continueReading() may be called from any
// thread; everything else runs on the session's strand (the socket's executor).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/http.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "hub/connection_limiter.h"
#include "hub/room_connection.h"
#include "hub/session_timers.h"
#include "hub/shared_bytes.h"
#include "websocket/frame.h"
#include "websocket/frame_reader.h"

namespace roundtable::hub {

class WebSocketSession;

// What a WebSocket endpoint does with its connection's events. Called on the
// session's strand.
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual void onOpen(const std::shared_ptr<WebSocketSession>& session) = 0;
  // One complete message. The endpoint must eventually call
  // session->continueReading() (or close it).
  virtual void onMessage(const std::shared_ptr<WebSocketSession>& session, Bytes message, bool text) = 0;
  // The connection is gone (whatever the reason); called exactly once.
  virtual void onClose(const std::shared_ptr<WebSocketSession>& session) = 0;
};

struct SessionLimits {
  size_t maxMessageBytes;
  size_t maxQueuedBytes;
  uint32_t idleSeconds;  // silent this long: a ping; twice as long: closed
};

class WebSocketSession final : public RoomConnection {
 public:
  // The socket's executor is a concrete strand type, not any_io_executor:
  // copies of a type-erased strand are heap objects, and every pending
  // operation keeps one (about 130 bytes per idle connection).
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  using Socket = boost::asio::basic_stream_socket<boost::asio::ip::tcp, Strand>;
  // Takes over `socket`, which must have been accepted on an io_context.
  WebSocketSession(boost::asio::ip::tcp::socket&& socket, std::unique_ptr<Endpoint> endpoint, SessionLimits limits,
                   ConnectionToken token, SessionTimers& timers);
  ~WebSocketSession();

  // Answers the upgrade `request` asked for (101, or an HTTP error for a
  // request that is not a valid WebSocket handshake), then starts reading.
  // `pipelined`: bytes the client sent after the request.
  void accept(const boost::beast::http::request<boost::beast::http::string_body>& request, Bytes pipelined);

  // Queues a message, or several binary messages to go out together. If the
  // queue would exceed the limit, the peer is too slow: what it has not
  // started to receive is dropped and the connection closed (1008).
  void send(SharedBytes message) override { queue(std::move(message), false); }
  void send(const std::vector<SharedBytes>& messages) override;
  // A text message (the signaling relay's JSON).
  void sendText(SharedBytes message) { queue(std::move(message), true); }
  // Queues a binary answer that carries document state (a sync step 2). It
  // can be as large as the document, so the limit meant for live traffic
  // does not apply to it: one answer is always queued, and live traffic is
  // held to the limit beside it; a second answer while one is unsent counts
  // toward the limit like anything else (a client that asks again and again
  // without reading is too slow).
  void sendAnswer(SharedBytes message) override;
  // Sends a close frame after what is queued; the connection ends when the
  // peer answers it, or after a deadline.
  void close(CloseCode code, std::string reason) override;
  void continueReading() override;

  const std::string& remoteAddress() const override { return token_.address(); }

 private:
  enum class State : uint8_t {
    kHandshake,  // the 101 response is being written
    kOpen,
    kClosing,    // a close frame is queued or sent; no more data frames
    kClosed,     // the socket is closed
  };
  struct Outgoing {
    SharedBytes payload;
    websocket::FrameHeader header;
    size_t written = 0;  // bytes of header + payload already sent
    bool isClose = false;
    bool isAnswer = false;  // counted in answerBytes_
  };
  using Lock = std::unique_lock<std::mutex>;
  std::shared_ptr<WebSocketSession> self() { return std::static_pointer_cast<WebSocketSession>(shared_from_this()); }
  void queue(SharedBytes message, bool text);

  void onHandshakeWritten(boost::system::error_code ec);
  void readSocket();
  void waitReadable();
  void consume(const uint8_t* data, size_t size);
  void resumeReading();
  void awaitPeerClose();
  void disconnect();

  // Deadlines (see SessionTimers). deadlineDue runs on the ticking thread
  // with the timers' mutex held; postDeadline has onDeadline run on the
  // strand.
  friend class SessionTimers;
  enum class Due : uint8_t { kNothing, kCloseUnanswered, kIdleClose, kPing };
  Due dueAt(uint32_t now) const;
  bool deadlineDue(uint32_t now) const;
  void postDeadline();
  void onDeadline();

  // With mutex_ held.
  void enqueue(Lock& lock, websocket::Opcode opcode, SharedBytes payload,
               bool answer = false);  // startWriting() sends it
  void enqueuePong(Lock& lock, Bytes payload);  // and starts writing
  void enqueueClose(Lock& lock, CloseCode code, std::string_view reason, bool disconnectAfter);
  void startWriting(Lock& lock);
  void writeQueued(Lock& lock);
  void refuseSlowPeer(Lock& lock);

  Socket socket_;
  std::unique_ptr<Endpoint> endpoint_;
  const SessionLimits limits_;
  ConnectionToken token_;
  SessionTimers& timers_;
  size_t timerSlot_ = 0;  // guarded by the timers' mutex

  // Read side, on the strand.
  websocket::FrameReader reader_;
  Bytes unread_;                 // received but not parsed while reading is paused
  bool paused_ = false;          // a message is with the endpoint
  bool peerClosed_ = false;      // the peer's close frame arrived; nothing more is read
  bool opened_ = false;          // onOpen delivered
  bool finished_ = false;        // disconnected (and onClose delivered if opened)

  // Deadlines, in SessionTimers::now() seconds; read by the ticking thread.
  std::atomic<bool> timed_{false};        // open and not yet disconnected
  std::atomic<uint32_t> lastReceived_{0};
  std::atomic<uint32_t> pingSentAt_{0};
  std::atomic<uint32_t> closeDeadline_{0};  // 0: none

  // Write side: whichever thread sends writes to the socket itself (a
  // non-blocking sendmsg), so a broadcast costs no post per recipient; the
  // mutex is held for that write and keeps frames whole and in order.
  std::mutex mutex_;
  State state_ = State::kHandshake;
  std::vector<Outgoing> queue_;  // [queueHead_, end): not yet fully written
  size_t queueHead_ = 0;
  size_t queuedBytes_ = 0;
  size_t answerBytes_ = 0;  // of queuedBytes_, in answers (sendAnswer)
  bool writing_ = false;          // a writer owns the queue (or waits for the socket)
  bool closeQueued_ = false;
  bool closeWritten_ = false;
  bool disconnectAfterClose_ = false;  // after our close frame: end at once, not on the peer's answer
};

}  // namespace roundtable::hub
