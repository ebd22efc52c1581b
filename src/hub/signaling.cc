#include "hub/signaling.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "hub/metrics.h"

namespace roundtable::hub {

// Insertion-ordered, so a relayed message keeps the sender's key order.
class SignalMessage {
 public:
  nlohmann::ordered_json json;
};

namespace {

SharedBytes toBytes(const nlohmann::ordered_json& json) {
  std::string text = json.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  return std::make_shared<const Bytes>(text.begin(), text.end());
}

}  // namespace

class SignalEndpoint : public Endpoint {
 public:
  explicit SignalEndpoint(std::shared_ptr<SignalingRelay> relay) : relay_(std::move(relay)) {}

  void onOpen(const std::shared_ptr<WebSocketSession>&) override { metrics().signalConnections++; }

  void onMessage(const std::shared_ptr<WebSocketSession>& session, Bytes message, bool) override {
    metrics().signalMessagesTotal++;
    SignalMessage msg;
    msg.json = nlohmann::ordered_json::parse(message.begin(), message.end(), nullptr, /*allow_exceptions=*/false);
    if (msg.json.is_discarded() || !msg.json.is_object()) return reject(session, "signaling message is not a JSON object");
    auto type = msg.json.find("type");
    // y-webrtc's server ignores messages without a type; so do we.
    if (type == msg.json.end() || !type->is_string()) return session->continueReading();
    const std::string& t = type->get_ref<const std::string&>();
    if (t == "subscribe" || t == "unsubscribe") {
      auto topics = msg.json.find("topics");
      if (topics != msg.json.end() && !topics->is_array()) return reject(session, "`topics` must be an array");
      if (topics != msg.json.end()) {
        for (const auto& topic : *topics) {
          if (!topic.is_string()) continue;
          const std::string& name = topic.get_ref<const std::string&>();
          if (t == "subscribe") {
            if (name.size() > relay_->limits_.maxTopicBytes) return reject(session, "topic name too long");
            if (!mine_.count(name) && mine_.size() >= relay_->limits_.maxTopicsPerConnection) {
              metrics().limitRefusals++;
              spdlog::warn("signal {} ({}): more than {} topics, closing", session->id(), session->remoteAddress(),
                           relay_->limits_.maxTopicsPerConnection);
              session->close(CloseCode::kPolicyViolation, "too many topics");
              return;
            }
            mine_.insert(name);
            relay_->subscribe(name, session);
          } else if (mine_.erase(name)) {
            relay_->unsubscribe(name, session);
          }
        }
      }
    } else if (t == "publish") {
      auto topic = msg.json.find("topic");
      if (topic != msg.json.end() && topic->is_string()) relay_->publish(topic->get<std::string>(), msg);
    } else if (t == "ping") {
      static const SharedBytes pong = toBytes(nlohmann::ordered_json{{"type", "pong"}});
      session->send(pong, /*text=*/true);
    }
    session->continueReading();
  }

  void onClose(const std::shared_ptr<WebSocketSession>& session) override {
    metrics().signalConnections--;
    for (const auto& topic : mine_) relay_->unsubscribe(topic, session);
    mine_.clear();
  }

 private:
  void reject(const std::shared_ptr<WebSocketSession>& session, const char* why) {
    metrics().badMessages++;
    spdlog::warn("signal {} ({}): {}; closing", session->id(), session->remoteAddress(), why);
    session->close(CloseCode::kUnsupportedData, why);
  }

  std::shared_ptr<SignalingRelay> relay_;
  std::unordered_set<std::string> mine_;
};

std::unique_ptr<Endpoint> SignalingRelay::newEndpoint() {
  return std::make_unique<SignalEndpoint>(shared_from_this());
}

size_t SignalingRelay::topicCount() const {
  std::lock_guard lock(mutex_);
  return topics_.size();
}

void SignalingRelay::subscribe(const std::string& topic, const SessionPtr& session) {
  std::lock_guard lock(mutex_);
  topics_[topic].insert(session);
}

void SignalingRelay::unsubscribe(const std::string& topic, const SessionPtr& session) {
  std::lock_guard lock(mutex_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  it->second.erase(session);
  if (it->second.empty()) topics_.erase(it);
}

void SignalingRelay::publish(const std::string& topic, SignalMessage& message) {
  std::vector<SessionPtr> receivers;
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(topic);
    if (it == topics_.end()) return;
    receivers.assign(it->second.begin(), it->second.end());
  }
  message.json["clients"] = receivers.size();
  SharedBytes bytes = toBytes(message.json);
  for (const auto& receiver : receivers) receiver->send(bytes, /*text=*/true);
}

}  // namespace roundtable::hub
