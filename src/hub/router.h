// Router: what each request path means.
//
//   GET /healthz, /metrics, /config.json     the hub's own endpoints
//   GET anything else                         the web app (StaticFiles)
//   WebSocket /yjs/<docName>                  a document room (y-websocket)
//   WebSocket / and /signal                   the y-webrtc signaling relay (alone: any path)
//   POST/GET/DELETE /mcp                      MCP over Streamable HTTP (McpEndpoint)
//   GET/POST /api/plans/<id>/room-secret      the plan's WebRTC room secret (RoomSecretApi)
//
// Every request first passes the RequestPolicy (Host, Origin); refusals are 403.
// Then, when the hub has a token secret, AccessControl (docs/hub.md, "Access
// control"): every endpoint but /healthz and the web app's files needs a
// token allowing it; refusals are 401, before anything of a document is sent.
#pragma once

#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "auth/token.h"
#include "hub/hub_options.h"
#include "hub/request_policy.h"
#include "hub/shared_body.h"
#include "hub/static_files.h"
#include "hub/websocket_session.h"

namespace roundtable::store {
class Store;
}

namespace roundtable::hub {

class RoomRegistry;
class SignalingRelay;
class ConnectionLimiter;
class McpEndpoint;
class AccessControl;
class RoomSecrets;
class RoomSecretApi;
class PlanService;
class RedisBus;

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<SharedBody>;

class Router {
 public:
  struct Parts {
    const HubOptions* options;
    uint16_t port;
    std::shared_ptr<RoomRegistry> rooms;        // null: no document endpoints
    std::shared_ptr<SignalingRelay> signaling;
    store::Store* store;                        // null in signal-only mode
    std::shared_ptr<ConnectionLimiter> limiter;
    std::shared_ptr<McpEndpoint> mcp;           // null: no /mcp
    SessionTimers* sessionTimers;
    std::shared_ptr<const AccessControl> access;  // null: none
    std::shared_ptr<RoomSecrets> secrets;         // null: no /api/plans/<id>/room-secret
    std::shared_ptr<PlanService> plans;           // null: any plan id may adopt a secret
    std::shared_ptr<RedisBus> bus;                // null: not a team server replica
  };
  explicit Router(Parts parts);

  HttpResponse handle(const HttpRequest& request);

  // For a request to /api/plans/<id>/room-secret: true, and `respond` is
  // called exactly once, perhaps later and on another thread, with the
  // answer. False, with `respond` untouched, for every other path.
  bool handleAsync(const HttpRequest& request, std::function<void(HttpResponse)>& respond);

  // For an upgrade request: the endpoint to attach, or a refusal response.
  struct Upgrade {
    std::unique_ptr<Endpoint> endpoint;
    std::optional<HttpResponse> refusal;
  };
  Upgrade upgrade(const HttpRequest& request);

  // The MCP endpoint for a request to /mcp that passed the Host/Origin
  // policy and access control; null otherwise: then *refusal is the 401 for
  // a request its token does not allow, else empty (Host/Origin refusals and
  // other paths go through handle()).
  std::shared_ptr<McpEndpoint> mcpFor(const HttpRequest& request, std::optional<HttpResponse>* refusal) const;

  SessionLimits sessionLimits() const;
  SessionTimers& sessionTimers() const { return *parts_.sessionTimers; }
  size_t bodyLimit() const { return parts_.options->maxHttpBodyBytes; }
  // A refusal for the peer's first request when it has too many connections.
  HttpResponse tooManyConnections(const HttpRequest& request) const;

  // Percent-decoded document name of a /yjs/ target, or empty when invalid.
  static std::string docNameFromTarget(std::string_view target);

 private:
  std::optional<HttpResponse> checkPolicy(const HttpRequest& request, bool signaling) const;
  HttpResponse configJson(const HttpRequest& request) const;
  HttpResponse metricsText(const HttpRequest& request) const;
  // Null if the request's token allows `needed` on `plan` (empty: on no one
  // plan), or access control is off; else the 401. *claims gets the token's claims when it verified.
  // `plan` nullopt: any plan the token names will do.
  std::optional<HttpResponse> authorize(const HttpRequest& request, auth::Scope needed,
                                        std::optional<std::string_view> plan, auth::Claims* claims) const;
  // When a WebSocket opened with `claims` must end (0: never, as without access control).
  int64_t expiresAtOf(const auth::Claims& claims) const;
  // What an MCP request needs: its tool call's scope and plan.
  std::optional<HttpResponse> authorizeMcp(const HttpRequest& request) const;

  Parts parts_;
  std::shared_ptr<const RoomSecretApi> roomSecretApi_;  // null without secrets
  RequestPolicy policy_;
  StaticFiles web_;
};

HttpResponse makeResponse(const HttpRequest& request, boost::beast::http::status status, std::string contentType,
                          std::string body);
// The same, sending bytes that others may be sending too (a static file).
HttpResponse makeResponse(const HttpRequest& request, boost::beast::http::status status, std::string contentType,
                          SharedBody::value_type body);

}  // namespace roundtable::hub
