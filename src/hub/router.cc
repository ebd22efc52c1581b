#include "hub/router.h"

#include <spdlog/spdlog.h>

#include <boost/beast/websocket/rfc6455.hpp>
#include <nlohmann/json.hpp>

#include "hub/access.h"
#include "hub/beast_string.h"
#include "hub/connection_limiter.h"
#include "hub/mcp_endpoint.h"
#include "hub/metrics.h"
#include "hub/room.h"
#include "hub/room_secret_api.h"
#include "hub/room_secrets.h"
#include "hub/signaling.h"
#include "hub/turn_credentials.h"
#include "hub/url.h"
#include "lib0/utf.h"
#include "mcp/json_rpc.h"
#include "store/store.h"
#include "sync/message.h"

namespace roundtable::hub {

namespace http = boost::beast::http;

namespace {

constexpr size_t kMaxDocNameBytes = 1024;

// The y-websocket endpoint of one connection: forwards to its document's room.
// Holds only its room (one per connection, so every byte counts): the room
// is acquired, and starts loading, when the upgrade is accepted.
//
// Through a read-only token (plan:read), the client syncs but changes nothing:
// its sync step 2 (its answer to the hub's step 1, which would carry any edit
// it made offline) is ignored, and an update closes the connection with 4403.
class YjsEndpoint : public Endpoint {
 public:
  // `expiresAt`: when the connection's access token expires (0: never); a
  // message after it closes the connection with 4401.
  YjsEndpoint(std::shared_ptr<Room> room, bool readOnly, int64_t expiresAt)
      : room_(std::move(room)), expiresAt_(expiresAt), readOnly_(readOnly) {}
  ~YjsEndpoint() override {
    if (!joined_) room_->abandonJoin();
  }
  void onOpen(const std::shared_ptr<WebSocketSession>& session) override {
    joined_ = true;
    room_->join(session);
  }
  void onMessage(const std::shared_ptr<WebSocketSession>& session, Bytes message, bool) override {
    if (tokenExpired(expiresAt_)) {
      metrics().unauthorizedTotal++;
      return session->close(CloseCode::kTokenExpired, "token expired");
    }
    if (readOnly_) {
      sync::Message m;
      // A malformed message goes on to the room, which closes the connection for it.
      if (sync::decodeMessage(message, &m).ok() && m.type == sync::MessageType::kSync) {
        if (m.sync == sync::SyncType::kStep2) return session->continueReading();
        if (m.sync == sync::SyncType::kUpdate) {
          metrics().unauthorizedTotal++;
          spdlog::warn("closing connection {} ({}): an update through a read-only token", session->id(),
                       session->remoteAddress());
          return session->close(CloseCode::kForbidden, "read-only token");
        }
      }
    }
    room_->message(session, std::move(message));
  }
  void onClose(const std::shared_ptr<WebSocketSession>& session) override { room_->leave(session); }

 private:
  std::shared_ptr<Room> room_;
  int64_t expiresAt_;
  bool readOnly_;
  bool joined_ = false;
};

}  // namespace

HttpResponse makeResponse(const HttpRequest& request, http::status status, std::string contentType, std::string body) {
  return makeResponse(request, status, std::move(contentType), std::make_shared<const std::string>(std::move(body)));
}

HttpResponse makeResponse(const HttpRequest& request, http::status status, std::string contentType,
                          SharedBody::value_type body) {
  HttpResponse res{status, request.version()};
  res.set(http::field::server, "roundtable");
  res.set(http::field::content_type, contentType);
  res.set("X-Content-Type-Options", "nosniff");
  res.keep_alive(request.keep_alive());
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Router::Router(Parts parts)
    : parts_(std::move(parts)),
      roomSecretApi_(parts_.secrets ? std::make_shared<const RoomSecretApi>(parts_.secrets, parts_.plans) : nullptr),
      policy_(*parts_.options, parts_.port), web_([&] {
  if (!parts_.options->serveWeb) return std::filesystem::path();
  return parts_.options->webDir;
}()) {}

SessionLimits Router::sessionLimits() const {
  return {parts_.options->maxMessageBytes, parts_.options->maxQueuedBytes, parts_.options->idleSeconds};
}

std::string Router::docNameFromTarget(std::string_view target) {
  std::string_view path = targetPath(target);
  constexpr std::string_view kPrefix = "/yjs/";
  if (!path.starts_with(kPrefix)) return {};
  auto name = percentDecode(path.substr(kPrefix.size()));
  if (!name || name->empty() || name->size() > kMaxDocNameBytes || !lib0::isValidUtf8(*name) ||
      name->find('\0') != std::string::npos)
    return {};
  return std::move(*name);
}

std::optional<HttpResponse> Router::checkPolicy(const HttpRequest& request, bool signaling) const {
  std::string_view host = sv(request[http::field::host]);
  if (!policy_.hostAllowed(host)) {
    metrics().forbiddenTotal++;
    spdlog::warn("refused {} {}: Host '{}' is not this hub's", std::string(request.method_string()),
                 std::string(request.target()), std::string(host));
    return makeResponse(request, http::status::forbidden, "text/plain; charset=utf-8",
                        "forbidden: unknown Host (add it with --allow-host)\n");
  }
  std::string_view origin = sv(request[http::field::origin]);
  if (!policy_.originAllowed(origin, host, signaling)) {
    metrics().forbiddenTotal++;
    spdlog::warn("refused {} {}: Origin '{}' is not allowed", std::string(request.method_string()),
                 std::string(request.target()), std::string(origin));
    return makeResponse(request, http::status::forbidden, "text/plain; charset=utf-8",
                        "forbidden: cross-origin request (allow it with --allow-origin)\n");
  }
  return std::nullopt;
}

std::shared_ptr<McpEndpoint> Router::mcpFor(const HttpRequest& request, std::optional<HttpResponse>* refusal) const {
  if (!parts_.mcp || targetPath(sv(request.target())) != "/mcp") return nullptr;
  if (!policy_.hostAllowed(sv(request[http::field::host])) ||
      !policy_.originAllowed(sv(request[http::field::origin]), sv(request[http::field::host]), false))
    return nullptr;  // handle() answers 403
  if ((*refusal = authorizeMcp(request))) return nullptr;
  return parts_.mcp;
}

int64_t Router::expiresAtOf(const auth::Claims& claims) const {
  return parts_.access && parts_.access->enabled() ? claims.expiresAt : 0;
}

std::optional<HttpResponse> Router::authorize(const HttpRequest& request, auth::Scope needed,
                                              std::optional<std::string_view> plan, auth::Claims* claims) const {
  if (!parts_.access || !parts_.access->enabled()) return std::nullopt;
  Status verified = parts_.access->check(request, claims);
  std::string_view error, description;
  if (!verified.ok()) {
    // No token at all gets a bare challenge (RFC 6750 section 3.1).
    error = verified.code() == StatusCode::kNotFound ? "" : "invalid_token";
    description = verified.message();
  } else if (!auth::allows(*claims, needed, plan ? *plan : std::string_view(claims->plan))) {
    error = "insufficient_scope";
    description = !claims->plan.empty() && (!plan || *plan != claims->plan) ? "the token is for another plan"
                                                                             : "the token's scope is too narrow";
  } else {
    return std::nullopt;
  }
  metrics().unauthorizedTotal++;
  spdlog::warn("refused {} {}: {}{}", std::string(request.method_string()), std::string(targetPath(sv(request.target()))),
               std::string(description), verified.ok() ? fmt::format(" (token of '{}')", claims->subject) : std::string());
  return AccessControl::unauthorized(request, error, description,
                                     error == "insufficient_scope" ? auth::scopeName(needed) : std::string_view());
}

std::optional<HttpResponse> Router::authorizeMcp(const HttpRequest& request) const {
  if (!parts_.access || !parts_.access->enabled()) return std::nullopt;
  auth::Claims claims;
  // Any valid token may open a session and list the tools; each tool call
  // needs its own scope, on the plan it names.
  if (auto refusal = authorize(request, auth::Scope::kRead, std::nullopt, &claims)) return refusal;
  if (request.method() != http::verb::post) return std::nullopt;
  // Read exactly as the endpoint will read it: what it would refuse as
  // malformed needs no scope, and nothing it runs escapes the check.
  mcp::Incoming message = mcp::parseMessage(request.body());
  if (message.kind != mcp::Incoming::Kind::kRequest || message.method != "tools/call") return std::nullopt;
  std::string tool, plan;
  const mcp::Json& params = message.params;
  if (params.is_object()) {
    if (auto name = params.find("name"); name != params.end() && name->is_string()) tool = *name;
    if (auto args = params.find("arguments"); args != params.end() && args->is_object())
      if (auto id = args->find("planId"); id != args->end() && id->is_string()) plan = *id;
  }
  auth::Scope scope = tool == "create_plan" || tool == "update_plan" ? auth::Scope::kCreate : auth::Scope::kRead;
  if (tool == "create_plan" || tool == "list_plans") plan.clear();  // on no one plan
  return authorize(request, scope, std::string_view(plan), &claims);
}

HttpResponse Router::tooManyConnections(const HttpRequest& request) const {
  metrics().limitRefusals++;
  auto res = makeResponse(request, http::status::too_many_requests, "text/plain; charset=utf-8",
                          "too many connections from this address\n");
  res.set(http::field::retry_after, "5");
  res.keep_alive(false);
  return res;
}

Router::Upgrade Router::upgrade(const HttpRequest& request) {
  Upgrade up;
  std::string_view path = targetPath(sv(request.target()));
  // y-webrtc's users name relays by bare URL (wss://host), and its own
  // signaling server accepts an upgrade on any path: the hub takes signaling
  // at / and /signal (its other paths stay free), the relay alone on any path.
  bool yjs = path.starts_with("/yjs/") && parts_.rooms;
  bool signaling = path == "/signal" || path == "/" || (!yjs && !parts_.rooms);
  if (auto refusal = checkPolicy(request, signaling)) {
    up.refusal = std::move(refusal);
    return up;
  }
  auth::Claims claims;
  if (signaling && parts_.signaling) {
    // Any valid token; a plan-bound one keeps to its plan's WebRTC room.
    if (auto refusal = authorize(request, auth::Scope::kRead, std::nullopt, &claims)) {
      up.refusal = std::move(refusal);
      return up;
    }
    up.endpoint = parts_.signaling->newEndpoint(claims.plan.empty() ? std::string() : planSignalingTopic(claims.plan),
                                                expiresAtOf(claims));
    return up;
  }
  if (yjs) {
    std::string name = docNameFromTarget(sv(request.target()));
    if (name.empty()) {
      up.refusal = makeResponse(request, http::status::bad_request, "text/plain; charset=utf-8",
                                "bad document name (1 to 1024 bytes of UTF-8)\n");
      return up;
    }
    // Refused before the room is acquired: nothing of the document is loaded or sent.
    if (auto refusal = authorize(request, auth::Scope::kRead, std::string_view(name), &claims)) {
      up.refusal = std::move(refusal);
      return up;
    }
    bool readOnly = parts_.access && parts_.access->enabled() && !auth::allows(claims, auth::Scope::kReview, name);
    up.endpoint = std::make_unique<YjsEndpoint>(parts_.rooms->acquireForJoin(name), readOnly, expiresAtOf(claims));
    return up;
  }
  up.refusal = makeResponse(request, http::status::not_found, "text/plain; charset=utf-8", "no such endpoint\n");
  return up;
}

bool Router::handleAsync(const HttpRequest& request, std::function<void(HttpResponse)>& respond) {
  auto planId = RoomSecretApi::planIdOf(sv(request.target()));
  if (!planId) return false;
  metrics().httpRequestsTotal++;
  auto text = [&](http::status status, std::string body) {
    respond(makeResponse(request, status, "text/plain; charset=utf-8", std::move(body)));
  };
  if (auto refusal = checkPolicy(request, false)) {
    respond(std::move(*refusal));
    return true;
  }
  // A room secret is for the hub's own pages. Browsers say where a request
  // comes from in Sec-Fetch-Site even when they send no Origin (a GET).
  std::string_view site = sv(request["Sec-Fetch-Site"]);
  if (!site.empty() && site != "same-origin" && site != "none") {
    metrics().forbiddenTotal++;
    spdlog::warn("refused {} {}: Sec-Fetch-Site '{}'", std::string(request.method_string()),
                 std::string(targetPath(sv(request.target()))), std::string(site));
    text(http::status::forbidden, "forbidden: a room secret is for this hub's own pages\n");
    return true;
  }
  // A public relay without documents keeps no secrets.
  if (!roomSecretApi_) {
    text(http::status::not_found, "no such endpoint\n");
    return true;
  }
  bool post = request.method() == http::verb::post;
  if (!post && request.method() != http::verb::get) {
    auto res = makeResponse(request, http::status::method_not_allowed, "text/plain; charset=utf-8",
                            "method not allowed\n");
    res.set(http::field::allow, "GET, POST");
    respond(std::move(res));
    return true;
  }
  if (!RoomSecrets::validPlanId(*planId)) {
    text(http::status::bad_request, "bad plan id\n");
    return true;
  }
  auth::Claims claims;
  if (auto refusal = authorize(request, post ? auth::Scope::kReview : auth::Scope::kRead, std::string_view(*planId),
                               &claims)) {
    respond(std::move(*refusal));
    return true;
  }
  if (post && request.body().size() > RoomSecretApi::kMaxBodyBytes) {
    metrics().limitRefusals++;
    text(http::status::payload_too_large, "request too large\n");
    return true;
  }
  roomSecretApi_->serve(request, *planId, std::move(respond));
  return true;
}

HttpResponse Router::handle(const HttpRequest& request) {
  metrics().httpRequestsTotal++;
  if (auto refusal = checkPolicy(request, false)) return std::move(*refusal);
  std::string_view path = targetPath(sv(request.target()));
  auth::Claims claims;
  if (path == "/metrics") {
    if (auto refusal = authorize(request, auth::Scope::kAdmin, std::string_view(), &claims)) return std::move(*refusal);
  } else if (path == "/config.json") {
    // No plan data, but TURN credentials: for holders of any valid token.
    if (auto refusal = authorize(request, auth::Scope::kRead, std::nullopt, &claims)) return std::move(*refusal);
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    auto res = makeResponse(request, http::status::method_not_allowed, "text/plain; charset=utf-8",
                            "method not allowed\n");
    res.set(http::field::allow, "GET, HEAD");
    return res;
  }
  HttpResponse res;
  if (path == "/healthz") {
    // A hub that can no longer store what it is sent says so (and a
    // monitor restarts it), rather than answer "ok" while every edit fails.
    Status health = parts_.store ? parts_.store->health() : Status::Ok();
    res = health.ok() ? makeResponse(request, http::status::ok, "text/plain; charset=utf-8", "ok\n")
                      : makeResponse(request, http::status::service_unavailable, "text/plain; charset=utf-8",
                                     "storage failed: " + health.message() + "\n");
    res.set(http::field::cache_control, "no-store");
  } else if (path == "/metrics") {
    res = metricsText(request);
  } else if (path == "/config.json") {
    res = configJson(request);
  } else if (!parts_.options->serveWeb) {
    res = makeResponse(request, http::status::not_found, "text/plain; charset=utf-8",
                       "roundtable signaling relay: connect y-webrtc to ws(s)://this-host/ or /signal\n");
  } else {
    StaticResponse file = web_.get(path);
    res = makeResponse(request, static_cast<http::status>(file.status), file.contentType, std::move(file.body));
    res.set(http::field::cache_control, file.cacheControl);
    if (file.contentType.starts_with("text/html"))
      res.set("Content-Security-Policy", "frame-ancestors 'none'");  // no clickjacking of review buttons
  }
  if (request.method() == http::verb::head) {
    auto length = SharedBody::size(res.body());
    res.body().reset();
    res.content_length(length);
  }
  return res;
}

HttpResponse Router::configJson(const HttpRequest& request) const {
  const HubOptions& options = *parts_.options;
  nlohmann::ordered_json config;
  auto signaling = nlohmann::ordered_json::array();
  auto addSignaling = [&](const std::string& url) {
    if (url.empty()) return;
    for (const auto& known : signaling)
      if (known == url) return;
    signaling.push_back(url);
  };
  for (const auto& url : options.signalingUrls) addSignaling(url);
  // The public review site's relay: the author's browser must meet remote
  // reviewers there (docs/p2p.md), in the room their share link names.
  if (!options.publicUrl.empty() && parts_.rooms != nullptr) addSignaling(signalingUrlOf(options.publicUrl));
  // This process's own relay, as the browser reaches it (same origin; behind a
  // TLS proxy that says so, over wss).
  std::string host(request[http::field::host]);
  if (parts_.signaling && !host.empty()) {
    bool tls = boost::beast::iequals(request["X-Forwarded-Proto"], "https");
    addSignaling(std::string(tls ? "wss://" : "ws://") + host + "/signal");
  }
  config["signaling"] = signaling;
  auto ice = nlohmann::ordered_json::array();
  auto addIce = [&](const std::vector<std::string>& urls, const std::string& username, const std::string& credential) {
    nlohmann::ordered_json s;
    s["urls"] = urls;
    if (!username.empty()) s["username"] = username;
    if (!credential.empty()) s["credential"] = credential;
    ice.push_back(std::move(s));
  };
  for (const auto& server : options.iceServers) addIce(server.urls, server.username, server.credential);
  for (const auto& server : options.turnRestServers) {
    TurnCredentials c = makeTurnCredentials(server.secret, "roundtable", std::chrono::system_clock::now(), server.ttl);
    addIce(server.urls, c.username, c.credential);
  }
  config["iceServers"] = ice;
  config["publicUrl"] = options.publicUrl;
  config["documents"] = parts_.rooms != nullptr;
  auto res = makeResponse(request, http::status::ok, "application/json", config.dump() + "\n");
  res.set(http::field::cache_control, "no-store");
  return res;
}

HttpResponse Router::metricsText(const HttpRequest& request) const {
  const Metrics& m = metrics();
  std::string out;
  auto metric = [&](const char* name, const char* type, const char* help, auto value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
  };
  metric("roundtable_connections", "gauge", "Open WebSocket connections.", m.websocketsOpen.load());
  metric("roundtable_http_connections", "gauge", "Open HTTP connections (before any upgrade).", m.httpConnectionsOpen.load());
  metric("roundtable_tcp_connections", "gauge", "Open TCP connections counted against per-address limits.",
         parts_.limiter ? parts_.limiter->total() : 0);
  metric("roundtable_document_connections", "gauge", "WebSocket connections editing a document.", m.yjsConnections.load());
  metric("roundtable_signal_connections", "gauge", "WebSocket connections to the signaling relay.", m.signalConnections.load());
  metric("roundtable_documents_loaded", "gauge", "Documents in memory.", m.documentsLoaded.load());
  metric("roundtable_documents_loaded_total", "counter", "Documents loaded from storage.", m.documentsLoadedTotal.load());
  metric("roundtable_documents_unloaded_total", "counter", "Documents unloaded after their last client left.", m.documentsUnloadedTotal.load());
  metric("roundtable_updates_total", "counter", "Document updates accepted (rate() gives updates/s).", m.updatesTotal.load());
  metric("roundtable_update_bytes_total", "counter", "Bytes of accepted document updates.", m.updateBytesTotal.load());
  metric("roundtable_awareness_updates_total", "counter", "Awareness changes relayed.", m.awarenessUpdatesTotal.load());
  metric("roundtable_awareness_dropped_total", "counter", "Awareness entries dropped past a connection's or a document's quota.",
         m.awarenessDropped.load());
  metric("roundtable_signal_messages_total", "counter", "Signaling messages received.", m.signalMessagesTotal.load());
  metric("roundtable_signal_topics", "gauge", "Signaling topics with subscribers.", parts_.signaling ? parts_.signaling->topicCount() : 0);
  metric("roundtable_mcp_sessions", "gauge", "MCP sessions (Streamable HTTP) held.", parts_.mcp ? parts_.mcp->sessionCount() : 0);
  metric("roundtable_received_bytes_total", "counter", "WebSocket payload bytes received.", m.bytesReceived.load());
  metric("roundtable_sent_bytes_total", "counter", "WebSocket payload bytes sent.", m.bytesSent.load());
  metric("roundtable_http_requests_total", "counter", "Plain HTTP requests.", m.httpRequestsTotal.load());
  metric("roundtable_forbidden_total", "counter", "Requests refused for their Origin or Host.", m.forbiddenTotal.load());
  metric("roundtable_unauthorized_total", "counter",
         "Requests refused for their access token (401), and messages a token did not allow (close 4403).",
         m.unauthorizedTotal.load());
  metric("roundtable_limit_refusals_total", "counter", "Requests or connections refused by a limit.", m.limitRefusals.load());
  metric("roundtable_slow_consumers_total", "counter", "Connections dropped for not reading.", m.slowConsumers.load());
  metric("roundtable_bad_messages_total", "counter", "Connections closed for malformed input.", m.badMessages.load());
  metric("roundtable_persist_errors_total", "counter", "Updates that could not be stored.", m.persistErrors.load());
  metric("roundtable_webrtc_rooms", "gauge", "Plan rooms the hub's own WebRTC peer is in.", m.webrtcRooms.load());
  metric("roundtable_webrtc_peers", "gauge", "WebRTC connections of the hub's peer with an open data channel.",
         m.webrtcPeers.load());
  metric("roundtable_webrtc_connected_total", "counter", "WebRTC connections of the hub's peer that opened.",
         m.webrtcConnectedTotal.load());
  metric("roundtable_webrtc_failed_total", "counter",
         "WebRTC connections of the hub's peer that ended without opening (ICE, DTLS, timeout, bad signals).",
         m.webrtcFailedTotal.load());
  if (parts_.store) out += renderStoreMetrics(parts_.store->stats());
  if (parts_.bus) out += renderBusMetrics(*parts_.bus);
  auto res = makeResponse(request, http::status::ok, "text/plain; version=0.0.4; charset=utf-8", std::move(out));
  res.set(http::field::cache_control, "no-store");
  return res;
}

}  // namespace roundtable::hub
