// HttpSession: one accepted TCP connection speaking HTTP/1.1. It answers
// plain requests itself (through the Router) and hands the socket to a
// WebSocketSession when a request asks for an upgrade to a known endpoint.
#pragma once

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <memory>
#include <optional>

#include "hub/connection_limiter.h"
#include "hub/shared_body.h"

namespace roundtable::hub {

class Router;

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  // `token` is empty when the peer's address is over its connection limit:
  // the session then answers its first request with 429 and closes.
  HttpSession(boost::asio::ip::tcp::socket&& socket, std::shared_ptr<Router> router, ConnectionToken token,
              bool overLimit);
  // Continues a connection whose previous request another handler answered
  // (an MCP exchange); `buffer` may hold the start of the next request.
  HttpSession(boost::beast::tcp_stream&& stream, boost::beast::flat_buffer&& buffer, std::shared_ptr<Router> router,
              ConnectionToken token);
  ~HttpSession();
  void run();

 private:
  void doRead();
  void onHeader(boost::beast::error_code ec, size_t bytes);
  void onRead(boost::beast::error_code ec, size_t bytes);
  void onWrite(bool keepAlive, boost::beast::error_code ec, size_t bytes);
  // Sends `res` (on the session's strand), then reads the next request if it keeps the connection.
  void write(std::shared_ptr<boost::beast::http::response<SharedBody>> res);

  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::shared_ptr<Router> router_;
  ConnectionToken token_;
  bool overLimit_;
  bool served_ = false;   // a request was answered on this connection
  bool waiting_ = false;  // waiting for a request's header (may be displaced)
  std::shared_ptr<void> response_;  // keeps the response alive during async_write
};

}  // namespace roundtable::hub
