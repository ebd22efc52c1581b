#include "hub/room.h"

#include <spdlog/spdlog.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <algorithm>
#include <chrono>
#include <type_traits>

#include "bus/bus_message.h"
#include "hub/metrics.h"
#include "roundtable/crdt/updates.h"
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
  // A later room of the same name that subscribed already is not touched
  // (the bus compares the peer).
  if (options_.bus) options_.bus->unsubscribe(bus::channelFor(name_), this);
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
    Status s = self->store_.loadFrom(self->name_, 0, &updates, &self->nextSeq_);
    self->seenSeq_ = self->nextSeq_;
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
    // What other replicas commit from now on; busSubscribed catches up on
    // what they committed since the load.
    if (self->options_.bus) self->options_.bus->subscribe(bus::channelFor(self->name_), self->weak_from_this());
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

void Room::carryOut(ConnId from, RoomEffects fx, Origin origin) {
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
    SharedBytes message = share(sync::encodeUpdate(update));
    uint64_t seq = order_.holdUpdate(except, message);
    if (options_.bus) {
      // Published once committed, with the seq the store gave it; the other
      // replicas relay it as it is.
      store_.append(name_, std::move(update), [self = shared_from_this(), seq, message](const store::AppendResult& r) {
        if (r.status.ok()) {
          self->publish(message->size() <= bus::kMaxInlineUpdateBytes ? bus::BusKind::kUpdate : bus::BusKind::kCommitted,
                        r.seq, *message);
          asio::post(self->strand_, [self, storeSeq = r.seq] { self->holdSeq(storeSeq); });
        }
        self->onStored(seq, r);
      });
      continue;
    }
    store_.append(name_, std::move(update), [self = shared_from_this(), seq](const store::AppendResult& result) {
      self->onStored(seq, result);
    });
  }
  if (!fx.storeOnly.empty()) {
    // Persisted with nothing to relay: it waits for dependencies (RoomEffects).
    uint64_t seq = order_.holdStoreOnly();
    store_.append(name_, std::move(fx.storeOnly), [self = shared_from_this(), seq](const store::AppendResult& result) {
      if (self->options_.bus && result.status.ok()) {
        // The others read it from the store: they relay nothing of it either.
        self->publish(bus::BusKind::kCommitted, result.seq, {});
        asio::post(self->strand_, [self, storeSeq = result.seq] { self->holdSeq(storeSeq); });
      }
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
    if (origin == Origin::kLocal && options_.bus) publish(bus::BusKind::kAwareness, 0, fx.awareness);
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
    // Each replica times out every state it holds (the others' clients too,
    // when their replica is gone), so nothing is published.
    self->carryOut(0, self->core_.expireAwareness(nowMs(), self->options_.awarenessTimeout.count()), Origin::kQuiet);
    if (!self->fanout_.empty() || self->core_.awareness().size() > 0) self->scheduleAwarenessSweep();
  });
}

// The bus (options_.bus set). Awareness states from another replica belong,
// in this copy's table, to one owner per replica, so its quota is per
// replica and its states are told apart from this replica's clients' (a
// connection's id never has the top bit set).
static uint64_t busOwner(uint64_t replica) { return replica | (uint64_t{1} << 63); }
static bool isBusOwner(uint64_t owner) { return owner >> 63; }

// Bus messages waiting for a room's strand, at most (bytes).
static constexpr size_t kMaxBusQueuedBytes = size_t{16} << 20;

void Room::publish(bus::BusKind kind, uint64_t seq, std::span<const uint8_t> payload) {
  options_.bus->publish(bus::channelFor(name_), bus::encodeBusMessage(kind, options_.bus->replicaId(), seq, payload));
}

void Room::busMessage(std::string_view, const bus::BusMessage& m) {
  size_t size = m.payload.size() + 64;
  if (busQueued_.load() + size > kMaxBusQueuedBytes) {
    // The room is behind: updates are read from the store once it gets
    // here; awareness is renewed by its clients.
    if ((m.kind == bus::BusKind::kUpdate || m.kind == bus::BusKind::kCommitted) && !busCatchUpPosted_.exchange(true)) {
      asio::post(strand_, [self = shared_from_this()] {
        self->busCatchUpPosted_.store(false);
        if (self->state_ == State::kReady) self->catchUp();
      });
    }
    return;
  }
  busQueued_ += size;
  asio::post(strand_, [self = shared_from_this(), kind = m.kind, replica = m.replica, seq = m.seq,
                       payload = Bytes(m.payload.begin(), m.payload.end()), size] {
    self->busQueued_ -= size;
    if (self->state_ != State::kReady) return;
    switch (kind) {
      case bus::BusKind::kUpdate:
        self->applyFromBus(seq, payload);
        break;
      case bus::BusKind::kCommitted:
        self->seenSeq_ = std::max(self->seenSeq_, seq + 1);
        self->scheduleCatchUp();
        break;
      case bus::BusKind::kAwareness: {
        sync::Message message;
        if (!sync::decodeMessage(payload, &message).ok() || message.type != sync::MessageType::kAwareness) {
          spdlog::warn("bus: document '{}': ignoring an awareness message that is not one", self->name_);
          return;
        }
        RoomEffects fx = self->core_.handle(busOwner(replica), payload, nowMs());
        if (!fx.status.ok()) {
          spdlog::warn("bus: document '{}': ignoring an awareness message: {}", self->name_, fx.status.message());
          return;
        }
        self->carryOut(0, std::move(fx), Origin::kQuiet);
        self->scheduleAwarenessSweep();
        break;
      }
      case bus::BusKind::kSignal:
        break;  // not on a document's channel
      case bus::BusKind::kQuery: {
        std::vector<uint8_t> mine = self->core_.awarenessOwnedBy([](uint64_t owner) { return owner != 0 && !isBusOwner(owner); });
        if (!mine.empty()) self->publish(bus::BusKind::kAwareness, 0, mine);
        break;
      }
    }
  });
}

void Room::busSubscribed() {
  asio::post(strand_, [self = shared_from_this()] {
    if (self->state_ != State::kReady) return;
    // Whatever was committed while we were not listening is in the store.
    self->catchUp();
    // And what we committed while we could not publish: a replica whose
    // connection stayed up hears how far the log goes, and catches up too.
    if (self->nextSeq_ > 0) self->publish(bus::BusKind::kCommitted, self->nextSeq_ - 1, {});
    self->publish(bus::BusKind::kQuery, 0, {});
  });
}

// A committed update of another replica: applied and relayed as it is (it
// is durable already, so nothing waits for the store).
void Room::applyFromBus(uint64_t seq, const Bytes& message) {
  seenSeq_ = std::max(seenSeq_, seq + 1);
  if (seq < nextSeq_ || ahead_.count(seq)) return;  // held already
  sync::Message m;
  Status s = sync::decodeMessage(message, &m);
  if (s.ok() && (m.type != sync::MessageType::kSync || m.sync != sync::SyncType::kUpdate))
    s = Status::InvalidArgument("not a sync update");
  if (s.ok()) s = core_.applyCommitted(m.payload);
  if (!s.ok()) {
    // Only the store is trusted with the document: read the update from it.
    spdlog::warn("bus: document '{}': update {} from the bus does not apply ({}); reading it from storage", name_, seq,
                 s.message());
    scheduleCatchUp();
    return;
  }
  Relay relay{0, 0, share(message)};
  fanout_.relay({&relay, 1});
  changedSinceNotify_ = true;
  if (order_.settled()) notifyChanged();
  holdSeq(seq);
}

void Room::holdSeq(uint64_t seq) {
  seenSeq_ = std::max(seenSeq_, seq + 1);
  if (seq >= nextSeq_) ahead_.insert(seq);
  while (!ahead_.empty() && *ahead_.begin() <= nextSeq_) {
    if (*ahead_.begin() == nextSeq_) ++nextSeq_;
    ahead_.erase(ahead_.begin());
  }
  if (nextSeq_ < seenSeq_) scheduleCatchUp();
}

// A hole in the seqs is usually two replicas' publishes crossing: give the
// bus a moment to fill it before reading the store.
void Room::scheduleCatchUp() {
  if (catchUpScheduled_) return;
  catchUpScheduled_ = true;
  if (!catchUpTimer_) catchUpTimer_ = std::make_unique<Timer>(strand_);
  catchUpTimer_->expires_after(std::chrono::milliseconds(50));
  catchUpTimer_->async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->catchUpScheduled_ = false;
    if (ec || self->state_ != State::kReady) return;
    if (self->nextSeq_ < self->seenSeq_) self->catchUp();
  });
}

// Reads from the store every row this copy may lack and relays it. Blocks
// the strand for one query, as load() does.
void Room::catchUp() {
  std::vector<std::vector<uint8_t>> updates;
  uint64_t next = 0;
  Status s = store_.loadFrom(name_, nextSeq_, &updates, &next);
  if (!s.ok()) {
    spdlog::warn("bus: document '{}': catching up from storage failed: {}", name_, s.message());
    if (s.code() == StatusCode::kFailedPrecondition) fail("catching up from storage failed: " + s.message());
    else scheduleCatchUp();
    return;
  }
  // The rows are seqs next - size .. next - 1: the log is gap-free, and only
  // its first row may be a compacted state (covering seqs below its own).
  // A later row this copy holds already (its own commit, or one heard on the
  // bus past the hole) is not sent again: its clients have it, and a writer
  // would get its own edit back.
  const bool consecutive = next >= updates.size();
  const uint64_t first = consecutive ? next - updates.size() : 0;
  for (size_t i = 0; i < updates.size(); ++i) {
    if (consecutive && i > 0 && ahead_.count(first + i)) continue;
    const std::vector<uint8_t>& update = updates[i];
    SharedBytes message = share(sync::encodeUpdate(update));
    // Its own update, committed, whose report has not reached the room yet:
    // the report relays it (to all but its writer).
    if (order_.holdsUpdate(*message)) continue;
    // The first row may be another replica's compacted state: the clients
    // get only what this copy lacks of it, not the whole document again.
    if (i == 0) {
      std::vector<uint8_t> lacking;
      if (crdt::diffUpdate(update, core_.doc().encodeStateVector(), &lacking).ok() && lacking.size() < update.size())
        message = share(sync::encodeUpdate(lacking));
    }
    s = core_.applyCommitted(update);
    if (!s.ok()) {
      fail("a stored update does not apply: " + s.message());
      return;
    }
    Relay relay{0, 0, std::move(message)};
    fanout_.relay({&relay, 1});
    changedSinceNotify_ = true;
  }
  if (next > nextSeq_) nextSeq_ = next;
  seenSeq_ = std::max(seenSeq_, nextSeq_);
  while (!ahead_.empty() && *ahead_.begin() < nextSeq_) ahead_.erase(ahead_.begin());
  if (order_.settled()) notifyChanged();
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
