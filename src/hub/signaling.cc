#include "hub/signaling.h"

#include <spdlog/spdlog.h>

#include <string_view>
#include <vector>

#include "hub/access.h"
#include "hub/metrics.h"
#include "signaling/message.h"

namespace roundtable::hub {

namespace {

SharedBytes toBytes(std::string_view text) { return std::make_shared<const Bytes>(text.begin(), text.end()); }

}  // namespace

class SignalEndpoint : public Endpoint {
 public:
  SignalEndpoint(std::shared_ptr<SignalingRelay> relay, std::string onlyTopic, int64_t expiresAt)
      : relay_(std::move(relay)), onlyTopic_(std::move(onlyTopic)), expiresAt_(expiresAt) {}

  void onOpen(const std::shared_ptr<WebSocketSession>&) override { metrics().signalConnections++; }

  void onMessage(const std::shared_ptr<WebSocketSession>& session, Bytes bytes, bool text) override {
    metrics().signalMessagesTotal++;
    if (tokenExpired(expiresAt_)) {
      metrics().unauthorizedTotal++;
      return session->close(CloseCode::kTokenExpired, "token expired");
    }
    std::string_view json(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    signaling::Message message;
    if (Status s = signaling::parseMessage(json, text, &message); !s.ok()) return reject(session, s.message());
    using Kind = signaling::Message::Kind;
    switch (message.kind) {
      case Kind::kSubscribe:
        for (std::string& name : message.topics) {
          if (name.size() > relay_->limits_.maxTopicBytes) return reject(session, "topic name too long");
          if (!allowed(name)) return forbid(session, name);
          if (!mine_.count(name) && mine_.size() >= relay_->limits_.maxTopicsPerConnection) {
            metrics().limitRefusals++;
            spdlog::warn("signal {} ({}): more than {} topics, closing", session->id(), session->remoteAddress(),
                         relay_->limits_.maxTopicsPerConnection);
            session->close(CloseCode::kPolicyViolation, "too many topics");
            return;
          }
          relay_->subscribe(name, session);
          mine_.insert(std::move(name));
        }
        break;
      case Kind::kUnsubscribe:
        for (const std::string& name : message.topics)
          if (mine_.erase(name)) relay_->unsubscribe(name, session);
        break;
      case Kind::kPublish:
        if (!allowed(message.topic)) return forbid(session, message.topic);
        relay_->publish(message.topic, json);
        break;
      case Kind::kPing: {
        static const SharedBytes pong = toBytes(signaling::kPong);
        session->sendText(pong);
        break;
      }
      case Kind::kIgnored:
        break;
    }
    session->continueReading();
  }

  void onClose(const std::shared_ptr<WebSocketSession>& session) override {
    metrics().signalConnections--;
    for (const auto& topic : mine_) relay_->unsubscribe(topic, session);
    mine_.clear();
  }

 private:
  bool allowed(const std::string& topic) const { return onlyTopic_.empty() || topic == onlyTopic_; }

  void forbid(const std::shared_ptr<WebSocketSession>& session, const std::string& topic) {
    metrics().unauthorizedTotal++;
    spdlog::warn("signal {} ({}): topic '{}' is outside its token's plan; closing", session->id(),
                 session->remoteAddress(), topic.substr(0, 128));
    session->close(CloseCode::kForbidden, "topic not allowed by the token");
  }

  void reject(const std::shared_ptr<WebSocketSession>& session, const std::string& why) {
    metrics().badMessages++;
    spdlog::warn("signal {} ({}): {}; closing", session->id(), session->remoteAddress(), why);
    session->close(CloseCode::kUnsupportedData, why);
  }

  std::shared_ptr<SignalingRelay> relay_;
  const std::string onlyTopic_;  // empty: any
  const int64_t expiresAt_;       // of its access token; 0: never
  std::unordered_set<std::string> mine_;
};

std::unique_ptr<Endpoint> SignalingRelay::newEndpoint(std::string onlyTopic, int64_t expiresAt) {
  return std::make_unique<SignalEndpoint>(shared_from_this(), std::move(onlyTopic), expiresAt);
}

size_t SignalingRelay::topicCount() const {
  std::lock_guard lock(mutex_);
  return topics_.size();
}

void SignalingRelay::subscribe(const std::string& topic, const SessionPtr& session) {
  std::lock_guard lock(mutex_);
  auto& subscribers = topics_[topic];
  // Under the mutex, so the bus sees subscribes and unsubscribes in order.
  if (subscribers.empty() && bus_) bus_->subscribe(bus::signalChannelFor(topic), weak_from_this());
  subscribers.insert(session);
}

void SignalingRelay::unsubscribe(const std::string& topic, const SessionPtr& session) {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  it->second.erase(session);
  if (it->second.empty()) {
    topics_.erase(it);
    if (bus_) bus_->unsubscribe(bus::signalChannelFor(topic), this);
  }
}

void SignalingRelay::publish(const std::string& topic, std::string_view message) {
  if (bus_) {
    if (message.size() + 32 <= bus::kMaxBusMessageBytes) {
      std::span<const uint8_t> bytes(reinterpret_cast<const uint8_t*>(message.data()), message.size());
      bus_->publish(bus::signalChannelFor(topic), bus::encodeBusMessage(bus::BusKind::kSignal, bus_->replicaId(), 0, bytes));
    } else {
      spdlog::warn("signal: a publish of {} bytes on '{}' is too long for the other replicas", message.size(), topic);
    }
  }
  relay(topic, message);
}

void SignalingRelay::busMessage(std::string_view topic, const bus::BusMessage& m) {
  if (m.kind != bus::BusKind::kSignal) return;
  std::string_view text(reinterpret_cast<const char*>(m.payload.data()), m.payload.size());
  // What another replica relays was checked there, but Redis is open to
  // others: the same reader a client's message goes through.
  signaling::Message message;
  if (!signaling::parseMessage(text, /*text=*/true, &message).ok() || message.kind != signaling::Message::Kind::kPublish ||
      message.topic != topic) {
    spdlog::warn("bus: ignoring a signaling message on '{}' that is not a publish of it", topic);
    return;
  }
  relay(std::string(topic), text);
}

void SignalingRelay::relay(const std::string& topic, std::string_view message) {
  std::vector<SessionPtr> receivers;
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(topic);
    if (it == topics_.end()) return;
    receivers.assign(it->second.begin(), it->second.end());
  }
  SharedBytes bytes = toBytes(signaling::relayedPublish(message, receivers.size()));
  for (const auto& receiver : receivers) receiver->sendText(bytes);
}

}  // namespace roundtable::hub
