#include "p2p/room_membership.h"

#include <utility>

namespace roundtable::p2p {

namespace {

std::string signalType(const lib0::Value& signal) {
  if (!signal.isObject()) return {};
  const lib0::Value* type = signal.asObject().get("type");
  return type && type->isString() ? type->asString() : std::string();
}

}  // namespace

RoomMembership::RoomMembership(std::string self, MembershipOptions options)
    : self_(std::move(self)), options_(options) {}

std::vector<RoomMembership::Action> RoomMembership::onRoomSignal(const RoomSignal& m) {
  std::vector<Action> actions;
  if (m.from == self_ || m.from.empty()) return actions;
  if (m.type == RoomSignal::Type::kAnnounce) {
    if (!options_.initiate) {
      if (conns_.size() < options_.maxConns && !conns_.count(m.from))
        actions.push_back({Action::kAnnounce, m.from, false, lib0::Value()});
      return actions;
    }
    if (conns_.size() < options_.maxConns && conns_.emplace(m.from, Conn{.initiator = true}).second)
      actions.push_back({Action::kConnect, m.from, true, lib0::Value()});
    return actions;
  }
  if (m.to != self_) return actions;
  const std::string type = signalType(m.signal);
  auto it = conns_.find(m.from);
  if (type == "offer" && it != conns_.end() && it->second.initiator) {
    // Both sides offered. y-webrtc ignores the offer when its own token is
    // larger (and, comparing with undefined being false, takes an offer
    // without a token).
    std::optional<double> local = it->second.glareToken;
    if (local && m.token && *local > *m.token) return actions;
    it->second = Conn{.initiator = false};
    actions.push_back({Action::kReplace, m.from, false, m.signal});
    return actions;
  }
  if (type == "answer" && it != conns_.end()) it->second.glareToken.reset();
  if (it == conns_.end()) {
    // y-webrtc makes a connection for any signal addressed to it; only an
    // offer can start one here (an answer or candidate for a connection we
    // do not have is stale), and the limit holds for them too.
    if (type != "offer" || conns_.size() >= options_.maxConns) return actions;
    conns_.emplace(m.from, Conn{.initiator = false});
    actions.push_back({Action::kConnect, m.from, false, m.signal});
    return actions;
  }
  actions.push_back({Action::kDeliver, m.from, false, m.signal});
  return actions;
}

std::optional<double> RoomMembership::signalToken(const std::string& peer, double nowMs, double randomFraction) {
  auto it = conns_.find(peer);
  if (it == conns_.end()) return std::nullopt;
  if (!it->second.glareToken) it->second.glareToken = nowMs + randomFraction;
  return it->second.glareToken;
}

void RoomMembership::closed(const std::string& peer) { conns_.erase(peer); }

}  // namespace roundtable::p2p
