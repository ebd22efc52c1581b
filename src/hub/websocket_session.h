// WebSocketSession: one accepted WebSocket connection.
//
// The session owns the socket and a bounded send queue; what the messages
// mean is up to its Endpoint (a document room or the signaling relay).
// Reading is paced by the endpoint: after onMessage the session reads the next
// message only when the endpoint calls continueReading(), so a client cannot
// push faster than its messages are handled.
//
// Thread safety: send(), close() and continueReading() may be called from any
// thread; everything else runs on the session's strand.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "hub/connection_limiter.h"

namespace roundtable::hub {

using Bytes = std::vector<uint8_t>;
using SharedBytes = std::shared_ptr<const Bytes>;

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

// WebSocket close codes the hub uses (RFC 6455 section 7.4.1).
enum class CloseCode : uint16_t {
  kNormal = 1000,
  kGoingAway = 1001,
  kProtocolError = 1002,
  kUnsupportedData = 1003,
  kPolicyViolation = 1008,
  kTooBig = 1009,
  kInternalError = 1011,
  kTryAgainLater = 1013,
};

struct SessionLimits {
  size_t maxMessageBytes;
  size_t maxQueuedBytes;
};

class WebSocketSession : public std::enable_shared_from_this<WebSocketSession> {
 public:
  WebSocketSession(boost::beast::tcp_stream&& stream, std::unique_ptr<Endpoint> endpoint,
                   SessionLimits limits, ConnectionToken token);
  ~WebSocketSession();

  // Completes the upgrade that `request` asked for, then starts reading.
  void accept(boost::beast::http::request<boost::beast::http::string_body> request);

  // Queues a message. If the queue would exceed the limit, the peer is too
  // slow: the queue is dropped and the connection closed (1008).
  void send(SharedBytes message, bool text = false);
  void close(CloseCode code, std::string reason);
  void continueReading();

  uint64_t id() const { return id_; }
  const std::string& remoteAddress() const { return token_.address(); }
  const std::string& target() const { return target_; }

 private:
  void onAccept(boost::beast::error_code ec);
  void doRead();
  void onRead(boost::beast::error_code ec, size_t bytes);
  void doWrite();
  void onWrite(boost::beast::error_code ec, size_t bytes);
  void startClose();
  void finish();

  struct Outgoing {
    SharedBytes bytes;
    bool text;
  };

  boost::beast::websocket::stream<boost::beast::tcp_stream> ws_;
  std::unique_ptr<Endpoint> endpoint_;
  SessionLimits limits_;
  ConnectionToken token_;
  uint64_t id_;
  std::string target_;
  boost::beast::flat_buffer buffer_;
  std::deque<Outgoing> queue_;
  size_t queuedBytes_ = 0;
  bool writing_ = false;
  bool open_ = false;       // accepted and not yet closing
  bool closing_ = false;    // a close was requested; no more writes queued
  bool closeSent_ = false;
  bool finished_ = false;   // onClose delivered
  boost::beast::websocket::close_reason closeReason_;
  boost::asio::steady_timer killTimer_;
};

}  // namespace roundtable::hub
