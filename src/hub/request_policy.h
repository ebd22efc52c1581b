// RequestPolicy: which HTTP and WebSocket requests the hub answers at all.
//
// DNS rebinding: a page on evil.example can make its name resolve to
// 127.0.0.1 and then talk to the hub as if same-origin. Its requests still
// carry `Host: evil.example`, so a Host that is a name the hub does not answer
// to is refused. IP-literal hosts cannot be rebound and are accepted.
// Cross-site pages: browsers send `Origin` on WebSocket upgrades and on
// cross-origin requests; only the hub's own origins (and an allow-list) pass.
// Clients that are not browsers send no Origin and are let through.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hub/hub_options.h"

namespace roundtable::hub {

class RequestPolicy {
 public:
  RequestPolicy(const HubOptions& options, uint16_t port);

  bool hostAllowed(std::string_view host) const;
  // `host` is the request's (already allowed) Host header; `origin` is empty
  // when the request had none.
  bool originAllowed(std::string_view origin, std::string_view host, bool signaling) const;

  // "evil.example:80" -> "evil.example", "[::1]:4141" -> "::1".
  static std::string hostName(std::string_view hostHeader);
  static bool isIpLiteral(std::string_view name);

 private:
  uint16_t port_;
  std::vector<std::string> allowOrigins_;
  std::vector<std::string> allowHosts_;
  bool anyOriginForSignal_;
};

}  // namespace roundtable::hub
