#include "hub/connection_limiter.h"

#include <utility>

namespace roundtable::hub {

ConnectionToken::ConnectionToken(std::shared_ptr<ConnectionLimiter> limiter, std::string address)
    : limiter_(std::move(limiter)), address_(std::move(address)) {}

ConnectionToken& ConnectionToken::operator=(ConnectionToken&& other) noexcept {
  if (this != &other) {
    release();
    limiter_ = std::move(other.limiter_);
    address_ = std::move(other.address_);
  }
  return *this;
}

ConnectionToken::~ConnectionToken() { release(); }

void ConnectionToken::release() {
  if (limiter_) limiter_->release(address_);
  limiter_.reset();
}

bool ConnectionLimiter::tryAcquire(const std::string& address, ConnectionToken* token) {
  {
    std::lock_guard lock(mutex_);
    size_t& count = counts_[address];
    if (count >= max_) {
      if (count == 0) counts_.erase(address);
      return false;
    }
    ++count;
    ++total_;
  }
  *token = ConnectionToken(shared_from_this(), address);
  return true;
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
