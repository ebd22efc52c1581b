#include "hub/room.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <algorithm>
#include <chrono>
#include <type_traits>

#include "hub/metrics.h"
#include "sync/message.h"

namespace roundtable::hub {

namespace asio = boost::asio;

static_assert(std::is_same_v<ConnId, sync::ConnId>);

Room::Room(std::string name, Strand strand, store::Store& store, Owner& owner, RoomOptions options)
    : name_(std::move(name)),
      strand_(std::move(strand)),
      store_(store),
      owner_(owner),
      options_(options),
      fanout_(options.parallelFanout ? &strand_.get_inner_executor().context() : nullptr),
      unloadTimer_(strand_),
      awarenessTimer_(strand_) {
  metrics().documentsLoaded++;
  metrics().documentsLoadedTotal++;
}

Room::~Room() {
  metrics().documentsLoaded--;
  metrics().documentsUnloadedTotal++;
}

int64_t Room::nowMs() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

void Room::load() {
  asio::post(strand_, [self = shared_from_this()] {
    std::vector<std::vector<uint8_t>> updates;
    self->core_.setAwarenessLimits(self->options_.awareness);
    self->core_.setDocumentLimits(self->options_.document);
    Status s = self->store_.load(self->name_, &updates);
    if (s.ok()) s = self->core_.load(updates);
    if (!s.ok()) {
      // Serving a partial document would let clients overwrite nothing but
      // would hide the rest; refuse the document until an operator looks.
      spdlog::error("document '{}' could not be loaded: {}", self->name_, s.message());
      self->state_ = State::kFailed;
      self->owner_.remove(*self);  // the next client retries the load
      return;
    }
    self->state_ = State::kReady;
    spdlog::debug("document '{}' loaded ({} stored updates)", self->name_, updates.size());
    self->owner_.changed(self->name_, self->core_);
  });
}

void Room::join(std::shared_ptr<RoomConnection> session) {
  asio::post(strand_, [self = shared_from_this(), session = std::move(session)] {
    self->owner_.joined(*self);
    if (self->state_ != State::kReady) {
      session->close(CloseCode::kInternalError, "document unavailable");
      return;
    }
    self->unloadTimer_.cancel();
    ConnId id = session->id();
    self->fanout_.add(session);
    metrics().yjsConnections++;
    self->carryOut(id, self->core_.open(id));
    self->scheduleAwarenessSweep();
  });
}

void Room::message(std::shared_ptr<RoomConnection> session, Bytes bytes) {
  asio::dispatch(strand_, [self = shared_from_this(), session = std::move(session), bytes = std::move(bytes)] {
    ConnId id = session->id();
    if (!self->fanout_.find(id)) return;  // closed meanwhile
    RoomEffects fx = self->core_.handle(id, bytes, nowMs());
    if (fx.status.code() == StatusCode::kResourceExhausted) {
      // A well-formed update past a document limit: refused, and the
      // connection closed so that its client sees why (its own copy keeps
      // the edit; it is refused again until the document shrinks).
      metrics().limitRefusals++;
      spdlog::warn("document '{}': closing connection {} ({}): {}", self->name_, id, session->remoteAddress(),
                   fx.status.message());
      session->close(CloseCode::kDocumentLimit, "document limit");
      fx.status = Status::Ok();
      self->carryOut(id, std::move(fx));  // what integrated before the pending bound was passed
      return;
    }
    if (!fx.status.ok()) {
      metrics().badMessages++;
      spdlog::warn("document '{}': closing connection {} ({}): {}", self->name_, id, session->remoteAddress(),
                   fx.status.message());
      bool contradicts = fx.status.code() == StatusCode::kInternal;
      session->close(contradicts ? CloseCode::kInternalError : CloseCode::kUnsupportedData, "bad message");
      if (contradicts) {
        // The update decoded but contradicted the document; part of it may be
        // applied in memory. Reload from the store, which holds only what was
        // accepted whole.
        self->fail("an update contradicted the document");
        return;
      }
      // Whatever the bad message changed before failing is still persisted.
      fx.status = Status::Ok();
      self->carryOut(id, std::move(fx));
      return;
    }
    self->carryOut(id, std::move(fx));
    // Back-pressure: while the store is behind, this client waits.
    if (self->store_.overloaded()) {
      self->paused_.push_back(std::move(session));
      self->resumePaused();
    } else {
      session->continueReading();
    }
  });
}

void Room::abandonJoin() {
  asio::post(strand_, [self = shared_from_this()] {
    self->owner_.joined(*self);
    if (self->state_ == State::kReady && self->idle()) self->scheduleUnload();
  });
}

void Room::leave(std::shared_ptr<RoomConnection> session) {
  asio::post(strand_, [self = shared_from_this(), session = std::move(session)] {
    ConnId id = session->id();
    if (!self->fanout_.remove(session)) return;
    self->order_.leave(id);  // its updates are still relayed; replies for it are not
    metrics().yjsConnections--;
    self->carryOut(id, self->core_.close(id, nowMs()));
    if (self->idle()) self->scheduleUnload();
  });
}

void Room::withCore(std::function<RoomEffects(RoomCore*)> f, std::function<void(Status)> done) {
  asio::post(strand_, [self = shared_from_this(), f = std::move(f), done = std::move(done)]() mutable {
    if (self->state_ != State::kReady) {
      f(nullptr);
      if (done) done(Status::FailedPrecondition("document '" + self->name_ + "' is unavailable"));
      return;
    }
    self->carryOut(0, f(&self->core_));
    if (done) {
      if (self->state_ != State::kReady) {
        // An inline commit failed during carryOut (fail() answered the waiters before this one).
        done(Status::FailedPrecondition("document '" + self->name_ + "': storing an update failed"));
      } else if (auto now = self->order_.wait(std::move(done))) {
        // Committed already (inline, or earlier): answered once that survives power loss too.
        std::vector<RelayOrder::Waiter> answer;
        answer.push_back(std::move(now));
        self->answerWhenSynced(std::move(answer));
      }
    }
    if (self->idle()) self->scheduleUnload();
  });
}

void Room::watch(uint64_t id, Watcher watcher) {
  asio::post(strand_, [self = shared_from_this(), id, watcher = std::move(watcher)]() mutable {
    if (self->state_ != State::kReady) {
      watcher(nullptr);
      return;
    }
    self->unloadTimer_.cancel();
    watcher(&self->core_);
    self->watchers_[id] = std::move(watcher);
  });
}

void Room::unwatch(uint64_t id) {
  asio::post(strand_, [self = shared_from_this(), id] {
    if (self->watchers_.erase(id) && self->idle()) self->scheduleUnload();
  });
}

// Tells the watchers and the registry's hook about committed changes.
void Room::notifyChanged() {
  if (!changedSinceNotify_) return;
  changedSinceNotify_ = false;
  owner_.changed(name_, core_);
  // A watcher may unwatch (erase itself) while called: iterate over a copy of the ids.
  std::vector<uint64_t> ids;
  for (auto& [id, w] : watchers_) ids.push_back(id);
  for (uint64_t id : ids)
    if (auto it = watchers_.find(id); it != watchers_.end()) it->second(&core_);
}

void Room::carryOut(ConnId from, RoomEffects fx) {
  if (RoomConnection* sender = fanout_.find(from)) {
    for (auto& reply : fx.reply) fanout_.sendTo(*sender, share(std::move(reply)));
  }
  for (auto& update : fx.docUpdates) {
    metrics().updatesTotal++;
    metrics().updateBytesTotal += update.size();
    // The sender already has what it sent; but when its update let pending
    // structs of others integrate, the emitted update holds more than it sent,
    // and the sender needs that too.
    ConnId except = fx.docUpdates.size() == 1 && std::equal(update.begin(), update.end(), fx.received.begin(), fx.received.end()) ? from : 0;
    // Held before the store sees it: an inline commit reports before append returns.
    uint64_t seq = order_.holdUpdate(except, share(sync::encodeUpdate(update)));
    store_.append(name_, std::move(update), [self = shared_from_this(), seq](const store::AppendResult& result) {
      self->onStored(seq, result);
    });
  }
  if (!fx.storeOnly.empty()) {
    // Persisted with nothing to relay: it waits for dependencies (RoomEffects).
    uint64_t seq = order_.holdStoreOnly();
    store_.append(name_, std::move(fx.storeOnly), [self = shared_from_this(), seq](const store::AppendResult& result) {
      self->onStored(seq, result);
    });
  }
  for (auto& reply : fx.durableReply) {
    if (SharedBytes now = order_.holdReply(from, share(std::move(reply)))) {
      Relay relay{from, 0, std::move(now)};
      fanout_.relay({&relay, 1});
    }
  }
  if (fx.awarenessDropped > 0) metrics().awarenessDropped += fx.awarenessDropped;
  if (!fx.awareness.empty()) {
    metrics().awarenessUpdatesTotal++;
    Relay relay{0, 0, share(std::move(fx.awareness))};
    fanout_.relay({&relay, 1});
  }
}

// On the store's writer thread, which reports the appends of one group
// commit one after another: a success only advances durable_, and one post
// carries them all to the strand, so the updates committed together are
// released together (one write per connection for the lot).
void Room::onStored(uint64_t seq, const store::AppendResult& result) {
  if (strand_.running_in_this_thread()) {
    // Committed inline by append(), called from carryOut on the strand.
    if (!result.status.ok()) {
      storeFailed_.store(true);
    } else {
      durable_.store(seq, std::memory_order_release);
      if (storeFailed_.load()) return;  // an earlier failure's post handles it
    }
    onCommitted(seq, result);
    return;
  }
  if (!result.status.ok() || result.shouldCompact) {
    if (!result.status.ok()) storeFailed_.store(true);
    asio::post(strand_, [self = shared_from_this(), seq, result] { self->onCommitted(seq, result); });
    return;
  }
  durable_.store(seq, std::memory_order_release);
  if (durablePosted_.exchange(true)) return;
  asio::post(strand_, [self = shared_from_this()] {
    self->durablePosted_.store(false);
    uint64_t seq = self->durable_.load(std::memory_order_acquire);
    // A failure reported before this success is handled by its own post.
    if (self->storeFailed_.load() || seq <= self->order_.committed()) return;
    self->onCommitted(seq, store::AppendResult{});
  });
}

// Relayed once committed; answered (to an agent, which has no copy of its
// own) once it survives power loss too.
void Room::answerWhenSynced(std::vector<RelayOrder::Waiter> done) {
  auto waiting = std::make_shared<std::vector<RelayOrder::Waiter>>(std::move(done));
  store_.whenSynced([self = shared_from_this(), waiting](Status s) {
    asio::post(self->strand_, [waiting, s] {
      for (auto& f : *waiting) f(s);
    });
  });
}

void Room::onCommitted(uint64_t seq, const store::AppendResult& result) {
  if (state_ != State::kReady) return;
  if (!result.status.ok()) {
    metrics().persistErrors++;
    fail("storing an update failed: " + result.status.message());
    return;
  }
  RelayOrder::Released released = order_.commit(seq);
  changedSinceNotify_ = true;
  resumePaused();
  // The updates released together go to each connection in one send.
  fanout_.relay(released.relays);
  if (!released.waiters.empty()) answerWhenSynced(std::move(released.waiters));
  // Once the store has caught up, so a burst of updates notifies once.
  if (order_.settled()) notifyChanged();
  if (result.shouldCompact && !compacting_) {
    compacting_ = true;
    store_.compact(name_, core_.encodeState(), [self = shared_from_this()](Status s) {
      asio::post(self->strand_, [self, s] {
        self->compacting_ = false;
        if (!s.ok()) spdlog::warn("document '{}': compaction failed: {}", self->name_, s.message());
        if (self->idle()) self->scheduleUnload();
      });
    });
  }
  if (idle()) scheduleUnload();
}

void Room::resumePaused() {
  if (paused_.empty()) return;
  if (!store_.overloaded()) {
    for (auto& session : paused_) session->continueReading();
    paused_.clear();
    return;
  }
  // The store is behind on other documents' work: look again shortly.
  if (order_.settled()) {
    if (!resumeTimer_) resumeTimer_ = std::make_unique<Timer>(strand_);
    resumeTimer_->expires_after(std::chrono::milliseconds(20));
    resumeTimer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec && self->state_ == State::kReady) self->resumePaused();
    });
  }
}

void Room::fail(const std::string& why) {
  spdlog::error("document '{}': {}; disconnecting its clients and reloading it from storage", name_, why);
  state_ = State::kFailed;
  std::vector<RelayOrder::Waiter> waiters = order_.fail();  // what is held is dropped
  paused_.clear();
  for (auto& session : fanout_.takeAll()) {
    session->close(CloseCode::kTryAgainLater, "document reloading");
    metrics().yjsConnections--;
  }
  unloadTimer_.cancel();
  awarenessTimer_.cancel();
  for (auto& done : waiters) done(Status::FailedPrecondition("document '" + name_ + "': " + why));
  auto watchers = std::move(watchers_);
  watchers_.clear();
  for (auto& [id, w] : watchers) w(nullptr);
  owner_.remove(*this);
}

void Room::scheduleUnload() {
  if (state_ == State::kUnloaded) return;
  unloadTimer_.expires_after(options_.unloadGrace);
  unloadTimer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    if (ec) return;
    if (!self->idle() || !self->order_.settled() || self->compacting_) return;
    if (self->owner_.tryUnload(*self)) {
      self->state_ = State::kUnloaded;
      self->awarenessTimer_.cancel();
      spdlog::debug("document '{}' unloaded", self->name_);
    }
  });
}

void Room::scheduleAwarenessSweep() {
  if (awarenessTimerRunning_) return;
  awarenessTimerRunning_ = true;
  // y-protocols checks every tenth of the timeout.
  awarenessTimer_.expires_after(std::max(options_.awarenessTimeout / 10, std::chrono::milliseconds(10)));
  awarenessTimer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->awarenessTimerRunning_ = false;
    if (ec || self->state_ != State::kReady) return;
    self->carryOut(0, self->core_.expireAwareness(nowMs(), self->options_.awarenessTimeout.count()));
    if (!self->fanout_.empty() || self->core_.awareness().size() > 0) self->scheduleAwarenessSweep();
  });
}

RoomRegistry::RoomRegistry(asio::io_context::executor_type executor, store::Store& store, RoomOptions options)
    : executor_(std::move(executor)), store_(store), options_(options) {}

std::shared_ptr<Room> RoomRegistry::acquire(const std::string& name) {
  std::lock_guard lock(mutex_);
  return findOrLoad(name).room;
}

std::shared_ptr<Room> RoomRegistry::acquireForJoin(const std::string& name) {
  std::lock_guard lock(mutex_);
  Entry& entry = findOrLoad(name);
  entry.joinsInFlight++;
  return entry.room;
}

RoomRegistry::Entry& RoomRegistry::findOrLoad(const std::string& name) {
  Entry& entry = rooms_[name];
  if (!entry.room) {
    Room::Owner& owner = *this;
    entry.room = std::make_shared<Room>(name, asio::make_strand(executor_), store_, owner, options_);
    entry.room->load();
  }
  return entry;
}

// A room that is no longer registered (it failed or unloaded) has no joins
// to count: none can be announced for it.
void RoomRegistry::joined(Room& room) {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(room.name());
  if (it != rooms_.end() && it->second.room.get() == &room) it->second.joinsInFlight--;
}

bool RoomRegistry::tryUnload(Room& room) {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(room.name());
  if (it == rooms_.end() || it->second.room.get() != &room || it->second.joinsInFlight > 0) return false;
  rooms_.erase(it);
  return true;
}

void RoomRegistry::remove(Room& room) {
  std::lock_guard lock(mutex_);
  auto it = rooms_.find(room.name());
  if (it != rooms_.end() && it->second.room.get() == &room) rooms_.erase(it);
}

size_t RoomRegistry::loaded() const {
  std::lock_guard lock(mutex_);
  return rooms_.size();
}

void RoomRegistry::clear() {
  std::lock_guard lock(mutex_);
  rooms_.clear();
}

}  // namespace roundtable::hub
