// Room: one loaded document and the WebSocket connections editing it.
//
// Each room runs on its own strand. An update from a client is applied to the
// in-memory document, handed to the store, and relayed to the other clients
// only after the store reports it committed; replies that carry document
// state (sync step 2) wait for the same point. So nothing a client has seen
// can be lost by a crash of the hub.
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
#include <optional>
#include <string>
#include <unordered_map>

#include "sync/room_core.h"
#include "hub/websocket_session.h"
#include "store/store.h"

namespace roundtable::hub {

class RoomRegistry;
using sync::ConnId;
using sync::RoomCore;
using sync::RoomEffects;

struct RoomOptions {
  std::chrono::milliseconds unloadGrace{30000};
  std::chrono::milliseconds awarenessTimeout{30000};
  // More than one thread runs the rooms: a large room hands half of each
  // broadcast to another thread (see Room::send).
  bool parallelFanout = false;
  // The awareness table's limits; the hub keeps its byte budget under a
  // quarter of --max-queued-bytes, so a joiner's snapshot fits its queue.
  sync::AwarenessLimits awareness;
};

class Room : public std::enable_shared_from_this<Room> {
 public:
  // A concrete strand type: a type-erased one is a heap object per copy,
  // and each of the room's timers holds a copy.
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  using Timer = boost::asio::basic_waitable_timer<std::chrono::steady_clock,
                                                  boost::asio::wait_traits<std::chrono::steady_clock>, Strand>;
  Room(std::string name, Strand strand, store::Store& store, RoomRegistry& registry, RoomOptions options);
  ~Room();

  const std::string& name() const { return name_; }

  // Connection events, callable from any thread; handled on the room's strand.
  void join(std::shared_ptr<WebSocketSession> session);
  void message(std::shared_ptr<WebSocketSession> session, Bytes bytes);
  void leave(std::shared_ptr<WebSocketSession> session);
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

 private:
  friend class RoomRegistry;
  enum class State { kLoading, kReady, kFailed, kUnloaded };

  // A message waiting for the store: either a document update for every
  // connection but its sender, or a reply (sync step 2) for one connection.
  struct Held {
    uint64_t seq;                 // released once the store committed this sequence number
    ConnId to;                    // a reply's connection; 0 for an update
    ConnId from;                  // an update's sender
    std::vector<uint8_t> update;  // an update, as applied
    SharedBytes reply;
  };
  void releaseCommitted();
  // Sends to a connection or to every connection but `except` (0: all),
  // keeping each connection's messages in order. In a room of at least
  // kParallelFanout connections (and with parallelFanout), the connections
  // with odd ids get theirs from a second strand, so another thread pays
  // half of the kernel's per-recipient cost (about 7 us on loopback, most of
  // a broadcast's time), and the last recipient gets it sooner.
  void sendTo(WebSocketSession& session, const SharedBytes& bytes);
  void broadcast(ConnId except, const std::vector<std::pair<ConnId, SharedBytes>>& messages);
  bool offloaded(const WebSocketSession& session) const { return helper_ && session.id() % 2 == 1; }

  void load();
  void carryOut(ConnId from, RoomEffects fx);
  void deliver(ConnId to, ConnId except, const SharedBytes& bytes);
  void onStored(uint64_t seq, const store::AppendResult& result);
  void onCommitted(uint64_t seq, const store::AppendResult& result);
  using CommitWaiters = std::vector<std::pair<uint64_t, std::function<void(Status)>>>;  // by sequence number
  void answerWhenSynced(CommitWaiters done);
  void resumePaused();
  void fail(const std::string& why);
  void scheduleUnload();
  void scheduleAwarenessSweep();
  void notifyChanged();
  bool idle() const { return conns_.empty() && watchers_.empty(); }
  WebSocketSession* findConn(ConnId id) const;
  static int64_t nowMs();

  const std::string name_;
  Strand strand_;
  store::Store& store_;
  RoomRegistry& registry_;
  const RoomOptions options_;

  // Guarded by the strand.
  State state_ = State::kLoading;
  RoomCore core_;
  // A vector: rooms have a few connections, and a hash map node with its
  // bucket costs more than a slot.
  std::vector<std::shared_ptr<WebSocketSession>> conns_;
  // In sequence order. Vectors, not deques: libstdc++'s deque allocates
  // 576 bytes when constructed, which every idle room would carry.
  std::vector<Held> held_;
  std::vector<std::shared_ptr<WebSocketSession>> paused_;  // not reading until the store catches up
  uint64_t appended_ = 0;   // sequence number of the last update handed to the store
  uint64_t committed_ = 0;  // ... and of the last one it committed
  bool compacting_ = false;
  Timer unloadTimer_;
  std::unique_ptr<Timer> resumeTimer_;  // made when first needed (the store is rarely overloaded)
  Timer awarenessTimer_;
  bool awarenessTimerRunning_ = false;
  std::optional<Strand> helper_;  // the second strand, once the room was large enough
  CommitWaiters commitWaiters_;
  std::unordered_map<uint64_t, Watcher> watchers_;
  bool changedSinceNotify_ = false;

  // Written by the store's thread (see onStored).
  std::atomic<uint64_t> durable_{0};
  std::atomic<bool> durablePosted_{false};
  std::atomic<bool> storeFailed_{false};

  // Joins announced by the registry but not yet handled; guarded by the registry's mutex.
  size_t joinsInFlight_ = 0;
};

// The loaded rooms by document name.
class RoomRegistry {
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
  using ChangeHook = std::function<void(const std::string& name, RoomCore& core)>;
  void setChangeHook(ChangeHook hook) { changeHook_ = std::move(hook); }
  size_t loaded() const;
  // Unloads every room now (shutdown).
  void clear();

 private:
  friend class Room;
  // Called on the room's strand when it is idle; true if it was removed.
  bool tryUnload(Room* room);
  std::shared_ptr<Room> findOrLoad(const std::string& name);  // with mutex_ held
  void joined(Room* room);
  void remove(Room* room);

  boost::asio::io_context::executor_type executor_;
  store::Store& store_;
  const RoomOptions options_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Room>> rooms_;
  ChangeHook changeHook_;
};

}  // namespace roundtable::hub
