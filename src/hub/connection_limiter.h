// ConnectionLimiter: counts open connections per remote address and refuses
// more than a limit. A ConnectionToken holds one slot until it is destroyed,
// so a connection frees its slot however it ends.
//
// Connections waiting for a request (most of all those that never completed
// one: idle sockets, a slowloris) give way: at the limit, a new connection
// from the same address takes the place of the oldest of them, so that idle
// sockets opened by one page or process cannot lock out the hub's other
// clients, which all come from 127.0.0.1. Busy connections (a request being
// answered, WebSockets) are never displaced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
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
  ConnectionToken(ConnectionToken&& other) noexcept;
  ConnectionToken& operator=(ConnectionToken&& other) noexcept;
  ConnectionToken(const ConnectionToken&) = delete;
  ConnectionToken& operator=(const ConnectionToken&) = delete;
  ~ConnectionToken();

  const std::string& address() const { return address_; }

  // The connection waits for a request (`served`: it has answered one
  // before). `evict` may then be called, from any thread, to end it in favour
  // of a new connection; it must close the connection soon.
  void waiting(bool served, std::function<void()> evict);
  // The connection is busy: it can no longer be displaced.
  void busy();

 private:
  void release();
  std::shared_ptr<ConnectionLimiter> limiter_;
  std::string address_;
  uint64_t waitingId_ = 0;  // registration while waiting; 0 when busy
};

class ConnectionLimiter : public std::enable_shared_from_this<ConnectionLimiter> {
 public:
  explicit ConnectionLimiter(size_t maxPerAddress) : max_(maxPerAddress) {}

  // A slot for `address`, or false when it already holds the maximum and
  // none of its connections is waiting for a request. At the maximum, the
  // oldest waiting connection that never completed a request is evicted (or,
  // if none, the oldest waiting one), and the new connection gets its slot.
  // Until the evicted connection has closed, the address holds one more than
  // the maximum (HttpSession answers a request that arrived in that instant
  // with 429 and closes; one already handed to a WebSocket or an MCP exchange
  // by then keeps its place).
  bool tryAcquire(const std::string& address, ConnectionToken* token);
  size_t total() const;
  uint64_t evictions() const;

 private:
  friend class ConnectionToken;
  struct Waiting {
    bool served;
    std::function<void()> evict;
  };
  void release(const std::string& address);
  uint64_t addWaiting(const std::string& address, bool served, std::function<void()> evict);
  void removeWaiting(const std::string& address, uint64_t id);

  const size_t max_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, size_t> counts_;
  // Per address, by registration order (ids grow).
  std::unordered_map<std::string, std::map<uint64_t, Waiting>> waiting_;
  uint64_t nextWaitingId_ = 1;
  uint64_t evictions_ = 0;
  size_t total_ = 0;
};

}  // namespace roundtable::hub
