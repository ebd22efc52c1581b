// HubStream: one connection from a front (`roundtable mcp`, `hook`) to the
// hub, plain TCP or, for an https:// hub, TLS through OpenSSL.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "mcp_stdio/hub_launcher.h"

namespace roundtable::mcp_stdio {

class HubStream {
 public:
  HubStream(boost::asio::io_context& ioc, const HubAddress& hub);

  // Resolves the host, connects and, over TLS, shakes hands: the hub's
  // certificate is verified against the system's CA store (OpenSSL's default
  // paths, which honour SSL_CERT_FILE and SSL_CERT_DIR) and must name the
  // URL's host; there is no way to skip that. `done` gets "" or why it failed.
  void connect(std::chrono::steady_clock::duration timeout, std::function<void(std::string error)> done);

  // The TCP layer (timeouts, the socket), under TLS or not.
  boost::beast::tcp_stream& tcp();
  // Runs `f` on the stream to read and write: the TLS stream or the TCP one.
  template <class F>
  void with(F&& f) {
    if (tls_) f(*tls_);
    else f(plain_);
  }
  // Closes the socket, without TLS's close_notify: the hub takes a closed
  // connection as the end of the request (a cancel).
  void close();

 private:
  const HubAddress& hub_;
  boost::asio::ip::tcp::resolver resolver_;
  boost::beast::tcp_stream plain_;
  std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_;
  bool wrongHost_ = false;  // the certificate was valid but named another host
};

}  // namespace roundtable::mcp_stdio
