#include "hub/peer_session.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "hub/metrics.h"

namespace roundtable::hub {

namespace asio = boost::asio;

std::shared_ptr<PeerSession> PeerSession::make(asio::io_context& io, asio::any_io_executor worker,
                                               std::shared_ptr<RoomRegistry> rooms, std::string docName,
                                               std::string remotePeer, PeerSessionLimits limits,
                                               p2p::FrameBudget* budget, Handlers handlers) {
  return std::shared_ptr<PeerSession>(new PeerSession(io, std::move(worker), std::move(rooms), std::move(docName),
                                                      std::move(remotePeer), limits, budget, std::move(handlers)));
}

PeerSession::PeerSession(asio::io_context& io, asio::any_io_executor worker, std::shared_ptr<RoomRegistry> rooms,
                         std::string docName, std::string remotePeer, PeerSessionLimits limits,
                         p2p::FrameBudget* budget, Handlers handlers)
    : strand_(asio::make_strand(io.get_executor())),
      worker_(std::move(worker)),
      rooms_(std::move(rooms)),
      docName_(std::move(docName)),
      remotePeer_(std::move(remotePeer)),
      label_("webrtc peer " + remotePeer_.substr(0, 8)),
      limits_(limits),
      handlers_(std::move(handlers)),
      openTimer_(strand_),
      assembler_({.maxMessageBytes = limits.maxMessageBytes}, budget) {}

PeerSession::~PeerSession() {
  // end() hands the connection to the worker; this is the path for a
  // session that never started.
  if (connection_) connection_->close();
}

Status PeerSession::start(const webrtc::PeerOptions& options, SignalOut signalOut) {
  std::weak_ptr<PeerSession> weak = self();
  webrtc::PeerConnection::Events events;
  events.signal = std::move(signalOut);
  events.open = [weak] {
    if (auto s = weak.lock()) asio::post(s->strand_, [s] { s->onOpen(); });
  };
  events.message = [weak](std::vector<uint8_t> data) {
    auto s = weak.lock();
    if (!s || s->ending_.load()) return;
    // Counted before it is posted: a peer sending faster than the room
    // takes its messages is stopped here, not by memory running out.
    size_t queued = s->inboxBytes_.fetch_add(data.size()) + data.size();
    if (queued > s->limits_.maxQueuedBytes) {
      metrics().slowConsumers++;
      asio::post(s->strand_, [s, queued] {
        s->end("sent " + std::to_string(queued) + " bytes that the room has not taken yet (limit " +
               std::to_string(s->limits_.maxQueuedBytes) + ")");
      });
      return;
    }
    asio::post(s->strand_, [s, data = std::move(data)]() mutable { s->onData(std::move(data)); });
  };
  events.closed = [weak](std::string why) {
    if (auto s = weak.lock()) asio::post(s->strand_, [s, why = std::move(why)]() mutable { s->end(std::move(why)); });
  };
  webrtc::PeerOptions peerOptions = options;
  // The channel carries at most a frame (or a whole small message) at a time.
  peerOptions.maxMessageBytes = p2p::kChunkThreshold + 1024;
  std::unique_ptr<webrtc::PeerConnection> connection;
  Status s = webrtc::PeerConnection::create(peerOptions, std::move(events), &connection);
  {
    std::lock_guard lock(connectionMutex_);
    if (s.ok() && !ending_.load()) connection_ = std::move(connection);
  }
  if (!s.ok()) {
    shutdown("could not make a WebRTC connection: " + s.message());
    return s;
  }
  asio::post(strand_, [s = self()] {
    if (s->ended_called_ || s->opened_.load()) return;
    s->openTimer_.expires_after(s->limits_.openTimeout);
    s->openTimer_.async_wait([s](boost::system::error_code ec) {
      if (!ec && !s->opened_.load())
        s->end("did not connect within " + std::to_string(s->limits_.openTimeout.count()) + " ms");
    });
  });
  return Status::Ok();
}

Status PeerSession::signal(const lib0::Value& signal) {
  Status s;
  {
    std::lock_guard lock(connectionMutex_);
    if (!connection_) return Status::FailedPrecondition("the connection has ended");
    s = connection_->signal(signal);
  }
  if (!s.ok()) shutdown("a bad signal: " + s.message());
  return s;
}

void PeerSession::shutdown(std::string why) {
  asio::post(strand_, [s = self(), why = std::move(why)]() mutable { s->end(std::move(why)); });
}

void PeerSession::onOpen() {
  if (ended_called_ || opened_.exchange(true)) return;
  openTimer_.cancel();
  room_ = rooms_->acquireForJoin(docName_);
  room_->join(self());
  if (handlers_.opened) handlers_.opened(self());
  deliverNext();
}

void PeerSession::onData(std::vector<uint8_t> data) {
  size_t size = data.size();
  if (ended_called_ || !room_) {
    inboxBytes_.fetch_sub(size);
    return;
  }
  std::optional<std::vector<uint8_t>> whole;
  Status s = assembler_.push(data, &whole);
  inboxBytes_.fetch_sub(size);
  if (!s.ok()) {
    metrics().badMessages++;
    return end("a bad frame: " + s.message());
  }
  if (!whole) return;
  inboxBytes_.fetch_add(whole->size());
  inbox_.push_back(std::move(*whole));
  deliverNext();
}

void PeerSession::deliverNext() {
  if (delivering_ || inbox_.empty() || !room_ || ended_called_) return;
  delivering_ = true;
  Bytes message = std::move(inbox_.front());
  inbox_.pop_front();
  inboxBytes_.fetch_sub(message.size());
  room_->message(self(), std::move(message));
}

void PeerSession::continueReading() {
  asio::post(strand_, [s = self()] {
    s->delivering_ = false;
    s->deliverNext();
  });
}

void PeerSession::end(std::string why) {
  if (ended_called_) return;
  ended_called_ = true;
  ending_ = true;
  openTimer_.cancel();
  if (room_) room_->leave(self());
  room_.reset();
  inbox_.clear();
  assembler_.reset();
  std::shared_ptr<webrtc::PeerConnection> connection;
  {
    std::lock_guard lock(connectionMutex_);
    connection = std::move(connection_);
  }
  // Stopping the pipeline waits for GStreamer's threads: not on an io thread.
  if (connection) asio::post(worker_, [connection] { connection->close(); });
  auto ended = std::move(handlers_.ended);
  handlers_ = {};
  if (ended) ended(self(), why);
}

void PeerSession::transmit(std::span<const uint8_t> message, bool answer) {
  if (!opened_.load() || ending_.load()) return;
  std::vector<std::vector<uint8_t>> frames;
  std::string failure;
  {
    std::lock_guard lock(connectionMutex_);
    if (!connection_) return;
    uint64_t buffered = connection_->bufferedAmount();
    if (buffered > limits_.maxQueuedBytes || (!answer && buffered + message.size() > limits_.maxQueuedBytes)) {
      metrics().slowConsumers++;
      failure = "too slow: " + std::to_string(buffered) + " bytes not yet sent";
    } else if (Status s = splitter_.split(message, &frames); !s.ok()) {
      failure = "a message too large to send: " + s.message();
    } else {
      for (const auto& frame : frames) {
        if (Status sent = connection_->send(frame); !sent.ok()) {
          failure = "sending failed: " + sent.message();
          break;
        }
      }
    }
  }
  if (!failure.empty()) shutdown(std::move(failure));
}

void PeerSession::send(SharedBytes message) { transmit(*message, false); }

void PeerSession::send(const std::vector<SharedBytes>& messages) {
  for (const auto& m : messages) transmit(*m, false);
}

void PeerSession::sendAnswer(SharedBytes message) { transmit(*message, true); }

void PeerSession::close(CloseCode code, std::string reason) {
  spdlog::info("document '{}': closing {}: {} ({})", docName_, label_, reason, static_cast<int>(code));
  shutdown(std::move(reason));
}

}  // namespace roundtable::hub
