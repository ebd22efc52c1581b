// Finding the hub an MCP front talks to, and starting one when none answers.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::mcp_stdio {

struct HubAddress {
  std::string host = "127.0.0.1";
  uint16_t port = 4141;
  // Sent as `Authorization: Bearer` on /mcp when not empty (a hub with
  // access control; ROUNDTABLE_TOKEN or --token-file).
  std::string token;
  // Named by URL (--hub, ROUNDTABLE_HUB): a hub elsewhere, which a front
  // never starts; reached over TLS for https://.
  bool remote = false;
  bool tls = false;

  // How messages name the hub: its URL, or host:port for the local one.
  std::string describe() const;
  // The Host header: host[:port], the port left out when it is the scheme's.
  std::string hostHeader() const;
};

// "https://roundtable.example.com[:443][/]" or "http://host:port" -> a remote
// HubAddress (the token left empty). A path is refused: the hub serves its
// endpoints and pages at the root of its origin, with no prefix.
Status parseHubUrl(std::string_view url, HubAddress* out);

// The status and Server header of the hub's response to one request without
// a body (`headers` are added to Host), or nullopt if none came within
// `timeout`.
struct HubResponse {
  int status = 0;
  std::string server;
};
std::optional<HubResponse> hubRequest(const HubAddress& address, std::string_view method, std::string_view target,
                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                      std::chrono::milliseconds timeout);

// Whether a Roundtable hub answers /healthz at `address` within `timeout`
// (healthy or not: one that answers 503 holds the data directory all the same).
bool hubAnswers(const HubAddress& address, std::chrono::milliseconds timeout);

// Makes sure a hub answers at `address`: if none does, starts
// `executable serve --port P --data DIR` detached in the background (its log
// in DIR/hub.log) and waits for it. Several fronts may call this at once: the
// hubs that lose the race for the port or the data directory exit, and every
// caller ends up with the one that won.
Status ensureHub(const HubAddress& address, const std::string& dataDir, const std::string& executable,
                 std::chrono::milliseconds startTimeout = std::chrono::seconds(15));

}  // namespace roundtable::mcp_stdio
