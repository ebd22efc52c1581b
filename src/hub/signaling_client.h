// SignalingClient: the hub's connection to a y-webrtc signaling relay, as a
// browser's y-webrtc keeps one (lib0's WebsocketClient): it subscribes to its
// rooms' topics on every (re)connect, publishes, and reconnects after a drop
// with y-websocket's and lib0's backoff (100 ms doubling to at most 2.5 s).
//
//   std::unique_ptr<SignalingClient> relay;
//   Status s = SignalingClient::create(io, tls, "wss://relay.example/signal", handler, {}, &relay);
//   relay->subscribe("roundtable-plan-42");
//   relay->start();
//   relay->publish(text);    // dropped while disconnected, as y-webrtc's are
//
// ws:// and wss:// (TLS with the system's certificate authorities, the host
// name checked). Beast's WebSocket stream is used as it is: one connection
// with a few messages a second, unlike the hub's server side.
// Liveness: a {"type":"ping"} every 15 s; a relay silent for 30 s is
// reconnected, as lib0's client does.
//
// Thread safety: every public method may be called from any thread; the
// handler's callbacks run on the client's strand, one at a time.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "roundtable/base/status.h"

namespace roundtable::hub {

struct SignalingClientOptions {
  std::chrono::milliseconds pingInterval{15000};
  std::chrono::milliseconds silenceTimeout{30000};
  std::chrono::milliseconds maxBackoff{2500};
  // A relay message larger than this ends the connection (and reconnects).
  size_t maxMessageBytes = 1 << 20;
  // Outgoing messages queued while the relay is slow; beyond it, publishes
  // are dropped (y-webrtc tolerates lost signals: it announces again).
  size_t maxQueuedBytes = 4 << 20;
};

class SignalingClient {
 public:
  struct Handler {
    // Connected (again): the subscriptions are sent already; announce now.
    std::function<void()> connected;
    // One text message from the relay.
    std::function<void(std::string_view text)> message;
    // The connection dropped or could not be made; `why` for a log line.
    std::function<void(std::string_view why)> disconnected;
  };

  // InvalidArgument for a URL that is not ws:// or wss://host[:port][/path].
  static Status create(boost::asio::io_context& io, boost::asio::ssl::context& tls, std::string url, Handler handler,
                       SignalingClientOptions options, std::unique_ptr<SignalingClient>* out);
  // Stops (see stop()).
  ~SignalingClient();

  void start();
  // Closes the connection and stops reconnecting. Callbacks may still run
  // until the stop has run on the client's strand, never after.
  void stop();

  // Topics to be subscribed now and after every reconnect.
  void subscribe(std::string topic);
  void unsubscribe(std::string topic);
  void publish(std::string text);

  bool connected() const;
  const std::string& url() const;

  struct Impl;

 private:
  explicit SignalingClient(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;  // shared with its pending operations
};

}  // namespace roundtable::hub
