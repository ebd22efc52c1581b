// ConnectionLimiter: counts open connections per remote address and refuses
// more than a limit. A ConnectionToken holds one slot until it is destroyed,
// so a connection frees its slot however it ends.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace roundtable::hub {

class ConnectionLimiter;

class ConnectionToken {
 public:
  ConnectionToken() = default;
  ConnectionToken(std::shared_ptr<ConnectionLimiter> limiter, std::string address);
  ConnectionToken(ConnectionToken&& other) noexcept = default;
  ConnectionToken& operator=(ConnectionToken&& other) noexcept;
  ConnectionToken(const ConnectionToken&) = delete;
  ConnectionToken& operator=(const ConnectionToken&) = delete;
  ~ConnectionToken();

  const std::string& address() const { return address_; }

 private:
  void release();
  std::shared_ptr<ConnectionLimiter> limiter_;
  std::string address_;
};

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  explicit ConnectionLimiter(size_t maxPerAddress) : max_(maxPerAddress) {}

  // A slot for `address`, or false when it already holds the maximum.
  bool tryAcquire(const std::string& address, ConnectionToken* token);
  size_t total() const;

 private:
  friend class ConnectionToken;
  void release(const std::string& address);

  const size_t max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, size_t> counts_;
  size_t total_ = 0;
};

}  // namespace roundtable::hub
