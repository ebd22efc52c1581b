// Metrics: the hub's counters, exported at /metrics in the Prometheus text
// format. Counters are process-wide atomics, cheap to bump from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "store/store.h"

namespace roundtable::hub {

class RedisBus;

struct Metrics {
  std::atomic<int64_t> httpConnectionsOpen{0};
  std::atomic<int64_t> websocketsOpen{0};
  std::atomic<int64_t> yjsConnections{0};
  std::atomic<int64_t> signalConnections{0};
  std::atomic<int64_t> documentsLoaded{0};
  std::atomic<uint64_t> documentsLoadedTotal{0};
  std::atomic<uint64_t> documentsUnloadedTotal{0};
  std::atomic<uint64_t> updatesTotal{0};        // updates that changed a document
  std::atomic<uint64_t> updateBytesTotal{0};
  std::atomic<uint64_t> awarenessUpdatesTotal{0};
  std::atomic<uint64_t> awarenessDropped{0};    // entries past a connection's or document's quota
  std::atomic<uint64_t> signalMessagesTotal{0};
  std::atomic<uint64_t> bytesReceived{0};
  std::atomic<uint64_t> bytesSent{0};
  std::atomic<uint64_t> httpRequestsTotal{0};
  std::atomic<uint64_t> forbiddenTotal{0};      // Origin / Host refusals
  std::atomic<uint64_t> unauthorizedTotal{0};   // access token refusals (401, 4403)
  std::atomic<uint64_t> limitRefusals{0};       // size, count and rate limits
  std::atomic<uint64_t> slowConsumers{0};
  std::atomic<uint64_t> badMessages{0};         // connections closed for malformed input
  std::atomic<uint64_t> persistErrors{0};
  // The hub's own y-webrtc peer (HubPeer).
  std::atomic<int64_t> webrtcRooms{0};               // plan rooms joined
  std::atomic<int64_t> webrtcPeers{0};               // connections with an open data channel
  std::atomic<uint64_t> webrtcConnectedTotal{0};     // connections that opened
  std::atomic<uint64_t> webrtcFailedTotal{0};        // connections that ended without opening
};

Metrics& metrics();

// The store's counters and commit latency histogram, in Prometheus text.
std::string renderStoreMetrics(const store::Store::Stats& stats);

// A team server replica's connection to Redis (--bus), in Prometheus text.
std::string renderBusMetrics(const RedisBus& bus);

}  // namespace roundtable::hub
