// RelayOrder: when a room may relay what it sent to the store. It keeps the
// rule that makes relaying safe against a crash of the hub:
//
//   nothing is relayed before the store committed it, and everything is
//   relayed in commit order.
//
// The room numbers each document update it hands to the store (holdUpdate,
// called before Store::append, because an append committed inline reports
// its commit before append returns) and holds the update's relay message
// under that number. A reply that carries document state (sync step 2, for
// one connection) and a waiter (the hub's own edit, to be answered once
// stored) are held behind every update numbered before them. The room
// reports what the store reports: commit(n) means every update up to n is
// committed (the store commits one document's appends in call order), so
// reports may come late, repeat, cover several numbers at once, or arrive
// out of order.
//
// Guarantees:
//   - a message or waiter is released only once a commit at or beyond its
//     number was reported, and by the first report that is;
//   - messages are released in the order they were held, waiters likewise;
//   - after fail() nothing more is released: what is held is dropped and
//     the waiters are handed back, to be told of the failure.
//
// No I/O, threads or clocks: plain data in, decisions out. Not thread-safe:
// the room calls it on its strand. relay_order_test.cc drives it alone
// through the orders the store can produce.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "hub/shared_bytes.h"
#include "roundtable/base/status.h"

namespace roundtable::hub {

using ConnId = uint64_t;  // a connection (sync::ConnId); 0: none

// A message a room relays: for one connection (`to`), or, with `to` 0, for
// every connection but `from` (0: for all).
struct Relay {
  ConnId to;
  ConnId from;
  SharedBytes bytes;
};

class RelayOrder {
 public:
  using Seq = uint64_t;  // an update's number; the first is 1
  using Waiter = std::function<void(Status)>;

  // What a commit released, in order.
  struct Released {
    std::vector<Relay> relays;
    std::vector<Waiter> waiters;  // answer once the commit is durable too (Store::whenSynced)
  };

  // Numbers the next update (give the store updates in this order) and
  // holds `bytes`, its relay message for every connection but `from`.
  Seq holdUpdate(ConnId from, SharedBytes bytes);
  // Numbers the next update, which has nothing to relay (it is only stored).
  Seq holdStoreOnly() { return ++numbered_; }

  // A reply for `to` that must not overtake the updates numbered so far.
  // Returns it if they are all committed (send it now); otherwise holds it
  // and returns null (also once failed: it is dropped).
  SharedBytes holdReply(ConnId to, SharedBytes bytes);

  // `waiter` is to be answered once the updates numbered so far are
  // committed. Returns it if they are (answer it now) or if the store failed
  // (answer it with the failure); otherwise keeps it and returns null.
  Waiter wait(Waiter waiter);

  // The store committed every update up to `seq` (a number holdUpdate
  // returned). Releases what that lets go; a report at or below an earlier
  // one releases nothing.
  Released commit(Seq seq);

  // Storing an update failed: drops every held message (even one whose commit
  // has not been reported yet) and returns the waiters, in order, to be told.
  // Final: from now on nothing is held or released.
  std::vector<Waiter> fail();

  // Whether an update held (stored, its commit not yet reported) has the
  // relay message `bytes`: a replica reading the store may meet its own
  // update there before the store's report reaches the room.
  bool holdsUpdate(const Bytes& bytes) const;

  // The connection left: replies held for it are dropped. Its updates are
  // still relayed to the others.
  void leave(ConnId conn);

  // Every update numbered so far is committed (and the store has not failed).
  bool settled() const { return numbered_ == committed_ && !failed_; }
  Seq committed() const { return committed_; }
  size_t held() const { return held_.size(); }
  bool failed() const { return failed_; }

 private:
  struct Held {
    Seq seq;  // released once the store committed this number
    Relay relay;
  };

  // In sequence order. Vectors, not deques: libstdc++'s deque allocates
  // 576 bytes when constructed, which every idle room would carry.
  std::vector<Held> held_;
  std::vector<std::pair<Seq, Waiter>> waiters_;
  Seq numbered_ = 0;   // the last update handed to the store
  Seq committed_ = 0;  // ... and the last one it committed
  bool failed_ = false;
};

}  // namespace roundtable::hub
