// SessionTimers: the deadlines of every WebSocket connection (idle pings,
// idle closes, the wait for the answer to a close frame) checked by one
// periodic tick instead of a timer per connection.
//
// A waiting Asio timer per connection costs about 250 bytes (the timer, its
// pending operation and that operation's executor) on each of thousands of
// mostly idle connections. Here a connection registers for its whole life
// and keeps its deadlines in a few atomics; the hub calls tick() every
// second, which asks each connection whether a deadline passed, and those
// that need to act do so on their own strands. Deadlines are therefore whole
// seconds, give or take one.
//
// No Asio inside: the hub's io_context destroys the sessions its handlers
// still hold when it is destroyed, so this object must outlive it, while the
// ticking timer must not.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <vector>

namespace roundtable::hub {

class WebSocketSession;

class SessionTimers {
 public:
  SessionTimers();
  SessionTimers(const SessionTimers&) = delete;
  SessionTimers& operator=(const SessionTimers&) = delete;

  // Whole seconds on a steady clock that started with this object.
  uint32_t now() const;

  // Thread-safe. A session calls add() when it is created and remove() when
  // it is destroyed.
  void add(WebSocketSession* session);
  void remove(WebSocketSession* session);

  // Lets every session act on its deadlines; the hub calls it every second.
  void tick();

 private:
  const std::chrono::steady_clock::time_point epoch_;
  std::mutex mutex_;
  std::vector<WebSocketSession*> sessions_;  // each knows its index (timerSlot_)
};

}  // namespace roundtable::hub
