#include "hub/mcp_endpoint.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http.hpp>
#include <deque>
#include <random>

#include "auth/token.h"
#include "hub/beast_string.h"
#include "hub/http_session.h"
#include "hub/log_throttle.h"
#include "hub/metrics.h"
#include "mcp/plan_tools.h"

namespace roundtable::hub {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

std::string randomSessionId() {
  // 128 random bits: the session id is the only thing that ties a client's
  // requests together, so it must not be guessable.
  static thread_local std::random_device device;
  std::string id;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    uint32_t word = device();
    for (int j = 0; j < 8; ++j) id += kHex[(word >> (j * 4)) & 15];
  }
  return id;
}

bool accepts(std::string_view accept, std::string_view type) {
  return accept.empty() || accept.find(type) != std::string_view::npos || accept.find("*/*") != std::string_view::npos;
}

std::string sseEvent(const mcp::Json& message) { return "event: message\ndata: " + message.dump() + "\n\n"; }

}  // namespace

// One request to /mcp: owns the connection until its response is complete.
class McpExchange : public std::enable_shared_from_this<McpExchange> {
 public:
  McpExchange(std::shared_ptr<McpEndpoint> endpoint, beast::tcp_stream stream, beast::flat_buffer buffer,
              HttpRequest request, std::shared_ptr<Router> router, ConnectionToken token)
      : endpoint_(std::move(endpoint)), stream_(std::move(stream)), buffer_(std::move(buffer)),
        request_(std::move(request)), router_(std::move(router)), token_(std::move(token)),
        keepAliveTimer_(stream_.get_executor()) {}

  void run() {
    switch (request_.method()) {
      case http::verb::post: return post();
      case http::verb::get: return get();
      case http::verb::delete_: return remove();
      default: {
        auto res = plain(http::status::method_not_allowed, "method not allowed\n");
        res.set(http::field::allow, "GET, POST, DELETE");
        return respond(std::move(res));
      }
    }
  }

 private:
  enum class Mode { kPending, kStream, kDone };

  HttpResponse plain(http::status status, std::string body) {
    return makeResponse(request_, status, "text/plain; charset=utf-8", std::move(body));
  }

  HttpResponse jsonResponse(http::status status, const mcp::Json& body) {
    auto res = makeResponse(request_, status, "application/json", body.dump());
    if (!sessionId_.empty()) res.set("Mcp-Session-Id", sessionId_);
    res.set(http::field::cache_control, "no-store");
    return res;
  }

  // A JSON-RPC error with an HTTP status, for requests that never reach a session.
  void rejectRpc(http::status status, int code, const std::string& message, const mcp::Json& id = nullptr) {
    respond(jsonResponse(status, mcp::makeError(id, code, message)));
  }

  // The session a request names, or an error response already sent.
  // `request`: the message is a JSON-RPC request (not a notification such as
  // notifications/initialized, which every client sends after initialize).
  std::shared_ptr<McpEndpoint::Session> session(const mcp::Json& id = nullptr, bool request = false) {
    std::string header(sv(request_["Mcp-Session-Id"]));
    if (header.empty()) {
      rejectRpc(http::status::bad_request, mcp::kInvalidRequest, "Mcp-Session-Id header is required (initialize first)", id);
      return nullptr;
    }
    // A session taken up here speaks the revision its requests name (the
    // header every request after initialize carries since 2025-06-18; MCP
    // says to assume 2025-03-26 without one).
    std::string requested(sv(request_["MCP-Protocol-Version"]));
    std::string resumeAt = mcp::supportsVersion(requested) && !mcp::isStatelessVersion(requested) ? requested : "2025-03-26";
    auto s = endpoint_->findSession(header, request, resumeAt);
    if (!s) {
      rejectRpc(http::status::not_found, mcp::kInvalidRequest, "unknown or expired session; initialize again", id);
      return nullptr;
    }
    sessionId_ = header;
    std::string version(sv(request_["MCP-Protocol-Version"]));
    if (!version.empty() && !mcp::supportsVersion(version)) {
      rejectRpc(http::status::bad_request, mcp::kInvalidRequest, "unsupported MCP-Protocol-Version: " + version, id);
      return nullptr;
    }
    return s;
  }

  void post() {
    std::string_view contentType = sv(request_[http::field::content_type]);
    if (contentType.find("application/json") == std::string_view::npos)
      return respond(plain(http::status::unsupported_media_type, "Content-Type must be application/json\n"));
    std::string_view accept = sv(request_[http::field::accept]);
    if (!accepts(accept, "application/json") && !accepts(accept, "text/event-stream"))
      return respond(plain(http::status::not_acceptable, "Accept must include application/json and text/event-stream\n"));
    sse_ = accepts(accept, "text/event-stream");
    mcp::Incoming message = mcp::parseMessage(request_.body());
    if (message.kind == mcp::Incoming::Kind::kInvalid)
      return rejectRpc(http::status::bad_request, message.errorCode, message.errorMessage, message.id);

    // Revision 2026-07-28: no session, everything in the request. Chosen by
    // the request's _meta, or, for a request without a session, by an
    // MCP-Protocol-Version header naming no revision that starts with
    // initialize (then a missing _meta is the client's error to hear about).
    // A legacy initialize (no such _meta key) always opens a session.
    std::string sessionHeader(sv(request_["Mcp-Session-Id"]));
    std::string versionHeader(sv(request_["MCP-Protocol-Version"]));
    const bool sessionVersionHeader = mcp::supportsVersion(versionHeader) && !mcp::isStatelessVersion(versionHeader);
    if (mcp::isStatelessRequest(message) ||
        (sessionHeader.empty() && !versionHeader.empty() && !sessionVersionHeader &&
         !(message.kind == mcp::Incoming::Kind::kRequest && message.method == "initialize")))
      return postStateless(message);

    std::shared_ptr<McpEndpoint::Session> s;
    if (message.kind == mcp::Incoming::Kind::kRequest && message.method == "initialize") {
      sessionId_ = endpoint_->createSession(&s);
    } else {
      s = session(message.id, message.kind == mcp::Incoming::Kind::kRequest);
      if (!s) return;
    }
    if (message.kind != mcp::Incoming::Kind::kRequest) {
      s->server->handle(message, [](mcp::Json, bool) {});
      auto res = makeResponse(request_, http::status::accepted, "text/plain; charset=utf-8", "");
      return respond(std::move(res));
    }
    dispatch(s->server, message);
  }

  // A request of revision 2026-07-28: its _meta and the headers mirroring the
  // body are checked here (HTTP 400 for what fails), then it is served by a
  // Server of its own that lives as long as this exchange: nothing of it
  // stays in the endpoint, so any replica of the hub could have served it.
  void postStateless(const mcp::Incoming& message) {
    if (message.kind != mcp::Incoming::Kind::kRequest) {
      // The revision defines no client notifications over HTTP: accepted, ignored.
      return respond(makeResponse(request_, http::status::accepted, "text/plain; charset=utf-8", ""));
    }
    auto header = [this](std::string_view name) -> std::optional<std::string> {
      auto it = request_.find(beast::string_view(name.data(), name.size()));
      if (it == request_.end()) return std::nullopt;
      return std::string(sv(it->value()));
    };
    mcp::MirroredHeaders headers{header("MCP-Protocol-Version"), header("Mcp-Method"), header("Mcp-Name")};
    if (auto error = mcp::checkStatelessRequest(message, &headers))
      return respond(jsonResponse(http::status::bad_request, *error));
    stateless_ = std::make_shared<mcp::Server>(mcp::roundtableServerInfo(), endpoint_->tools_);
    dispatch(stateless_, message);
    if (mode_ != Mode::kDone) watchDisconnect();
  }

  // Closing the connection cancels a 2026-07-28 request: noticed as soon as
  // the socket turns readable with nothing to read (the client's FIN), not
  // only at the next write. Bytes of a next request (pipelining) are left for
  // the HttpSession that follows.
  void watchDisconnect() {
    stream_.socket().async_wait(asio::ip::tcp::socket::wait_read, [self = shared_from_this()](beast::error_code ec) {
      if (ec || self->mode_ == Mode::kDone) return;
      beast::error_code availableError;
      if (self->stream_.socket().available(availableError) == 0 || availableError) self->abort();
    });
  }

  void dispatch(const std::shared_ptr<mcp::Server>& server, const mcp::Incoming& message) {
    // A long call (wait_for_review) must not hit the read timeout.
    stream_.expires_never();
    // wait_for_review may last as long as a review: its answer is an event
    // stream from the start, so the first byte comes at once (clients give up
    // on servers silent for 60 s), kept alive with comments until progress
    // or the result.
    auto tool = message.params.find("name");
    if (sse_ && message.method == "tools/call" && tool != message.params.end() && tool->is_string() &&
        *tool == "wait_for_review") {
      startStream();
      enqueue(": waiting for the reviewers\n\n");
      keepStreamAlive();
    }
    server->handle(message, [self = shared_from_this()](mcp::Json reply, bool final) {
      asio::post(self->stream_.get_executor(), [self, reply = std::move(reply), final]() mutable {
        self->emit(std::move(reply), final);
      });
    });
  }

  // A message of the request in flight: the response, or a notification before it.
  void emit(mcp::Json message, bool final) {
    if (mode_ == Mode::kDone) return;
    if (mode_ == Mode::kPending) {
      if (final && !message.is_null()) {
        mode_ = Mode::kDone;
        return respond(jsonResponse(statusOf(message), message));
      }
      if (!sse_) {
        if (final) {  // cancelled, and the client takes no stream: an empty answer
          mode_ = Mode::kDone;
          respond(makeResponse(request_, http::status::accepted, "text/plain; charset=utf-8", ""));
        }
        return;  // notifications cannot reach a client that takes no stream
      }
      startStream();
    }
    if (!message.is_null()) enqueue(sseEvent(message));
    if (final) finishStream();
  }

  // The HTTP status of a response. Revision 2026-07-28 answers an unknown
  // method with 404 and its own protocol errors with 400; earlier revisions
  // answer every JSON-RPC response with 200.
  http::status statusOf(const mcp::Json& message) const {
    if (!stateless_ || !message.contains("error")) return http::status::ok;
    int code = message["error"].value("code", 0);
    if (code == mcp::kMethodNotFound) return http::status::not_found;
    if (code == mcp::kHeaderMismatch || code == mcp::kMissingRequiredClientCapability ||
        code == mcp::kUnsupportedProtocolVersion)
      return http::status::bad_request;
    return http::status::ok;
  }

  void startStream() {
    mode_ = Mode::kStream;
    auto header = std::make_shared<http::response<http::empty_body>>(http::status::ok, request_.version());
    header->set(http::field::server, "roundtable");
    header->set(http::field::content_type, "text/event-stream");
    header->set(http::field::cache_control, "no-store");
    header->set("X-Accel-Buffering", "no");  // proxies must not hold the events back
    if (!sessionId_.empty()) header->set("Mcp-Session-Id", sessionId_);
    header->keep_alive(request_.keep_alive());
    header->chunked(true);
    keepAlive_ = request_.keep_alive();
    auto serializer = std::make_shared<http::response_serializer<http::empty_body>>(*header);
    writing_ = true;
    http::async_write_header(stream_, *serializer,
                             [self = shared_from_this(), header, serializer](beast::error_code ec, size_t) {
                               self->writing_ = false;
                               if (ec) return self->abort();
                               self->writeNext();
                             });
  }

  void enqueue(std::string chunk) {
    queue_.push_back(std::move(chunk));
    if (!writing_) writeNext();
  }

  void finishStream() {
    finishing_ = true;
    if (!writing_) writeNext();
  }

  void writeNext() {
    if (writing_ || broken_) return;
    if (queue_.empty()) {
      if (finishing_ && !finished_) {
        finished_ = true;
        writing_ = true;
        asio::async_write(stream_, http::make_chunk_last(), [self = shared_from_this()](beast::error_code ec, size_t) {
          self->writing_ = false;
          if (ec) return self->abort();
          self->mode_ = Mode::kDone;
          self->keepAliveTimer_.cancel();
          self->handBack(self->keepAlive_);
        });
      }
      return;
    }
    auto chunk = std::make_shared<std::string>(std::move(queue_.front()));
    queue_.pop_front();
    writing_ = true;
    asio::async_write(stream_, http::make_chunk(asio::buffer(*chunk)),
                      [self = shared_from_this(), chunk](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        if (ec) return self->abort();
                        self->writeNext();
                      });
  }

  // The client went away mid-stream. Up to 2025-11-25 disconnection is not
  // cancellation (the spec says so): the call runs on, its result is
  // dropped. In 2026-07-28 closing the stream cancels the request.
  void abort() {
    broken_ = true;
    mode_ = Mode::kDone;
    keepAliveTimer_.cancel();
    if (stateless_) stateless_->cancelAll();
    if (getSession_) {
      std::lock_guard lock(endpoint_->mutex_);
      getSession_->streamOpen = false;
    }
    beast::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  }

  void get() {
    std::string_view accept = sv(request_[http::field::accept]);
    if (accept.find("text/event-stream") == std::string_view::npos) {
      auto res = plain(http::status::method_not_allowed, "GET /mcp opens an event stream: Accept: text/event-stream\n");
      res.set(http::field::allow, "GET, POST, DELETE");
      return respond(std::move(res));
    }
    auto s = session();
    if (!s) return;
    bool busy;
    {
      std::lock_guard lock(endpoint_->mutex_);
      busy = s->streamOpen;
      if (!busy) s->streamOpen = true;
    }
    if (busy) return respond(plain(http::status::conflict, "this session already has an event stream open\n"));
    getSession_ = s;
    stream_.expires_never();
    sse_ = true;
    startStream();
    keepStreamAlive();
  }

  void keepStreamAlive() {
    keepAliveTimer_.expires_after(endpoint_->limits_.keepAliveInterval);
    keepAliveTimer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->mode_ == Mode::kDone) return;
      // The session may have ended (DELETE, expiry): then the stream ends too.
      if (!self->sessionId_.empty() && !self->endpoint_->findSession(self->sessionId_, false)) {
        self->finishStream();
        return;
      }
      self->enqueue(": keepalive\n\n");
      self->keepStreamAlive();
    });
  }

  void remove() {
    auto s = session();
    if (!s) return;
    endpoint_->removeSession(sessionId_);
    respond(makeResponse(request_, http::status::ok, "text/plain; charset=utf-8", ""));
  }

  void respond(HttpResponse res) {
    mode_ = Mode::kDone;
    auto shared = std::make_shared<HttpResponse>(std::move(res));
    bool keepAlive = shared->keep_alive();
    http::async_write(stream_, *shared, [self = shared_from_this(), shared, keepAlive](beast::error_code ec, size_t) {
      if (ec) return;
      self->handBack(keepAlive);
    });
  }

  // The exchange is over: the next request on this connection goes to a new HttpSession.
  void handBack(bool keepAlive) {
    if (stateless_) {
      beast::error_code ec;
      stream_.socket().cancel(ec);  // the disconnect watch (no write is pending here)
    }
    if (getSession_) {
      std::lock_guard lock(endpoint_->mutex_);
      getSession_->streamOpen = false;
    }
    if (!keepAlive) {
      beast::error_code ec;
      stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
      return;
    }
    std::make_shared<HttpSession>(std::move(stream_), std::move(buffer_), router_, std::move(token_))->run();
  }

  std::shared_ptr<McpEndpoint> endpoint_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  HttpRequest request_;
  std::shared_ptr<Router> router_;
  ConnectionToken token_;
  asio::steady_timer keepAliveTimer_;
  std::string sessionId_;
  std::shared_ptr<McpEndpoint::Session> getSession_;  // for a GET stream
  std::shared_ptr<mcp::Server> stateless_;             // serves a 2026-07-28 request
  Mode mode_ = Mode::kPending;
  bool sse_ = false;
  bool keepAlive_ = true;
  bool writing_ = false, finishing_ = false, finished_ = false, broken_ = false;
  std::deque<std::string> queue_;
};

McpEndpoint::McpEndpoint(std::shared_ptr<const mcp::ToolSet> tools, McpLimits limits)
    : tools_(std::move(tools)), limits_(limits) {}

void McpEndpoint::serve(beast::tcp_stream stream, beast::flat_buffer buffer, HttpRequest request,
                        std::shared_ptr<Router> router, ConnectionToken token) {
  metrics().httpRequestsTotal++;
  std::make_shared<McpExchange>(shared_from_this(), std::move(stream), std::move(buffer), std::move(request),
                                std::move(router), std::move(token))
      ->run();
}

std::shared_ptr<McpEndpoint::Session> McpEndpoint::findSession(const std::string& id, bool request,
                                                              const std::string& resumeAt) {
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it != sessions_.end()) {
      it->second->lastUsed = std::chrono::steady_clock::now();
      if (request) it->second->usedAfterInitialize = true;
      return it->second;
    }
    if (resumeAt.empty() || !signedSession(id) || endedSet_.count(id)) return nullptr;
  }
  // Taken up: admitted as a new one is (within the limit), under its old id.
  std::shared_ptr<Session> session;
  admitSession(id, &session);
  session->server->resume(resumeAt);
  session->usedAfterInitialize = request;
  return session;
}

bool McpEndpoint::signedSession(const std::string& id) const {
  size_t dot = id.find('.');
  if (limits_.sessionKey.empty() || id.size() > 128 || dot == std::string::npos) return false;
  return auth::verifySignature(limits_.sessionKey, std::string_view(id).substr(0, dot), std::string_view(id).substr(dot + 1));
}

std::string McpEndpoint::createSession(std::shared_ptr<Session>* out) {
  std::string id = randomSessionId();
  // Signed, so that another replica sharing the key can take it up.
  if (!limits_.sessionKey.empty()) id += "." + auth::signature(limits_.sessionKey, id);
  admitSession(id, out);
  return id;
}

void McpEndpoint::admitSession(const std::string& id, std::shared_ptr<Session>* out) {
  expireIdle();
  std::shared_ptr<Session> evicted;
  std::unique_lock lock(mutex_);
  if (sessions_.size() >= limits_.maxSessions && !sessions_.empty()) {
    // Lower ranks go first; within a rank, the least recently used.
    auto rank = [](const Session& s) {
      bool busy = s.streamOpen || s.server->callsInFlight() > 0;
      return busy ? 2 : s.usedAfterInitialize ? 1 : 0;
    };
    auto victim = sessions_.begin();
    int victimRank = rank(*victim->second);
    for (auto it = std::next(sessions_.begin()); it != sessions_.end(); ++it) {
      int r = rank(*it->second);
      if (r < victimRank || (r == victimRank && it->second->lastUsed < victim->second->lastUsed)) {
        victim = it;
        victimRank = r;
      }
    }
    metrics().limitRefusals++;
    static LogThrottle throttle;
    if (auto withheld = throttle.allow())
      spdlog::info("mcp: {} sessions, the limit; ending the least recently used {} to admit a new one{}",
                   sessions_.size(), victimRank == 0 ? "never used" : victimRank == 1 ? "idle one" : "busy one",
                   *withheld ? fmt::format(" ({} more not logged)", *withheld) : std::string());
    evicted = std::move(victim->second);
    sessions_.erase(victim);
  }
  auto session = std::make_shared<Session>();
  session->server = std::make_shared<mcp::Server>(mcp::roundtableServerInfo(), tools_);
  session->lastUsed = std::chrono::steady_clock::now();
  sessions_[id] = session;
  *out = session;
  lock.unlock();
  if (evicted) evicted->server->cancelAll();
}

bool McpEndpoint::removeSession(const std::string& id) {
  std::shared_ptr<Session> session;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return false;
    session = std::move(it->second);
    sessions_.erase(it);
    // Ended for good: not taken up again from its signature, here.
    if (!limits_.sessionKey.empty() && endedSet_.insert(id).second) {
      ended_.push_back(id);
      if (ended_.size() > kMaxEnded) {
        endedSet_.erase(ended_.front());
        ended_.pop_front();
      }
    }
  }
  session->server->cancelAll();
  return true;
}

void McpEndpoint::expireIdle() {
  std::vector<std::shared_ptr<Session>> expired;
  {
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    for (auto it = sessions_.begin(); it != sessions_.end();) {
      if (now - it->second->lastUsed > limits_.idleTimeout && !it->second->streamOpen) {
        expired.push_back(std::move(it->second));
        it = sessions_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& s : expired) s->server->cancelAll();
}

size_t McpEndpoint::sessionCount() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

}  // namespace roundtable::hub
