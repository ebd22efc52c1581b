#include "hub/relay_order.h"

#include <algorithm>
#include <cassert>
#include <iterator>

namespace roundtable::hub {

RelayOrder::Seq RelayOrder::holdUpdate(ConnId from, SharedBytes bytes) {
  Seq seq = ++numbered_;
  if (!failed_) held_.push_back({seq, {0, from, std::move(bytes)}});
  return seq;
}

SharedBytes RelayOrder::holdReply(ConnId to, SharedBytes bytes) {
  if (failed_) return nullptr;
  if (settled()) return bytes;
  held_.push_back({numbered_, {to, 0, std::move(bytes)}});
  return nullptr;
}

RelayOrder::Waiter RelayOrder::wait(Waiter waiter) {
  if (failed_ || settled()) return waiter;
  waiters_.emplace_back(numbered_, std::move(waiter));
  return nullptr;
}

RelayOrder::Released RelayOrder::commit(Seq seq) {
  assert(seq <= numbered_);
  Released out;
  if (failed_ || seq <= committed_) return out;
  committed_ = seq;
  // Both lists are in sequence order: what is released is a prefix.
  auto released = std::find_if(held_.begin(), held_.end(), [&](const Held& h) { return h.seq > committed_; });
  if (released != held_.begin()) {
    out.relays.reserve(static_cast<size_t>(released - held_.begin()));
    for (auto it = held_.begin(); it != released; ++it) out.relays.push_back(std::move(it->relay));
    held_.erase(held_.begin(), released);
    if (held_.empty()) std::vector<Held>().swap(held_);  // an idle room holds no buffer
  }
  auto answered = std::find_if(waiters_.begin(), waiters_.end(), [&](const auto& w) { return w.first > committed_; });
  if (answered != waiters_.begin()) {
    out.waiters.reserve(static_cast<size_t>(answered - waiters_.begin()));
    for (auto it = waiters_.begin(); it != answered; ++it) out.waiters.push_back(std::move(it->second));
    waiters_.erase(waiters_.begin(), answered);
  }
  return out;
}

std::vector<RelayOrder::Waiter> RelayOrder::fail() {
  failed_ = true;
  std::vector<Held>().swap(held_);
  std::vector<Waiter> waiters;
  waiters.reserve(waiters_.size());
  for (auto& [seq, waiter] : waiters_) waiters.push_back(std::move(waiter));
  waiters_.clear();
  return waiters;
}

bool RelayOrder::holdsUpdate(const Bytes& bytes) const {
  return std::any_of(held_.begin(), held_.end(),
                     [&](const Held& h) { return h.relay.to == 0 && h.relay.bytes && *h.relay.bytes == bytes; });
}

void RelayOrder::leave(ConnId conn) {
  if (conn == 0) return;  // not a connection (a reply always has one)
  std::erase_if(held_, [conn](const Held& h) { return h.relay.to == conn; });
  if (held_.empty()) std::vector<Held>().swap(held_);
}

}  // namespace roundtable::hub
