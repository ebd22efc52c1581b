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
// Quotas (hostile input). A hub holds one table for every connection to a
// document, so one connection must not be able to fill it for the others.
// applyUpdateFrom(owner, ...) applies an update on behalf of one connection:
//  * The connection owns each client it gives a state to that had none (new,
//    or back after leaving); ownership ends when that state becomes null, by
//    anyone's update, remove() or the timeout, and removeOwned() removes what
//    a connection owns when it closes (as the y-websocket server removes a
//    connection's "controlled" clients).
//  * A connection owns at most AwarenessLimits::maxClientsPerConnection
//    clients at once. A y-websocket provider speaks for its Y.Doc's client;
//    but its Awareness may be shared with y-webrtc (as the web app's is), and
//    the provider then forwards the states of its WebRTC peers too (its
//    'update' handler sends every changed client), so a browser legitimately
//    introduces a few dozen clients: y-webrtc connects to at most 20-35 peers.
//  * Every state is charged its JSON length plus kAwarenessEntryOverhead
//    (the most its client id, clock and length prefix take encoded), and the
//    table holds at most AwarenessLimits::maxTotalStateBytes of them, so the
//    snapshot a joiner gets (encodeUpdate(clientsWithState())) is at most that
//    budget plus a 10-byte count.
//  * Past a quota the excess is dropped, not refused: an entry that would give
//    the connection one client too many, the table one client too many, or
//    the table more bytes than its budget is skipped (and counted in
//    *dropped); the other entries of the update apply as usual, and the
//    connection stays open. Refusing would close the connection (the hub
//    closes on any error), and a real browser that forwards many WebRTC peers
//    would reconnect in a loop; dropping costs a hostile connection nothing
//    it could use and never touches another connection's clients. A
//    connection's renewals of clients it already holds are never dropped for
//    the client count (a renewal adds none), nor for bytes unless the state
//    grew. Several connections together can still fill the table (10,000
//    clients, or the byte budget); the excess of whichever comes last is
//    dropped, and the hub's per-address connection limit bounds how many
//    connections one attacker brings.
// applyUpdate() (no owner) is y-protocols' applyAwarenessUpdate with the
// limits as refusals: what the byte-for-byte comparison with y-protocols
// (tests/interop/sync_codec.test.mjs) exercises.
//
// Not thread-safe: one owner (the document's strand) uses it at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
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

// What an entry costs besides its state's JSON text in the byte budget: at
// least what encodeUpdate writes around it (client id and clock, 10 bytes
// each at most, a length prefix of at most 5, and "null" for a falsy state).
inline constexpr size_t kAwarenessEntryOverhead = 32;

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
  // Most clients one connection (owner) holds a state for at once (see
  // Quotas above): a provider's own client plus the WebRTC peers it relays.
  size_t maxClientsPerConnection = 64;
  // Most bytes of states at once (JSON length + kAwarenessEntryOverhead
  // each): 8 MiB, an eighth of the hub's default per-connection queue limit
  // (--max-queued-bytes, 64 MiB), so the snapshot a joiner is sent on
  // connect never fills its own queue. 10,000 presence states of a few
  // hundred bytes fit; 1,200 of 60 KB do not.
  size_t maxTotalStateBytes = 8u << 20;
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
  //    would leave more than maxClients clients with a state, or more than
  //    maxTotalStateBytes of states.
  // On success *changes (if not null) holds the 'update' event lists; on error
  // it is empty and the table is unchanged.
  Status applyUpdate(std::span<const uint8_t> update, int64_t nowMs, AwarenessChanges* changes);

  // applyUpdate on behalf of connection `owner` (not 0), with the quotas of
  // "Quotas" above: entries past a quota are dropped (their number added to
  // *dropped, if given) instead of refusing the update. Still an error, with
  // nothing applied: malformed bytes (InvalidArgument) and a state longer
  // than maxStateBytes (ResourceExhausted), which no real client sends.
  Status applyUpdateFrom(uint64_t owner, std::span<const uint8_t> update, int64_t nowMs, AwarenessChanges* changes,
                         size_t* dropped = nullptr);

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

  // The connection closed: removes (as remove() does) every client it owns,
  // in clientsWithState() order, and returns them.
  std::vector<uint64_t> removeOwned(uint64_t owner, int64_t nowMs);

  // Limits for later updates; what the table holds stays until it leaves.
  void setLimits(AwarenessLimits limits) { limits_ = limits; }

  // Clients with a non-null state.
  size_t size() const { return withState_; }
  // The client's state as stored (re-serialized JSON), or nullopt if it has
  // none (unknown or departed).
  std::optional<std::string> stateJSON(uint64_t client) const;
  // Clients whose clock is remembered (with a state or departed); for tests.
  size_t remembered() const { return entries_.size(); }
  // Clients `owner` holds a state for.
  size_t owned(uint64_t owner) const;
  // Clients with a state whose owner satisfies `pick` (0: no owner), in
  // clientsWithState() order.
  std::vector<uint64_t> clientsOwnedBy(const std::function<bool(uint64_t owner)>& pick) const;
  // The states' bytes as charged against maxTotalStateBytes.
  size_t stateBytes() const { return stateBytes_; }

 private:
  struct Entry {
    uint64_t clock = 0;
    int64_t lastUpdated = 0;
    uint64_t order = 0;                // when the current state began (JS Map order)
    std::optional<std::string> state;  // nullopt: departed
    uint64_t owner = 0;                // who gave it its current state (0: nobody, or departed)
  };

  Status apply(uint64_t owner, std::span<const uint8_t> update, int64_t nowMs, AwarenessChanges* changes,
               size_t* dropped);
  // Ends the client's state (clock kept).
  void clearState(Entry& entry, int64_t nowMs);

  // Forgets the longest-gone departed clients when more than maxClients are
  // remembered.
  void capDeparted();

  AwarenessLimits limits_;
  std::unordered_map<uint64_t, Entry> entries_;
  size_t withState_ = 0;
  size_t stateBytes_ = 0;
  std::unordered_map<uint64_t, size_t> owned_;  // owner -> clients it holds a state for (never 0)
  uint64_t nextOrder_ = 0;
};

// An awareness update that gives one client a state (JSON text, or "null"
// for a client that leaves): what a peer with a local state of its own (the
// hub's y-webrtc peer) publishes, renewing it with a higher clock.
std::vector<uint8_t> encodeAwarenessEntry(uint64_t client, uint64_t clock, std::string_view stateJson);

}  // namespace roundtable::sync
