// Awareness: the server side of y-protocols' awareness table (awareness.js
// 1.0.6), as a y-websocket server holds it for one document. The server has no
// state of its own (y-websocket's server sets its local state to null), so
// every entry belongs to a remote client. Bytes in, bytes out; no I/O, no
// timers: the caller passes its clock (milliseconds, monotonic) and calls
// removeOutdated() periodically (awareness.js checks every 3 s).
//
//   Awareness table;
//   AwarenessChanges changes;
//   Status s = table.applyUpdate(message.payload, nowMs, &changes);
//   if (!s.ok()) closeConnection();
//   else if (!changes.empty()) broadcast(encodeAwareness(table.encodeUpdate(changes.all())));
//   ...
//   send(newConn, encodeAwareness(table.encodeUpdate(table.clientsWithState())));
//
// Awareness update wire format (all integers lib0 varUints):
//   count, then count times: clientId, clock, varString JSON.stringify(state)
// where a null state ("null") marks a client that left. Bytes after the last
// entry are ignored, as awareness.js ignores them.
//
// Clock rules (applyAwarenessUpdate): an entry is applied when its clock is
// newer than the one known for the client (0 for an unknown client, so clock 0
// never adds a client), or when the clock is equal, the state is null and the
// client currently has a state (someone else announcing that it left).
//
// States are stored as JSON text re-serialized as JavaScript's
// JSON.stringify(JSON.parse(text)) does, so encodeUpdate writes the bytes a
// JavaScript server would write. As awareness.js does (`states.get(id) ||
// null`), a falsy state (false, 0, "") is kept as a state but encoded as null.
//
// Clients that left: their clock is kept (so an older update cannot bring
// them back), as awareness.js keeps its meta forever. To bound memory, this
// table forgets a departed client (1) in removeOutdated(), once it has been
// gone for longer than timeoutMs, and (2) whenever more than
// AwarenessLimits::maxClients departed clients are remembered, the
// longest-gone first (down to half the limit). A delayed update for a
// forgotten client is then accepted as new: at worst a stale presence shows
// for one timeout period (30 s) before it is removed again; in the events
// such a client counts as added rather than updated.
//
// Not thread-safe: one owner (the document's strand) uses it at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "roundtable/base/status.h"

namespace roundtable::sync {

// awareness.js outdatedTimeout: a client's state expires when not renewed
// within this time (clients renew every 15 s).
inline constexpr int64_t kAwarenessTimeoutMs = 30000;

// The lists of awareness.js's 'update' event: every client whose entry was
// applied, including `updated` ones whose state did not change (renewals).
// A client appears once per applied entry, in update order.
struct AwarenessChanges {
  std::vector<uint64_t> added;    // unknown before, now with a state
  std::vector<uint64_t> updated;  // known before, now with a state
  std::vector<uint64_t> removed;  // known before, now null
  bool empty() const { return added.empty() && updated.empty() && removed.empty(); }
  // added, updated, removed concatenated: the clients y-websocket's server
  // re-encodes and broadcasts after an update.
  std::vector<uint64_t> all() const;
};

struct AwarenessLimits {
  // Longest accepted state: its JSON text both as received and as
  // re-serialized, in bytes.
  size_t maxStateBytes = 64 * 1024;
  // Most clients with a non-null state at once; also the number of departed
  // clients remembered before the longest-gone are forgotten.
  size_t maxClients = 10000;
};

class Awareness {
 public:
  explicit Awareness(AwarenessLimits limits = {});

  // applyAwarenessUpdate with the same clock rules; applied entries get
  // lastUpdated = nowMs. All or nothing: the whole update is decoded and
  // checked before anything is applied.
  //  * InvalidArgument: malformed bytes (truncated, bad varUint, invalid
  //    UTF-8) or a state that is not JSON.
  //  * ResourceExhausted: a state longer than maxStateBytes, or applying it
  //    would leave more than maxClients clients with a state.
  // On success *changes (if not null) holds the 'update' event lists; on error
  // it is empty and the table is unchanged.
  Status applyUpdate(std::span<const uint8_t> update, int64_t nowMs, AwarenessChanges* changes);

  // encodeAwarenessUpdate for these clients, in this order: each with its
  // clock and its state (or null). Clients the table does not know (never
  // seen, or forgotten) are skipped; the count covers only the written ones.
  std::vector<uint8_t> encodeUpdate(std::span<const uint64_t> clients) const;

  // Every client with a non-null state, in the order JavaScript's
  // `awareness.getStates().keys()` gives (when its current state began):
  // what a server sends a new connection.
  std::vector<uint64_t> clientsWithState() const;

  // removeAwarenessStates for remote clients: each listed client that has a
  // state gets null; its clock is kept (awareness.js increments only its own
  // local client's clock), so peers that know the same clock apply the
  // removal and a live client's next renewal (clock + 1) is accepted again.
  // Returns the removed clients, in the order given; broadcast
  // encodeUpdate(removed).
  std::vector<uint64_t> remove(std::span<const uint64_t> clients, int64_t nowMs);

  // The outdated check: removes (as remove() does) every client with a state
  // not renewed for timeoutMs or more (nowMs - lastUpdated >= timeoutMs), and
  // forgets clients gone for longer than timeoutMs. Returns the removed
  // clients in clientsWithState() order.
  std::vector<uint64_t> removeOutdated(int64_t nowMs, int64_t timeoutMs = kAwarenessTimeoutMs);

  // Clients with a non-null state.
  size_t size() const { return withState_; }
  // The client's state as stored (re-serialized JSON), or nullopt if it has
  // none (unknown or departed).
  std::optional<std::string> stateJSON(uint64_t client) const;
  // Clients whose clock is remembered (with a state or departed); for tests.
  size_t remembered() const { return entries_.size(); }

 private:
  struct Entry {
    uint64_t clock = 0;
    int64_t lastUpdated = 0;
    uint64_t order = 0;                // when the current state began (JS Map order)
    std::optional<std::string> state;  // nullopt: departed
  };

  // Forgets the longest-gone departed clients when more than maxClients are
  // remembered.
  void capDeparted();

  AwarenessLimits limits_;
  std::unordered_map<uint64_t, Entry> entries_;
  size_t withState_ = 0;
  uint64_t nextOrder_ = 0;
};

}  // namespace roundtable::sync
