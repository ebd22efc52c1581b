#include "hub/websocket_session.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>

#include "hub/metrics.h"

namespace roundtable::hub {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace asio = boost::asio;

namespace {
std::atomic<uint64_t> nextSessionId{1};
// A peer that does not read our close frame within this time is cut off.
constexpr auto kCloseDeadline = std::chrono::seconds(5);
}  // namespace

WebSocketSession::WebSocketSession(beast::tcp_stream&& stream, std::unique_ptr<Endpoint> endpoint,
                                   SessionLimits limits, ConnectionToken token)
    : ws_(std::move(stream)),
      endpoint_(std::move(endpoint)),
      limits_(limits),
      token_(std::move(token)),
      id_(nextSessionId++),
      killTimer_(ws_.get_executor()) {
  metrics().websocketsOpen++;
}

WebSocketSession::~WebSocketSession() { metrics().websocketsOpen--; }

void WebSocketSession::accept(beast::http::request<beast::http::string_body> request) {
  target_ = std::string(request.target());
  beast::get_lowest_layer(ws_).expires_never();
  ws_.set_option(websocket::stream_base::timeout::suggested(beast::role_type::server));
  ws_.set_option(websocket::stream_base::decorator([](websocket::response_type& res) {
    res.set(beast::http::field::server, "roundtable");
  }));
  ws_.read_message_max(limits_.maxMessageBytes);
  ws_.auto_fragment(false);
  ws_.async_accept(request, beast::bind_front_handler(&WebSocketSession::onAccept, shared_from_this()));
}

void WebSocketSession::onAccept(beast::error_code ec) {
  if (ec) {
    spdlog::debug("websocket {} handshake failed: {}", id_, ec.message());
    finish();
    return;
  }
  open_ = true;
  endpoint_->onOpen(shared_from_this());
  doRead();
}

void WebSocketSession::doRead() {
  if (closing_ || finished_) return;
  ws_.async_read(buffer_, beast::bind_front_handler(&WebSocketSession::onRead, shared_from_this()));
}

void WebSocketSession::onRead(beast::error_code ec, size_t bytes) {
  if (ec) {
    if (ec == websocket::error::message_too_big) {
      spdlog::warn("websocket {} ({}): message over {} bytes, closing", id_, remoteAddress(),
                   limits_.maxMessageBytes);
      metrics().limitRefusals++;
    } else if (ec != websocket::error::closed && ec != asio::error::eof &&
               ec != asio::error::operation_aborted) {
      spdlog::debug("websocket {} read: {}", id_, ec.message());
    }
    // Beast has already answered protocol violations (and oversize messages,
    // 1009) with a close frame; nothing more to send.
    finish();
    return;
  }
  metrics().bytesReceived += bytes;
  auto data = buffer_.cdata();
  Bytes message(static_cast<const uint8_t*>(data.data()), static_cast<const uint8_t*>(data.data()) + data.size());
  buffer_.consume(buffer_.size());
  if (closing_) return;
  endpoint_->onMessage(shared_from_this(), std::move(message), ws_.got_text());
}

void WebSocketSession::continueReading() {
  asio::post(ws_.get_executor(), [self = shared_from_this()] { self->doRead(); });
}

void WebSocketSession::send(SharedBytes message, bool text) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), message = std::move(message), text]() mutable {
    if (!self->open_ || self->closing_) return;
    if (self->queuedBytes_ + message->size() > self->limits_.maxQueuedBytes) {
      spdlog::warn("websocket {} ({}): peer too slow ({} bytes queued), disconnecting", self->id_,
                   self->remoteAddress(), self->queuedBytes_);
      metrics().slowConsumers++;
      // Drop what the peer has not started to receive; the close follows.
      if (self->writing_) {
        Outgoing inFlight = std::move(self->queue_.front());
        self->queue_.clear();
        self->queue_.push_back(std::move(inFlight));
        self->queuedBytes_ = self->queue_.front().bytes->size();
      } else {
        self->queue_.clear();
        self->queuedBytes_ = 0;
      }
      self->closeReason_ = websocket::close_reason(websocket::close_code::policy_error, "too slow");
      self->startClose();
      return;
    }
    self->queuedBytes_ += message->size();
    self->queue_.push_back({std::move(message), text});
    if (!self->writing_) self->doWrite();
  });
}

void WebSocketSession::close(CloseCode code, std::string reason) {
  asio::post(ws_.get_executor(), [self = shared_from_this(), code, reason = std::move(reason)] {
    if (self->closing_ || self->finished_) return;
    self->closeReason_ = websocket::close_reason(static_cast<websocket::close_code>(code), reason);
    self->startClose();
  });
}

void WebSocketSession::doWrite() {
  if (queue_.empty()) {
    writing_ = false;
    if (closing_ && !closeSent_) startClose();
    return;
  }
  writing_ = true;
  const Outgoing& next = queue_.front();
  ws_.binary(!next.text);
  ws_.async_write(asio::buffer(*next.bytes), beast::bind_front_handler(&WebSocketSession::onWrite, shared_from_this()));
}

void WebSocketSession::onWrite(beast::error_code ec, size_t bytes) {
  writing_ = false;
  if (ec) {
    spdlog::debug("websocket {} write: {}", id_, ec.message());
    queue_.clear();
    queuedBytes_ = 0;
    beast::get_lowest_layer(ws_).close();
    finish();
    return;
  }
  metrics().bytesSent += bytes;
  queuedBytes_ -= queue_.front().bytes->size();
  queue_.pop_front();
  if (closing_ && !closeSent_) {
    // Flush what was queued before the close was requested, then close.
    if (!queue_.empty()) return doWrite();
    startClose();
    return;
  }
  doWrite();
}

void WebSocketSession::startClose() {
  if (!closing_) {
    closing_ = true;
    killTimer_.expires_after(kCloseDeadline);
    killTimer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) beast::get_lowest_layer(self->ws_).close();
    });
  }
  if (!open_ || closeSent_ || finished_ || writing_) return;  // onWrite continues the close
  closeSent_ = true;
  ws_.async_close(closeReason_, [self = shared_from_this()](beast::error_code) {
    self->killTimer_.cancel();
    self->finish();
  });
}

void WebSocketSession::finish() {
  if (finished_) return;
  finished_ = true;
  open_ = false;
  killTimer_.cancel();
  if (endpoint_) endpoint_->onClose(shared_from_this());
}

}  // namespace roundtable::hub
