// SignalingRelay: the y-webrtc signaling protocol (y-webrtc's bin/server.js).
//
// Clients send JSON text messages:
//   {"type":"subscribe","topics":["room"]}    {"type":"unsubscribe","topics":[...]}
//   {"type":"publish","topic":"room",...}      relayed to every subscriber of
//                                               the topic, sender included, with
//                                               "clients": <subscriber count>
//   {"type":"ping"}                            answered with {"type":"pong"}
// The relay never looks inside a publish and relays the bytes that arrived
// (with `clients` appended): with a room password its payload is ciphertext.
// A message that is not a JSON object (JSON.parse's grammar, nested at most
// lib0::kMaxNestingDepth deep) closes that connection; one without a string
// `type` is ignored, as y-webrtc's server ignores it.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "hub/redis_bus.h"
#include "hub/websocket_session.h"

namespace roundtable::hub {

struct SignalingLimits {
  size_t maxTopicsPerConnection = 256;
  size_t maxTopicBytes = 1024;
};

// With a bus (replicas of a team server, docs/team-server.md), a topic with
// subscribers here is subscribed on Redis too, and a publish reaches the
// subscribers on every replica: it is relayed here and published on the
// topic's channel; one heard there is relayed here. `clients` counts this
// replica's subscribers only (y-webrtc uses it for nothing but logs).
class SignalingRelay : public std::enable_shared_from_this<SignalingRelay>, public BusPeer {
 public:
  explicit SignalingRelay(SignalingLimits limits) : limits_(limits) {}

  // Before the first connection.
  void setBus(std::shared_ptr<RedisBus> bus) { bus_ = std::move(bus); }
  // BusPeer, on the bus's strand.
  void busMessage(std::string_view topic, const bus::BusMessage& message) override;
  void busSubscribed() override {}

  // The endpoint for one new /signal connection. `onlyTopic` non-empty: the
  // connection may subscribe and publish to that topic only (a plan-bound
  // access token); another closes it with 4403.
  // `expiresAt`: when its access token expires (seconds since the epoch; 0:
  // never); a message after it closes the connection with 4401.
  std::unique_ptr<Endpoint> newEndpoint(std::string onlyTopic = {}, int64_t expiresAt = 0);

  size_t topicCount() const;

 private:
  friend class SignalEndpoint;
  using SessionPtr = std::shared_ptr<WebSocketSession>;

  void subscribe(const std::string& topic, const SessionPtr& session);
  void unsubscribe(const std::string& topic, const SessionPtr& session);
  // Sends `message`, a JSON object's text, with `clients` set to the
  // subscriber count, to every subscriber of `topic`.
  void publish(const std::string& topic, std::string_view message);
  void relay(const std::string& topic, std::string_view message);

  const SignalingLimits limits_;
  std::shared_ptr<RedisBus> bus_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::unordered_set<SessionPtr>> topics_;
};

}  // namespace roundtable::hub
