#include "mcp_stdio/hub_stream.h"

#include <openssl/ssl.h>

#include <boost/asio/ssl/host_name_verification.hpp>

namespace roundtable::mcp_stdio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;

namespace {

// One context for the process: loading the CA store takes a moment.
ssl::context& clientContext() {
  static ssl::context* context = [] {
    auto* c = new ssl::context(ssl::context::tls_client);
    c->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    c->set_default_verify_paths(ec);  // without a store every certificate fails, which is the safe side
    c->set_verify_mode(ssl::verify_peer);
    return c;
  }();
  return *context;
}

// OpenSSL's errors name the library and routine first; the reason is what a
// user can act on ("certificate verify failed").
std::string tlsError(const beast::error_code& ec) {
  if (ec.category() == asio::error::get_ssl_category()) {
    const char* reason = ERR_reason_error_string(static_cast<unsigned long>(ec.value()));
    if (reason) return reason;
  }
  return ec.message();
}

}  // namespace

HubStream::HubStream(asio::io_context& ioc, const HubAddress& hub) : hub_(hub), resolver_(ioc), plain_(ioc) {
  if (hub.tls) tls_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(ioc, clientContext());
}

beast::tcp_stream& HubStream::tcp() { return tls_ ? beast::get_lowest_layer(*tls_) : plain_; }

void HubStream::connect(std::chrono::steady_clock::duration timeout, std::function<void(std::string)> done) {
  tcp().expires_after(timeout);
  resolver_.async_resolve(hub_.host, std::to_string(hub_.port), [this, done = std::move(done)](
                                                                     beast::error_code ec,
                                                                     asio::ip::tcp::resolver::results_type results) {
    if (ec) return done("cannot resolve " + hub_.host + ": " + ec.message());
    tcp().async_connect(results, [this, done = std::move(done)](beast::error_code ec, auto) {
      if (ec) return done(ec.message());
      if (!tls_) return done("");
      SSL* ssl = tls_->native_handle();
      boost::system::error_code notIp;
      (void)asio::ip::make_address(hub_.host, notIp);
      // SNI names a host, never an address (RFC 6066).
      if (notIp && !SSL_set_tlsext_host_name(ssl, hub_.host.c_str())) return done("TLS: cannot set the server name");
      tls_->set_verify_callback([this](bool preverified, ssl::verify_context& ctx) {
        bool ok = ssl::host_name_verification(hub_.host)(preverified, ctx);
        if (preverified && !ok) wrongHost_ = true;
        return ok;
      });
      tls_->async_handshake(ssl::stream_base::client, [this, done = std::move(done)](beast::error_code ec) {
        if (!ec) return done("");
        std::string why = tlsError(ec);
        long verify = SSL_get_verify_result(tls_->native_handle());
        if (wrongHost_) why += " (the certificate is not for " + hub_.host + ")";
        else if (verify != X509_V_OK) why += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
        done("TLS handshake failed: " + why);
      });
    });
  });
}

void HubStream::close() {
  beast::error_code ec;
  tcp().socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
}

}  // namespace roundtable::mcp_stdio
