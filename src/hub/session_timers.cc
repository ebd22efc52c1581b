#include "hub/session_timers.h"

#include "hub/websocket_session.h"

namespace roundtable::hub {

SessionTimers::SessionTimers() : epoch_(std::chrono::steady_clock::now()) {}

uint32_t SessionTimers::now() const {
  using namespace std::chrono;
  return static_cast<uint32_t>(duration_cast<seconds>(steady_clock::now() - epoch_).count());
}

void SessionTimers::add(WebSocketSession* session) {
  std::lock_guard lock(mutex_);
  session->timerSlot_ = sessions_.size();
  sessions_.push_back(session);
}

void SessionTimers::remove(WebSocketSession* session) {
  std::lock_guard lock(mutex_);
  size_t slot = session->timerSlot_;
  sessions_[slot] = sessions_.back();
  sessions_[slot]->timerSlot_ = slot;
  sessions_.pop_back();
  if (sessions_.capacity() > 64 && sessions_.size() < sessions_.capacity() / 4) sessions_.shrink_to_fit();
}

void SessionTimers::tick() {
  uint32_t t = now();
  std::vector<std::shared_ptr<WebSocketSession>> due;
  {
    std::lock_guard lock(mutex_);
    for (WebSocketSession* s : sessions_) {
      if (!s->deadlineDue(t)) continue;
      // Null when the session is being destroyed: its destructor is then
      // waiting for this mutex to unregister.
      if (auto session = s->weak_from_this().lock()) due.push_back(std::static_pointer_cast<WebSocketSession>(std::move(session)));
    }
  }
  // Outside the mutex: the last reference to a session may go here (its
  // handler can finish on another thread first), and its destructor takes
  // the mutex to unregister. (Under the mutex, that deadlocked the tick.)
  for (auto& session : due) session->postDeadline();
}

}  // namespace roundtable::hub
