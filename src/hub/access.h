// AccessControl: who may use which endpoint, from the request's access token
// (auth/token.h; docs/hub.md, "Access control"). Off when the hub has no
// token secret: then every check passes, as before tokens existed.
//
// A request carries its token in `Authorization: Bearer <token>` or, where a
// browser cannot set headers (WebSocket upgrades), in the `access_token`
// query parameter (RFC 6750 sections 2.1 and 2.3). A refusal is a 401 with
// `WWW-Authenticate: Bearer` (RFC 6750 section 3), for every failure,
// including a valid token whose scope or plan is too narrow.
#pragma once

#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "auth/token.h"
#include "hub/shared_body.h"

namespace roundtable::hub {

class AccessControl {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<SharedBody>;

  // `secret` empty: access control is off.
  explicit AccessControl(std::string secret) : secret_(std::move(secret)) {}

  bool enabled() const { return !secret_.empty(); }

  // The verified claims of the request's token; an error saying why there
  // are none (no token, or one that does not verify). When access control
  // is off: ok, with claims that allow everything.
  Status check(const Request& request, auth::Claims* out) const;

  // The request's token, from its Authorization header, else from its
  // access_token query parameter; empty if it has neither.
  static std::string tokenOf(const Request& request);

  // A token for a reviewer of `planId` (plan:review, bound to the plan),
  // lasting `ttl`; empty when access control is off.
  std::string reviewerToken(const std::string& planId, std::chrono::seconds ttl) const;

  // 401 with WWW-Authenticate: Bearer. `error`: RFC 6750's "invalid_token"
  // or "insufficient_scope" (then `scope` names the scope needed), or empty
  // when the request had no token at all.
  static Response unauthorized(const Request& request, std::string_view error, std::string_view description,
                               std::string_view scope = {});

 private:
  std::string secret_;
};

// Whether a token expiring at `expiresAt` (seconds since the epoch; 0: a
// connection opened without access control) has expired by now, with the
// same leeway as verification.
bool tokenExpired(int64_t expiresAt);

// The web app's WebRTC room for a plan (web/src/collab/share.ts roomName):
// the one signaling topic a plan-bound token may use.
std::string planSignalingTopic(std::string_view planId);

}  // namespace roundtable::hub
