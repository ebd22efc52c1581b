// HubOptions: everything `roundtable serve` and `roundtable signal` can be told,
// with the defaults a user gets when they say nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/store.h"

namespace roundtable::hub {

struct IceServer {
  std::vector<std::string> urls;  // stun:host:port, turn:host:port?transport=udp, ...
  std::string username;           // empty for STUN
  std::string credential;
};

// A TURN server that shares a secret with this process: /config.json hands out
// credentials that expire (turn_credentials.h) instead of a fixed password.
struct TurnRestServer {
  std::vector<std::string> urls;  // turn:host:3478?transport=udp, turns:host:5349, ...
  std::string secret;             // coturn's static-auth-secret
  std::chrono::seconds ttl{86400};
};

struct HubOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  uint16_t port = 4141;            // 0 picks a free port (logged when listening)
  std::filesystem::path dataDir;   // empty: no document endpoints (signal-only mode)
  // Empty: documents in SQLite in dataDir. Otherwise a libpq connection
  // string: documents in that PostgreSQL database (dataDir still holds config.json).
  std::string postgresUrl;
  // Empty: this hub is alone. Otherwise redis://[[user]:password@]host[:port][/db]
  // or unix://[[user]:password@]/path[?db=N]: the Redis server through which
  // the hubs sharing postgresUrl relay each other's updates and awareness
  // (docs/team-server.md). Needs postgresUrl.
  std::string busUrl;
  // Redis's password when not in busUrl (--bus-password-file).
  std::string busPassword;
  int threads = 2;

  // What this process serves.
  bool serveDocuments = true;  // /yjs/<doc>, persistence
  bool serveWeb = true;        // static web app (or a placeholder page)
  std::filesystem::path webDir;  // empty: looked up beside the executable

  // Safety. Requests whose Origin is neither this hub's own nor listed get 403;
  // so do requests whose Host is a name this hub does not answer to.
  std::vector<std::string> allowOrigins;
  std::vector<std::string> allowHosts;   // extra host names (without port)
  bool anyOriginForSignal = false;       // public relay: /signal from any page
  size_t maxMessageBytes = 16u << 20;
  size_t maxQueuedBytes = 64u << 20;     // per connection; beyond it the peer is too slow
  // A document's encoded size: an update that would pass it is refused (and
  // its connection closed with 4413). Answers carrying a document are not
  // held to maxQueuedBytes.
  size_t maxDocumentBytes = 32u << 20;
  // A WebSocket silent for this long is pinged; silent for twice as long, it
  // is closed (Beast's suggested server timeouts, which the hub used before).
  uint32_t idleSeconds = 150;
  size_t maxConnsPerIp = 512;
  size_t maxTopicsPerConn = 256;
  size_t maxHttpBodyBytes = 4u << 20;

  // Documents.
  std::chrono::milliseconds unloadGrace{30000};
  std::chrono::milliseconds awarenessTimeout{30000};
  // When an accepted update reaches the disk; it is in the WAL before anyone
  // sees it in every mode (see store::SyncMode).
  store::SyncMode sync = store::SyncMode::kBackground;

  // MCP: wait_for_review reports progress at least this often.
  std::chrono::milliseconds mcpProgressInterval{15000};

  // Access control (docs/hub.md, "Access control"): the secret that signs
  // and verifies access tokens. Empty: no tokens are needed or checked.
  std::string tokenSecret;
  // How long the reviewer's token in a create_plan share link lasts.
  std::chrono::seconds shareTokenTtl{30 * 86400};

  // Runtime configuration handed to the web app through /config.json.
  std::vector<std::string> signalingUrls;  // in addition to this hub's own /signal
  std::vector<IceServer> iceServers;
  std::vector<TurnRestServer> turnRestServers;
  std::string publicUrl;                   // where share links point (docs/p2p.md)

  // The hub's own y-webrtc peer (docs/p2p.md, "The hub's own peer"): it joins
  // the rooms of plans under review, or changed within p2pRecentDays, through
  // the relays of signalingUrls and publicUrl, when there are any.
  bool p2p = true;
  size_t p2pMaxRooms = 100;
  size_t p2pMaxPeers = 20;        // per room
  size_t p2pMaxPeersTotal = 200;  // in all rooms
  int p2pRecentDays = 14;
};

}  // namespace roundtable::hub
