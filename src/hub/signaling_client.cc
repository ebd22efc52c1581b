#include "hub/signaling_client.h"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <algorithm>
#include <atomic>
#include <deque>
#include <set>
#include <vector>

#include "p2p/room_signaling.h"

namespace roundtable::hub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using error_code = boost::system::error_code;

namespace {

struct RelayUrl {
  bool secure = false;
  std::string host, port, target;
};

Status parseUrl(const std::string& url, RelayUrl* out) {
  std::string_view rest = url;
  if (rest.starts_with("wss://")) {
    out->secure = true;
    rest.remove_prefix(6);
  } else if (rest.starts_with("ws://")) {
    rest.remove_prefix(5);
  } else {
    return Status::InvalidArgument("a signaling URL starts with ws:// or wss://: '" + url + "'");
  }
  size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  out->target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    out->host = std::string(authority.substr(0, colon));
    out->port = std::string(authority.substr(colon + 1));
  } else {
    out->host = std::string(authority);
    out->port = out->secure ? "443" : "80";
  }
  if (out->host.size() > 2 && out->host.front() == '[' && out->host.back() == ']') out->host = out->host.substr(1, out->host.size() - 2);
  if (out->host.empty() || out->port.empty() || !std::all_of(out->port.begin(), out->port.end(), ::isdigit))
    return Status::InvalidArgument("no host or a bad port in signaling URL '" + url + "'");
  return Status::Ok();
}

}  // namespace

struct SignalingClient::Impl : std::enable_shared_from_this<SignalingClient::Impl> {
  using Strand = asio::strand<asio::io_context::executor_type>;
  using Plain = websocket::stream<beast::tcp_stream>;
  using Secure = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

  Impl(asio::io_context& io, asio::ssl::context& tls, std::string url, RelayUrl parsed, Handler handler,
       SignalingClientOptions options)
      : strand(asio::make_strand(io)),
        tls(tls),
        url(std::move(url)),
        where(std::move(parsed)),
        handler(std::move(handler)),
        options(options),
        resolver(strand),
        retryTimer(strand),
        pingTimer(strand) {}

  Strand strand;
  asio::ssl::context& tls;
  const std::string url;
  const RelayUrl where;
  const Handler handler;
  const SignalingClientOptions options;
  asio::ip::tcp::resolver resolver;
  asio::steady_timer retryTimer, pingTimer;

  // On the strand.
  std::unique_ptr<Plain> plain;
  std::unique_ptr<Secure> secure;
  uint64_t generation = 0;  // callbacks of an earlier connection find it changed
  bool stopped = false, open = false, writing = false;
  int failures = 0;
  std::set<std::string> topics;
  std::deque<std::string> outbox;
  size_t outboxBytes = 0;
  beast::flat_buffer buffer;
  std::chrono::steady_clock::time_point lastReceived;
  std::atomic<bool> connectedFlag{false};

  template <typename F>
  void withStream(F&& f) {
    if (plain) f(*plain);
    if (secure) f(*secure);
  }

  void connect() {
    if (stopped) return;
    uint64_t gen = ++generation;
    resolver.async_resolve(where.host, where.port,
                           [self = shared_from_this(), gen](error_code ec, asio::ip::tcp::resolver::results_type results) {
                             if (gen != self->generation) return;
                             if (ec) return self->drop("resolving " + self->where.host + ": " + ec.message());
                             self->onResolved(gen, results);
                           });
  }

  void onResolved(uint64_t gen, const asio::ip::tcp::resolver::results_type& results) {
    auto onTcp = [self = shared_from_this(), gen](error_code ec, const asio::ip::tcp::endpoint&) {
      if (gen != self->generation) return;
      if (ec) return self->drop("connecting: " + ec.message());
      self->onTcp(gen);
    };
    if (where.secure) {
      secure = std::make_unique<Secure>(strand, tls);
      beast::get_lowest_layer(*secure).expires_after(std::chrono::seconds(10));
      beast::get_lowest_layer(*secure).async_connect(results, onTcp);
    } else {
      plain = std::make_unique<Plain>(strand);
      beast::get_lowest_layer(*plain).expires_after(std::chrono::seconds(10));
      beast::get_lowest_layer(*plain).async_connect(results, onTcp);
    }
  }

  void onTcp(uint64_t gen) {
    if (!secure) return websocketHandshake(gen);
    // SNI and the certificate's name: what a browser checks.
    if (!SSL_set_tlsext_host_name(secure->next_layer().native_handle(), where.host.c_str()))
      return drop("TLS: cannot set the server name");
    secure->next_layer().set_verify_mode(asio::ssl::verify_peer);
    secure->next_layer().set_verify_callback(asio::ssl::host_name_verification(where.host));
    secure->next_layer().async_handshake(asio::ssl::stream_base::client, [self = shared_from_this(), gen](error_code ec) {
      if (gen != self->generation) return;
      if (ec) return self->drop("TLS: " + ec.message());
      self->websocketHandshake(gen);
    });
  }

  void websocketHandshake(uint64_t gen) {
    withStream([&](auto& ws) {
      beast::get_lowest_layer(ws).expires_never();
      ws.set_option(websocket::stream_base::timeout{std::chrono::seconds(10), websocket::stream_base::none(), false});
      ws.read_message_max(options.maxMessageBytes);
      std::string host = where.host + (where.port == (where.secure ? "443" : "80") ? "" : ":" + where.port);
      ws.async_handshake(host, where.target, [self = shared_from_this(), gen](error_code ec) {
        if (gen != self->generation) return;
        if (ec) return self->drop("WebSocket handshake: " + ec.message());
        self->onOpen(gen);
      });
    });
  }

  void onOpen(uint64_t gen) {
    open = true;
    connectedFlag = true;
    failures = 0;
    lastReceived = std::chrono::steady_clock::now();
    withStream([](auto& ws) { ws.text(true); });
    if (!topics.empty()) {
      std::vector<std::string> all(topics.begin(), topics.end());
      enqueue(p2p::subscribeMessage(all), true);
    }
    if (handler.connected) handler.connected();
    read(gen);
    schedulePing(gen);
  }

  void read(uint64_t gen) {
    withStream([&](auto& ws) {
      ws.async_read(buffer, [self = shared_from_this(), gen](error_code ec, size_t) {
        if (gen != self->generation) return;
        if (ec) return self->drop("reading: " + ec.message());
        self->lastReceived = std::chrono::steady_clock::now();
        std::string text = beast::buffers_to_string(self->buffer.data());
        self->buffer.consume(self->buffer.size());
        if (self->handler.message) self->handler.message(text);
        if (gen == self->generation) self->read(gen);
      });
    });
  }

  void schedulePing(uint64_t gen) {
    pingTimer.expires_after(options.pingInterval);
    pingTimer.async_wait([self = shared_from_this(), gen](error_code ec) {
      if (ec || gen != self->generation || !self->open) return;
      if (std::chrono::steady_clock::now() - self->lastReceived > self->options.silenceTimeout)
        return self->drop("the relay was silent too long");
      self->enqueue(std::string(p2p::kPingMessage), true);
      self->schedulePing(gen);
    });
  }

  void enqueue(std::string text, bool always) {
    if (!open) return;
    if (!always && outboxBytes + text.size() > options.maxQueuedBytes) return;
    outboxBytes += text.size();
    outbox.push_back(std::move(text));
    if (!writing) writeNext(generation);
  }

  void writeNext(uint64_t gen) {
    if (outbox.empty() || !open) return;
    writing = true;
    withStream([&](auto& ws) {
      ws.async_write(asio::buffer(outbox.front()), [self = shared_from_this(), gen](error_code ec, size_t) {
        if (gen != self->generation) return;
        self->writing = false;
        if (ec) return self->drop("writing: " + ec.message());
        self->outboxBytes -= self->outbox.front().size();
        self->outbox.pop_front();
        self->writeNext(gen);
      });
    });
  }

  // Ends the connection and, unless stopped, tries again after the backoff.
  void drop(std::string why) {
    bool wasOpen = open;
    closeStreams();
    if (handler.disconnected && (wasOpen || failures == 0)) handler.disconnected(why);
    if (stopped) return;
    auto delay = std::min<std::chrono::milliseconds>(std::chrono::milliseconds(100L << std::min(failures, 10)), options.maxBackoff);
    ++failures;
    retryTimer.expires_after(delay);
    retryTimer.async_wait([self = shared_from_this()](error_code ec) {
      if (!ec) self->connect();
    });
  }

  void closeStreams() {
    ++generation;
    open = false;
    connectedFlag = false;
    writing = false;
    outbox.clear();
    outboxBytes = 0;
    buffer.consume(buffer.size());
    pingTimer.cancel();
    error_code ignored;
    withStream([&](auto& ws) { beast::get_lowest_layer(ws).socket().close(ignored); });
    // The streams go once their cancelled operations have run.
    asio::post(strand, [old = std::shared_ptr<Plain>(std::move(plain)), olds = std::shared_ptr<Secure>(std::move(secure))] {});
  }
};

Status SignalingClient::create(asio::io_context& io, asio::ssl::context& tls, std::string url, Handler handler,
                               SignalingClientOptions options, std::unique_ptr<SignalingClient>* out) {
  RelayUrl parsed;
  if (Status s = parseUrl(url, &parsed); !s.ok()) return s;
  out->reset(new SignalingClient(std::make_shared<Impl>(io, tls, std::move(url), std::move(parsed), std::move(handler), options)));
  return Status::Ok();
}

SignalingClient::SignalingClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

SignalingClient::~SignalingClient() { stop(); }

void SignalingClient::start() {
  asio::post(impl_->strand, [impl = impl_] { impl->connect(); });
}

void SignalingClient::stop() {
  asio::post(impl_->strand, [impl = impl_] {
    if (impl->stopped) return;
    impl->stopped = true;
    impl->retryTimer.cancel();
    impl->resolver.cancel();
    impl->closeStreams();
  });
}

void SignalingClient::subscribe(std::string topic) {
  asio::post(impl_->strand, [impl = impl_, topic = std::move(topic)] {
    if (!impl->topics.insert(topic).second) return;
    std::vector<std::string> one{topic};
    impl->enqueue(p2p::subscribeMessage(one), true);
  });
}

void SignalingClient::unsubscribe(std::string topic) {
  asio::post(impl_->strand, [impl = impl_, topic = std::move(topic)] {
    if (impl->topics.erase(topic) == 0) return;
    std::vector<std::string> one{topic};
    impl->enqueue(p2p::unsubscribeMessage(one), true);
  });
}

void SignalingClient::publish(std::string text) {
  asio::post(impl_->strand, [impl = impl_, text = std::move(text)]() mutable { impl->enqueue(std::move(text), false); });
}

bool SignalingClient::connected() const { return impl_->connectedFlag.load(); }

const std::string& SignalingClient::url() const { return impl_->url; }

}  // namespace roundtable::hub
