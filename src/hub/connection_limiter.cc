#include "hub/connection_limiter.h"

#include <algorithm>
#include <utility>

namespace roundtable::hub {

ConnectionToken::ConnectionToken(std::shared_ptr<ConnectionLimiter> limiter, std::string address)
    : limiter_(std::move(limiter)), address_(std::move(address)) {}

ConnectionToken::ConnectionToken(ConnectionToken&& other) noexcept
    : limiter_(std::move(other.limiter_)), address_(std::move(other.address_)), waitingId_(other.waitingId_) {
  other.waitingId_ = 0;
}

ConnectionToken& ConnectionToken::operator=(ConnectionToken&& other) noexcept {
  if (this != &other) {
    release();
    limiter_ = std::move(other.limiter_);
    address_ = std::move(other.address_);
    waitingId_ = other.waitingId_;
    other.waitingId_ = 0;
  }
  return *this;
}

ConnectionToken::~ConnectionToken() { release(); }

void ConnectionToken::waiting(bool served, std::function<void()> evict) {
  if (!limiter_) return;
  busy();
  waitingId_ = limiter_->addWaiting(address_, served, std::move(evict));
}

void ConnectionToken::busy() {
  if (limiter_ && waitingId_) limiter_->removeWaiting(address_, waitingId_);
  waitingId_ = 0;
}

void ConnectionToken::release() {
  busy();
  if (limiter_) limiter_->release(address_);
  limiter_.reset();
}

bool ConnectionLimiter::tryAcquire(const std::string& address, ConnectionToken* token) {
  std::function<void()> evict;
  {
    std::lock_guard lock(mutex_);
    size_t& count = counts_[address];
    if (count >= max_) {
      auto w = waiting_.find(address);
      if (w == waiting_.end()) {
        if (count == 0) counts_.erase(address);
        return false;
      }
      auto& queue = w->second;
      auto victim = std::find_if(queue.begin(), queue.end(), [](const auto& entry) { return !entry.second.served; });
      if (victim == queue.end()) victim = queue.begin();
      evict = std::move(victim->second.evict);
      queue.erase(victim);
      if (queue.empty()) waiting_.erase(w);
      ++evictions_;
    }
    // The evicted connection keeps its slot until it has closed, a moment
    // later: the address may briefly hold one more than the maximum.
    ++count;
    ++total_;
  }
  if (evict) evict();
  *token = ConnectionToken(shared_from_this(), address);
  return true;
}

uint64_t ConnectionLimiter::addWaiting(const std::string& address, bool served, std::function<void()> evict) {
  std::lock_guard lock(mutex_);
  uint64_t id = nextWaitingId_++;
  waiting_[address].emplace(id, Waiting{served, std::move(evict)});
  return id;
}

void ConnectionLimiter::removeWaiting(const std::string& address, uint64_t id) {
  std::lock_guard lock(mutex_);
  auto w = waiting_.find(address);
  if (w == waiting_.end()) return;
  w->second.erase(id);
  if (w->second.empty()) waiting_.erase(w);
}

uint64_t ConnectionLimiter::evictions() const {
  std::lock_guard lock(mutex_);
  return evictions_;
}

size_t ConnectionLimiter::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

void ConnectionLimiter::release(const std::string& address) {
  std::lock_guard lock(mutex_);
  auto it = counts_.find(address);
  if (it == counts_.end()) return;
  if (--it->second == 0) counts_.erase(it);
  --total_;
}

}  // namespace roundtable::hub
