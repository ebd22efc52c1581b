#include "hub/http_session.h"

#include <spdlog/spdlog.h>

#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <chrono>

#include "hub/beast_string.h"
#include "hub/mcp_endpoint.h"
#include "hub/metrics.h"
#include "hub/room_secret_api.h"
#include "hub/router.h"
#include "hub/websocket_session.h"

namespace roundtable::hub {

namespace beast = boost::beast;
namespace http = beast::http;

namespace {
// A request's header must arrive within kHeaderTimeout of the connection
// (or the previous answer), and the whole request within kRequestTimeout: a
// slowloris is dropped, and so is an idle keep-alive connection.
constexpr auto kHeaderTimeout = std::chrono::seconds(10);
constexpr auto kRequestTimeout = std::chrono::seconds(30);
constexpr size_t kMaxHeaderBytes = 16 * 1024;
}  // namespace

HttpSession::HttpSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<Router> router, ConnectionToken token,
                         bool overLimit)
    : stream_(std::move(socket)), router_(std::move(router)), token_(std::move(token)), overLimit_(overLimit) {
  metrics().httpConnectionsOpen++;
}

HttpSession::HttpSession(beast::tcp_stream&& stream, beast::flat_buffer&& buffer, std::shared_ptr<Router> router,
                         ConnectionToken token)
    : stream_(std::move(stream)), buffer_(std::move(buffer)), router_(std::move(router)), token_(std::move(token)),
      overLimit_(false), served_(true) {
  metrics().httpConnectionsOpen++;
}

HttpSession::~HttpSession() { metrics().httpConnectionsOpen--; }

void HttpSession::run() {
  // Start on the connection's strand.
  boost::asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&HttpSession::doRead, shared_from_this()));
}

void HttpSession::doRead() {
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(router_->bodyLimit());
  stream_.expires_after(kHeaderTimeout);
  // While it waits, a newer connection from the same address may displace it
  // (ConnectionLimiter): idle sockets must not lock other clients out.
  waiting_ = true;
  // Called on the limiter's caller's thread: it touches nothing of this
  // session but through its strand (the executor is copied now, since the
  // stream may be handed to another session meanwhile).
  token_.waiting(served_, [weak = weak_from_this(), strand = stream_.get_executor()] {
    boost::asio::post(strand, [weak] {
      auto self = weak.lock();
      if (!self) return;
      metrics().limitRefusals++;
      if (!self->waiting_) {
        // Its request arrived in the same instant: answer it 429 and close,
        // so that the address is back within its limit.
        self->overLimit_ = true;
        return;
      }
      beast::error_code ec;
      self->stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
      self->stream_.close();
    });
  });
  http::async_read_header(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&HttpSession::onHeader, shared_from_this()));
}

void HttpSession::onHeader(beast::error_code ec, size_t bytes) {
  waiting_ = false;
  token_.busy();
  if (ec || parser_->is_done()) return onRead(ec, bytes);
  // A room secret's body is a few bytes: its limit is read before the body is.
  if (RoomSecretApi::planIdOf(sv(parser_->get().target()))) parser_->body_limit(RoomSecretApi::kMaxBodyBytes);
  stream_.expires_after(kRequestTimeout);
  http::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&HttpSession::onRead, shared_from_this()));
}

void HttpSession::onRead(beast::error_code ec, size_t) {
  if (ec == http::error::end_of_stream) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  if (ec) {
    if (ec == http::error::body_limit || ec == http::error::header_limit) {
      metrics().limitRefusals++;
      HttpRequest dummy;
      auto res = std::make_shared<HttpResponse>(makeResponse(dummy, http::status::payload_too_large,
                                                             "text/plain; charset=utf-8", "request too large\n"));
      res->keep_alive(false);
      response_ = res;
      http::async_write(stream_, *res, beast::bind_front_handler(&HttpSession::onWrite, shared_from_this(), false));
    } else if (ec != beast::error::timeout && ec != boost::asio::error::operation_aborted &&
               ec != boost::asio::error::connection_reset) {
      spdlog::debug("http read: {}", ec.message());
    }
    return;
  }
  HttpRequest request = parser_->release();
  served_ = true;
  if (overLimit_) {
    auto res = std::make_shared<HttpResponse>(router_->tooManyConnections(request));
    response_ = res;
    http::async_write(stream_, *res, beast::bind_front_handler(&HttpSession::onWrite, shared_from_this(), false));
    return;
  }
  if (beast::websocket::is_upgrade(request)) {
    Router::Upgrade up = router_->upgrade(request);
    if (up.endpoint) {
      // Bytes after the request (a client that did not wait for the 101) are
      // the first frames.
      auto pipelined = buffer_.cdata();
      Bytes early(static_cast<const uint8_t*>(pipelined.data()),
                  static_cast<const uint8_t*>(pipelined.data()) + pipelined.size());
      stream_.expires_never();
      auto session = std::make_shared<WebSocketSession>(stream_.release_socket(), std::move(up.endpoint),
                                                        router_->sessionLimits(), std::move(token_),
                                                        router_->sessionTimers());
      session->accept(request, std::move(early));
      return;
    }
    auto res = std::make_shared<HttpResponse>(std::move(*up.refusal));
    res->keep_alive(false);
    response_ = res;
    http::async_write(stream_, *res, beast::bind_front_handler(&HttpSession::onWrite, shared_from_this(), false));
    return;
  }
  std::optional<HttpResponse> refusal;
  if (auto mcp = router_->mcpFor(request, &refusal)) {
    // Streamable HTTP may answer over minutes (an event stream): the
    // exchange owns the connection until then.
    mcp->serve(std::move(stream_), std::move(buffer_), std::move(request), router_, std::move(token_));
    return;
  }
  if (!refusal) {
    // The room secret endpoint may answer later, from a room's strand.
    std::function<void(HttpResponse)> respond = [self = shared_from_this()](HttpResponse answer) {
      boost::asio::post(self->stream_.get_executor(), [self, answer = std::move(answer)]() mutable {
        self->write(std::make_shared<HttpResponse>(std::move(answer)));
      });
    };
    if (router_->handleAsync(request, respond)) return;
  }
  write(std::make_shared<HttpResponse>(refusal ? std::move(*refusal) : router_->handle(request)));
}

void HttpSession::write(std::shared_ptr<HttpResponse> res) {
  bool keepAlive = res->keep_alive();
  response_ = res;
  http::async_write(stream_, *res, beast::bind_front_handler(&HttpSession::onWrite, shared_from_this(), keepAlive));
}

void HttpSession::onWrite(bool keepAlive, beast::error_code ec, size_t) {
  response_.reset();
  if (ec) return;
  if (!keepAlive) {
    stream_.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_send, ec);
    return;
  }
  doRead();
}

}  // namespace roundtable::hub
