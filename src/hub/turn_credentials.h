// Time-limited TURN credentials in the scheme coturn calls the "TURN REST API"
// (use-auth-secret / static-auth-secret): the hub and the TURN server share a
// secret; /config.json hands every browser a username that carries its own
// expiry and a password derived from it, so no long-lived TURN password is
// ever published and a leaked one stops working on its own.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace roundtable::hub {

struct TurnCredentials {
  std::string username;  // "<expiry, Unix seconds>:<user>"
  std::string credential;  // base64(HMAC-SHA1(secret, username))
};

// Credentials that the TURN server sharing `secret` accepts until now + ttl.
TurnCredentials makeTurnCredentials(std::string_view secret, std::string_view user,
                                    std::chrono::system_clock::time_point now, std::chrono::seconds ttl);

}  // namespace roundtable::hub
