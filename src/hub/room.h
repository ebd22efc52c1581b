// Room: one loaded document and the WebSocket connections editing it.
//
// Each room runs on its own strand. An update from a client is applied to the
// in-memory document, handed to the store, and relayed to the other clients
// only after the store reports it committed; replies that carry document
// state (sync step 2) wait for the same point. So nothing a client has seen
// can be lost by a crash of the hub. RelayOrder keeps that rule, Fanout
// sends; the room ties them to its RoomCore, the store, its timers and the
// back-pressure on its clients.
//
// Rooms are created by the RoomRegistry on first use and unloaded a grace
// period after their last connection leaves.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>

#include "hub/fanout.h"
#include "hub/redis_bus.h"
#include "hub/relay_order.h"
#include "hub/room_connection.h"
#include "store/store.h"
#include "sync/room_core.h"

namespace roundtable::hub {

using sync::RoomCore;
using sync::RoomEffects;

struct RoomOptions {
  std::chrono::milliseconds unloadGrace{30000};
  std::chrono::milliseconds awarenessTimeout{30000};
  // More than one thread runs the rooms: a large room hands half of each
  // broadcast to another thread (see Fanout).
  bool parallelFanout = false;
  // The awareness table's limits; the hub keeps its byte budget under a
  // quarter of --max-queued-bytes, so a joiner's snapshot fits its queue.
  sync::AwarenessLimits awareness;
  // The document's limits (--max-document-bytes); an update past them is
  // refused and its connection closed with CloseCode::kDocumentLimit.
  sync::DocumentLimits document;
  // Replicas of a team server (--bus): committed updates and awareness go to
  // and come from the other hubs on the same database (docs/team-server.md).
  // Null: this hub is alone.
  std::shared_ptr<RedisBus> bus;
};

class Room : public std::enable_shared_from_this<Room>, public BusPeer {
 public:
  // A concrete strand type: a type-erased one is a heap object per copy,
  // and each of the room's timers holds a copy.
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  using Timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                  boost::asio::wait_traits<std::chrono::steady_clock>, Strand>;

  // What a room asks of whoever keeps it (the RoomRegistry). Called on the
  // room's strand.
  class Owner {
   public:
    using ChangeHook = std::function<void(const std::string& name, RoomCore& core)>;
    // A join announced for this room has run (or will not happen).
    virtual void joined(Room& room) = 0;
    // The room is idle: true if it was removed (it then unloads).
    virtual bool tryUnload(Room& room) = 0;
    // The room failed: the next user gets a new one.
    virtual void remove(Room& room) = 0;
    // The room's document was loaded, or changed and the change is committed.
    // Not virtual: it runs after commits, and the hook is all there is to it.
    void changed(const std::string& name, RoomCore& core) {
      if (changeHook_) changeHook_(name, core);
    }

   protected:
    ~Owner() = default;
    ChangeHook changeHook_;  // empty: nobody listens
  };

  Room(std::string name, Strand strand, store::Store& store, Owner& owner, RoomOptions options);
  ~Room();

  const std::string& name() const { return name_; }

  // Loads the document from the store, on the strand; called once, by the
  // room's creator, before it hands the room out (events run after the load).
  // If it fails, joins are refused and the owner removes the room.
  void load();

  // Connection events, callable from any thread; handled on the room's strand.
  void join(std::shared_ptr<RoomConnection> session);
  void message(std::shared_ptr<RoomConnection> session, Bytes bytes);
  void leave(std::shared_ptr<RoomConnection> session);
  // The join announced by RoomRegistry::acquireForJoin will not happen (the
  // connection ended before it opened).
  void abandonJoin();

  // Runs `f` on the room's strand with its loaded core; `f`'s RoomEffects are
  // carried out like a client's (document updates persisted, then relayed).
  // For edits the hub makes itself. `f` gets nullptr if the room failed to load.
  // `done`, if given, runs on the strand once the updates `f` made are
  // durable (an error if storing them failed).
  void withCore(std::function<RoomEffects(RoomCore*)> f, std::function<void(Status)> done = nullptr);

  // Watchers see the document after every committed change (and once when
  // added), on the room's strand; while any is registered the room stays
  // loaded. A watcher is called with nullptr if the room fails (it is then
  // dropped). Ids are the caller's, unique per room.
  using Watcher = std::function<void(RoomCore*)>;
  void watch(uint64_t id, Watcher watcher);
  void unwatch(uint64_t id);

  // BusPeer: called on the bus's strand; handled on the room's.
  void busMessage(std::string_view name, const bus::BusMessage& message) override;
  void busSubscribed() override;

 private:
  enum class State { kLoading, kReady, kFailed, kUnloaded };

  // kLocal: effects of this replica's own clients, whose awareness changes
  // the other replicas hear of; kQuiet: the timeout sweep and the bus.
  enum class Origin { kLocal, kQuiet };
  void carryOut(ConnId from, RoomEffects fx, Origin origin = Origin::kLocal);
  // Bus: seqs of the doc's log that this copy holds (see nextSeq_).
  void holdSeq(uint64_t seq);
  void applyFromBus(uint64_t seq, const Bytes& message);
  void scheduleCatchUp();
  void catchUp();
  void publish(bus::BusKind kind, uint64_t seq, std::span<const uint8_t> payload);
  void onStored(uint64_t seq, const store::AppendResult& result);
  void onCommitted(uint64_t seq, const store::AppendResult& result);
  void answerWhenSynced(std::vector<RelayOrder::Waiter> done);
  void resumePaused();
  void fail(const std::string& why);
  void scheduleUnload();
  void scheduleAwarenessSweep();
  void notifyChanged();
  bool idle() const { return fanout_.empty() && watchers_.empty(); }
  static int64_t nowMs();

  const std::string name_;
  Strand strand_;
  store::Store& store_;
  Owner& owner_;
  const RoomOptions options_;

  // Guarded by the strand.
  State state_ = State::kLoading;
  // The flags side by side, as padding costs every loaded document.
  bool compacting_ = false;
  bool awarenessTimerRunning_ = false;
  bool changedSinceNotify_ = false;
  RoomCore core_;
  Fanout fanout_;     // the connections
  RelayOrder order_;  // what waits for the store
  std::vector<std::shared_ptr<RoomConnection>> paused_;  // not reading until the store catches up
  Timer unloadTimer_;
  std::unique_ptr<Timer> resumeTimer_;  // made when first needed (the store is rarely overloaded)
  Timer awarenessTimer_;
  std::unordered_map<uint64_t, Watcher> watchers_;

  // Bus only (options_.bus set), on the strand. The copy holds every row of
  // the doc's log with a seq below nextSeq_, and those in ahead_ (committed
  // here or heard of on the bus, past a hole); seenSeq_ is one past the
  // highest seq heard of. A hole (nextSeq_ < seenSeq_) that the bus does not
  // fill soon is read from the store (catchUp).
  uint64_t nextSeq_ = 0;
  uint64_t seenSeq_ = 0;
  std::set<uint64_t> ahead_;
  std::unique_ptr<Timer> catchUpTimer_;
  bool catchUpScheduled_ = false;
  // Bytes of bus messages posted to the strand and not yet handled; past a
  // bound, updates are dropped and read from the store instead.
  std::atomic<size_t> busQueued_{0};
  std::atomic<bool> busCatchUpPosted_{false};

  // Written by the store's thread (see onStored).
  std::atomic<uint64_t> durable_{0};
  std::atomic<bool> durablePosted_{false};
  std::atomic<bool> storeFailed_{false};
};

// The loaded rooms by document name.
class RoomRegistry final : private Room::Owner {
 public:
  RoomRegistry(boost::asio::io_context::executor_type executor, store::Store& store, RoomOptions options);

  // The room of `name`, created (and loading) if it is not in memory. Counts
  // a join in flight, so the room is not unloaded before join() runs.
  std::shared_ptr<Room> acquireForJoin(const std::string& name);
  // The room of `name` for an edit by the hub itself (loaded if needed).
  std::shared_ptr<Room> acquire(const std::string& name);
  // Called on a room's strand when its document was loaded and after each
  // committed change (the hub keeps the plan index with it). Set before the
  // first room exists.
  using ChangeHook = Room::Owner::ChangeHook;
  void setChangeHook(ChangeHook hook) { changeHook_ = std::move(hook); }
  size_t loaded() const;
  // Unloads every room now (shutdown).
  void clear();

 private:
  struct Entry {
    std::shared_ptr<Room> room;
    // Joins announced (acquireForJoin) but not yet handled: the room is not
    // unloaded before they run.
    size_t joinsInFlight = 0;
  };
  Entry& findOrLoad(const std::string& name);  // with mutex_ held
  // Room::Owner; each takes the mutex.
  void joined(Room& room) override;
  bool tryUnload(Room& room) override;
  void remove(Room& room) override;

  boost::asio::io_context::executor_type executor_;
  store::Store& store_;
  const RoomOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Entry> rooms_;
};

}  // namespace roundtable::hub
