#include "hub/websocket_session.h"

#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <cerrno>
#include <chrono>

#include "hub/beast_string.h"
#include "hub/metrics.h"
#include "websocket/handshake.h"

namespace roundtable::hub {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using boost::system::error_code;
using websocket::Opcode;

namespace {

// A peer that does not answer our close frame within this time is cut off.
constexpr uint32_t kCloseDeadlineSeconds = 5;
// At most this many frames per sendmsg (two iovecs each; IOV_MAX is 1024).
constexpr size_t kMaxFramesPerWrite = 256;
// Bytes taken from the socket per read. The buffer is per thread, so an idle
// connection holds none; only the unparsed rest of a read is kept.
constexpr size_t kReadChunk = 64 * 1024;

// The accepted socket's descriptor on a concretely typed strand: the one it
// was accepted on (one of the hub's connection strands), or a new strand of
// its io_context.
WebSocketSession::Socket adopt(asio::ip::tcp::socket&& accepted) {
  const auto& executor = accepted.get_executor();
  const auto* strand = executor.target<WebSocketSession::Strand>();
  WebSocketSession::Socket socket(strand ? *strand
                                         : asio::make_strand(static_cast<asio::io_context&>(
                                               asio::query(executor, asio::execution::context))));
  error_code ec;
  auto protocol = accepted.local_endpoint(ec).protocol();
  if (ec) return socket;  // already dead: the session sees a closed socket
  auto fd = accepted.release(ec);
  if (!ec) socket.assign(protocol, fd, ec);
  return socket;
}

}  // namespace

WebSocketSession::WebSocketSession(asio::ip::tcp::socket&& socket, std::unique_ptr<Endpoint> endpoint,
                                   SessionLimits limits, ConnectionToken token, SessionTimers& timers)
    : socket_(adopt(std::move(socket))),
      endpoint_(std::move(endpoint)),
      limits_(limits),
      token_(std::move(token)),
      timers_(timers),
      reader_(limits.maxMessageBytes) {
  metrics().websocketsOpen++;
  timers_.add(this);
}

WebSocketSession::~WebSocketSession() {
  timers_.remove(this);
  metrics().websocketsOpen--;
}

// ---------------------------------------------------------------------------
// Handshake (RFC 6455 section 4.2.2): the checks and answers of Beast's own
// websocket accept, which the hub used before.

void WebSocketSession::accept(const http::request<http::string_body>& request, Bytes pipelined) {
  auto response = std::make_shared<http::response<http::string_body>>();
  response->version(11);
  response->set(http::field::server, "roundtable");
  std::string_view key = sv(request[http::field::sec_websocket_key]);
  std::string_view version = sv(request[http::field::sec_websocket_version]);
  auto refuse = [&](http::status status, std::string body) {
    response->result(status);
    response->set(http::field::content_type, "text/plain; charset=utf-8");
    response->body() = std::move(body);
    response->keep_alive(false);
    response->prepare_payload();
  };
  bool ok = false;
  if (request.version() < 11 || request.method() != http::verb::get ||
      !http::token_list(request[http::field::connection]).exists("upgrade") ||
      !http::token_list(request[http::field::upgrade]).exists("websocket")) {
    refuse(http::status::bad_request, "not a WebSocket upgrade\n");
  } else if (!websocket::isValidClientKey(key)) {
    refuse(http::status::bad_request, "missing or invalid Sec-WebSocket-Key\n");
  } else if (version.empty()) {
    refuse(http::status::bad_request, "missing Sec-WebSocket-Version\n");
  } else if (version != "13") {
    refuse(http::status::upgrade_required, "unsupported Sec-WebSocket-Version\n");
    response->set(http::field::sec_websocket_version, "13");
  } else {
    ok = true;
    response->result(http::status::switching_protocols);
    response->set(http::field::upgrade, "websocket");
    response->set(http::field::connection, "Upgrade");
    response->set(http::field::sec_websocket_accept, websocket::acceptKey(key));
  }
  if (ok) unread_ = std::move(pipelined);
  http::async_write(socket_, *response, [self = self(), response, ok](error_code ec, size_t) {
    if (!ok) {
      self->socket_.shutdown(Socket::shutdown_send, ec);
      Lock lock(self->mutex_);
      self->state_ = State::kClosed;
      self->socket_.close(ec);
      return;
    }
    self->onHandshakeWritten(ec);
  });
}

void WebSocketSession::onHandshakeWritten(error_code ec) {
  if (ec) {
    spdlog::debug("websocket {} handshake failed: {}", id(), ec.message());
    disconnect();
    return;
  }
  socket_.non_blocking(true, ec);
  {
    Lock lock(mutex_);
    state_ = State::kOpen;
  }
  lastReceived_ = timers_.now();
  timed_ = true;
  opened_ = true;
  endpoint_->onOpen(self());
  resumeReading();
}

// ---------------------------------------------------------------------------
// Reading. The socket's readiness is edge-triggered in Asio's reactor, so the
// session waits for it only after a read found nothing.

void WebSocketSession::readSocket() {
  if (finished_ || paused_ || peerClosed_) return;
  thread_local std::unique_ptr<uint8_t[]> chunk(new uint8_t[kReadChunk]);
  error_code ec;
  size_t n = socket_.read_some(asio::buffer(chunk.get(), kReadChunk), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) return waitReadable();
  if (ec) {
    if (ec != asio::error::eof && ec != asio::error::connection_reset && ec != asio::error::operation_aborted &&
        ec != asio::error::bad_descriptor)
      spdlog::debug("websocket {} read: {}", id(), ec.message());
    disconnect();
    return;
  }
  lastReceived_.store(timers_.now(), std::memory_order_relaxed);
  metrics().bytesReceived += n;
  consume(chunk.get(), n);
}

void WebSocketSession::waitReadable() {
  socket_.async_wait(Socket::wait_read, [self = self()](error_code ec) {
    if (self->finished_) return;
    if (ec) return self->disconnect();
    self->readSocket();
  });
}

void WebSocketSession::consume(const uint8_t* data, size_t size) {
  websocket::ReadEvent event;
  for (;;) {
    size_t used = reader_.read(data, size, event);
    data += used;
    size -= used;
    switch (event.kind) {
      case websocket::ReadEvent::kNeedMore:
        return readSocket();
      case websocket::ReadEvent::kMessage: {
        Lock lock(mutex_);
        if (state_ != State::kOpen) continue;  // closing: what the peer still sends is dropped
        lock.unlock();
        paused_ = true;
        unread_.assign(data, data + size);
        endpoint_->onMessage(self(), std::move(event.payload), event.text);
        return;
      }
      case websocket::ReadEvent::kPing: {
        Lock lock(mutex_);
        if (state_ == State::kOpen) enqueuePong(lock, std::move(event.payload));
        continue;
      }
      case websocket::ReadEvent::kPong:
        continue;
      case websocket::ReadEvent::kClose: {
        peerClosed_ = true;
        Lock lock(mutex_);
        if (closeQueued_) {
          // The answer to our close: the handshake is complete.
          lock.unlock();
          disconnect();
          return;
        }
        // Echo the peer's code, then end the connection (the server closes
        // TCP first, RFC 6455 section 7.1.1).
        CloseCode code = event.code == CloseCode::kNoStatus ? CloseCode::kNormal : event.code;
        enqueueClose(lock, code, "", /*disconnectAfter=*/true);
        return;
      }
      case websocket::ReadEvent::kError: {
        if (event.code == CloseCode::kTooBig) {
          spdlog::warn("websocket {} ({}): message over {} bytes, closing", id(), remoteAddress(),
                       limits_.maxMessageBytes);
          metrics().limitRefusals++;
        } else {
          spdlog::debug("websocket {} ({}): {}, closing", id(), remoteAddress(), event.reason);
        }
        peerClosed_ = true;  // nothing more is read
        Lock lock(mutex_);
        enqueueClose(lock, event.code, event.reason, /*disconnectAfter=*/true);
        return;
      }
    }
  }
}

void WebSocketSession::continueReading() {
  asio::post(socket_.get_executor(), [self = self()] {
    if (self->finished_ || !self->paused_) return;
    self->paused_ = false;
    self->resumeReading();
  });
}

// Parses what was kept back, then reads the socket.
void WebSocketSession::resumeReading() {
  if (unread_.empty()) return readSocket();
  Bytes bytes = std::move(unread_);
  unread_.clear();
  consume(bytes.data(), bytes.size());
}

// ---------------------------------------------------------------------------
// Deadlines: idle pings, idle closes, the close handshake's deadline.

WebSocketSession::Due WebSocketSession::dueAt(uint32_t now) const {
  if (!timed_.load(std::memory_order_relaxed)) return Due::kNothing;
  uint32_t deadline = closeDeadline_.load(std::memory_order_relaxed);
  if (deadline != 0 && now >= deadline) return Due::kCloseUnanswered;
  uint32_t last = lastReceived_.load(std::memory_order_relaxed);
  uint32_t idle = now > last ? now - last : 0;
  if (idle >= 2 * limits_.idleSeconds) return Due::kIdleClose;
  // A ping once per silence: none sent since it passed the limit.
  if (idle >= limits_.idleSeconds && pingSentAt_.load(std::memory_order_relaxed) < last + limits_.idleSeconds)
    return Due::kPing;
  return Due::kNothing;
}

bool WebSocketSession::deadlineDue(uint32_t now) const { return dueAt(now) != Due::kNothing; }

void WebSocketSession::postDeadline() {
  asio::post(socket_.get_executor(), [self = self()] { self->onDeadline(); });
}

void WebSocketSession::onDeadline() {
  if (finished_) return;
  uint32_t now = timers_.now();
  switch (dueAt(now)) {
    case Due::kNothing:
      return;
    case Due::kCloseUnanswered:
      spdlog::debug("websocket {}: no answer to our close frame, disconnecting", id());
      return disconnect();
    case Due::kIdleClose:
      spdlog::debug("websocket {} ({}): idle for {} s, closing", id(), remoteAddress(), 2 * limits_.idleSeconds);
      return disconnect();
    case Due::kPing:
      break;
  }
  Lock lock(mutex_);
  if (state_ != State::kOpen) return;
  pingSentAt_.store(now, std::memory_order_relaxed);
  enqueue(lock, Opcode::kPing, share({}));
  startWriting(lock);
}

// ---------------------------------------------------------------------------
// Writing.

void WebSocketSession::queue(SharedBytes message, bool text) {
  Lock lock(mutex_);
  if (state_ != State::kOpen) return;
  if (queuedBytes_ - answerBytes_ + message->size() > limits_.maxQueuedBytes) return refuseSlowPeer(lock);
  enqueue(lock, text ? Opcode::kText : Opcode::kBinary, std::move(message));
  startWriting(lock);
}

void WebSocketSession::sendAnswer(SharedBytes message) {
  Lock lock(mutex_);
  if (state_ != State::kOpen) return;
  if (answerBytes_ > 0 && queuedBytes_ + message->size() > limits_.maxQueuedBytes) return refuseSlowPeer(lock);
  enqueue(lock, Opcode::kBinary, std::move(message), /*answer=*/true);
  startWriting(lock);
}

void WebSocketSession::send(const std::vector<SharedBytes>& messages) {
  Lock lock(mutex_);
  if (state_ != State::kOpen) return;
  size_t bytes = 0;
  for (const auto& m : messages) bytes += m->size();
  if (queuedBytes_ - answerBytes_ + bytes > limits_.maxQueuedBytes) return refuseSlowPeer(lock);
  for (const auto& m : messages) enqueue(lock, Opcode::kBinary, m);
  startWriting(lock);  // all of them in one write
}

void WebSocketSession::close(CloseCode code, std::string reason) {
  Lock lock(mutex_);
  if (state_ != State::kOpen) return;
  enqueueClose(lock, code, reason, /*disconnectAfter=*/false);
  lock.unlock();
  awaitPeerClose();
}

// After our close frame: read on (whatever the endpoint's pacing) to see the
// peer's answer, until a deadline.
void WebSocketSession::awaitPeerClose() {
  asio::post(socket_.get_executor(), [self = self()] {
    if (self->finished_) return;
    self->closeDeadline_.store(self->timers_.now() + kCloseDeadlineSeconds, std::memory_order_relaxed);
    if (!self->paused_) return;  // reading already
    self->paused_ = false;
    self->resumeReading();
  });
}

void WebSocketSession::refuseSlowPeer(Lock& lock) {
  spdlog::warn("websocket {} ({}): peer too slow ({} bytes queued), disconnecting", id(), remoteAddress(),
               queuedBytes_);
  metrics().slowConsumers++;
  // Drop what the peer has not started to receive; the close follows.
  size_t keep = queueHead_ < queue_.size() && queue_[queueHead_].written > 0 ? queueHead_ + 1 : queueHead_;
  for (size_t i = keep; i < queue_.size(); ++i) {
    queuedBytes_ -= queue_[i].payload->size();
    if (queue_[i].isAnswer) answerBytes_ -= queue_[i].payload->size();
  }
  queue_.resize(keep);
  enqueueClose(lock, CloseCode::kPolicyViolation, "too slow", /*disconnectAfter=*/false);
  lock.unlock();
  awaitPeerClose();
}

void WebSocketSession::enqueue(Lock& lock, Opcode opcode, SharedBytes payload, bool answer) {
  queuedBytes_ += payload->size();
  if (answer) answerBytes_ += payload->size();
  websocket::FrameHeader header = websocket::serverFrameHeader(opcode, payload->size());
  queue_.push_back({std::move(payload), header, 0, opcode == Opcode::kClose, answer});
}

// A pong need only answer the most recent ping (RFC 6455 section 5.5.3):
// while the last frame queued is a pong not yet started, a new ping replaces
// its payload. Otherwise a client that sends pings and does not read would
// grow the queue without bound (pongs are not held to maxQueuedBytes).
void WebSocketSession::enqueuePong(Lock& lock, Bytes payload) {
  if (queueHead_ < queue_.size()) {
    Outgoing& last = queue_.back();
    if (last.written == 0 && (last.header.bytes[0] & 0x0F) == static_cast<uint8_t>(Opcode::kPong)) {
      queuedBytes_ = queuedBytes_ - last.payload->size() + payload.size();
      last.header = websocket::serverFrameHeader(Opcode::kPong, payload.size());
      last.payload = share(std::move(payload));
      return;
    }
  }
  enqueue(lock, Opcode::kPong, share(std::move(payload)));
  startWriting(lock);
}

void WebSocketSession::enqueueClose(Lock& lock, CloseCode code, std::string_view reason, bool disconnectAfter) {
  if (closeQueued_ || state_ == State::kClosed) return;
  closeQueued_ = true;
  disconnectAfterClose_ = disconnectAfter;
  enqueue(lock, Opcode::kClose, share(websocket::closePayload(code, reason)));
  state_ = State::kClosing;
  startWriting(lock);
}

void WebSocketSession::startWriting(Lock& lock) {
  if (writing_ || state_ == State::kClosed || queueHead_ == queue_.size()) return;
  writing_ = true;
  writeQueued(lock);
}

// Writes what is queued until it is all sent or the socket is full; then
// waits for the socket on the strand. Called with writing_ set.
void WebSocketSession::writeQueued(Lock& lock) {
  while (queueHead_ < queue_.size()) {
    std::array<iovec, 2 * kMaxFramesPerWrite> iov;
    size_t count = 0;
    // A frame takes up to two iovecs: stop while both still fit (a partly
    // written or empty-payload frame takes one, so count can be odd).
    for (size_t i = queueHead_; i < queue_.size() && count + 2 <= iov.size(); ++i) {
      Outgoing& o = queue_[i];
      size_t skip = o.written;
      if (skip < o.header.size)
        iov[count++] = {o.header.bytes.data() + skip, static_cast<size_t>(o.header.size - skip)};
      skip = skip > o.header.size ? skip - o.header.size : 0;
      if (skip < o.payload->size())
        iov[count++] = {const_cast<uint8_t*>(o.payload->data()) + skip, o.payload->size() - skip};
    }
    msghdr msg{};
    msg.msg_iov = iov.data();
    msg.msg_iovlen = count;
    ssize_t n = ::sendmsg(socket_.native_handle(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      asio::post(socket_.get_executor(), [self = self()] {
        self->socket_.async_wait(Socket::wait_write, [self](error_code ec) {
          Lock lock(self->mutex_);
          if (ec || self->state_ == State::kClosed) {
            self->writing_ = false;
            return;
          }
          self->writeQueued(lock);
        });
      });
      return;
    }
    if (n < 0) {
      spdlog::debug("websocket {} write: {}", id(), std::strerror(errno));
      queue_.clear();
      queueHead_ = 0;
      queuedBytes_ = 0;
      answerBytes_ = 0;
      writing_ = false;
      lock.unlock();
      asio::post(socket_.get_executor(), [self = self()] { self->disconnect(); });
      lock.lock();
      return;
    }
    metrics().bytesSent += static_cast<uint64_t>(n);
    auto left = static_cast<size_t>(n);
    while (left > 0) {
      Outgoing& o = queue_[queueHead_];
      size_t frame = o.header.size + o.payload->size();
      size_t take = std::min(left, frame - o.written);
      o.written += take;
      left -= take;
      if (o.written < frame) break;
      if (o.isClose) closeWritten_ = true;
      queuedBytes_ -= o.payload->size();
      if (o.isAnswer) answerBytes_ -= o.payload->size();
      o.payload.reset();
      ++queueHead_;
    }
  }
  // Everything is written. An idle connection keeps no queue (a malloc per
  // burst is nothing beside its sendmsg).
  std::vector<Outgoing>().swap(queue_);
  queueHead_ = 0;
  writing_ = false;
  if (closeWritten_ && disconnectAfterClose_) {
    lock.unlock();
    asio::post(socket_.get_executor(), [self = self()] { self->disconnect(); });
    lock.lock();
  }
}

// ---------------------------------------------------------------------------
// The end of the connection, on the strand.

void WebSocketSession::disconnect() {
  if (finished_) return;
  finished_ = true;
  {
    Lock lock(mutex_);
    state_ = State::kClosed;
    queue_.clear();
    queueHead_ = 0;
    queuedBytes_ = 0;
    answerBytes_ = 0;
    error_code ec;
    // Closed under the mutex: no other thread is in sendmsg on this descriptor.
    socket_.shutdown(Socket::shutdown_both, ec);
    socket_.close(ec);
  }
  timed_ = false;
  unread_ = {};
  if (opened_) endpoint_->onClose(self());
}

}  // namespace roundtable::hub
