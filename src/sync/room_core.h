// RoomCore: what the hub does with one document's y-websocket traffic, with
// no sockets, threads or storage in sight (so it can be unit-tested and
// fuzzed exactly as the hub runs it).
//
// It holds the document and its awareness table and turns each event (a
// connection opens, a message arrives, a connection closes, time passes) into
// Effects: replies for the sender, document updates to persist and then relay
// to the others, and awareness messages for everyone. It behaves like the
// y-websocket server (@y/websocket-server utils.js) except that an update is
// relayed only after it is durable (the caller's job) and that malformed input
// is an error that closes the connection instead of being logged and ignored.
//
// Limits (DocumentLimits): an update that would take the document past its
// size, or leave more than a bound of data waiting for missing dependencies,
// is refused with kResourceExhausted. A refused update changes nothing but
// the part of it that integrated before the pending bound was passed, which
// is reported (docUpdates) like any other change.
//
// Not thread-safe: the hub runs each room on its own strand.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "roundtable/base/status.h"
#include "roundtable/crdt/doc.h"
#include "sync/awareness.h"

namespace roundtable::sync {

using ConnId = uint64_t;

struct DocumentLimits {
  // The document's encoded size (what a new client's sync answer carries).
  size_t maxBytes = 32u << 20;
  // What waits for missing dependencies (Doc::pendingBytes).
  size_t maxPendingBytes = 4u << 20;
};

struct RoomEffects {
  Status status;                                  // not ok: close the connection that caused it
  std::vector<std::vector<uint8_t>> reply;        // to the sender, immediately
  std::vector<std::vector<uint8_t>> durableReply; // to the sender, once every update so far is durable
  std::vector<std::vector<uint8_t>> docUpdates;   // v1 updates that changed the doc: persist, then relay
  // The update as received, to persist and not relay: part of it waits for
  // missing dependencies, which the document's state includes (so a restart
  // must find it) and which the update's relayed changes do not. Empty: none.
  std::vector<uint8_t> storeOnly;
  std::span<const uint8_t> received;              // the update the sender sent (a view into its message)
  std::vector<uint8_t> awareness;                 // an awareness message for every connection (empty: none)
  size_t awarenessDropped = 0;                    // awareness entries past the sender's quota, dropped
};

class RoomCore {
 public:
  explicit RoomCore(AwarenessLimits limits = {}, DocumentLimits documentLimits = {});
  ~RoomCore();

  // Applies stored updates on load. Errors name the first update that failed;
  // the ones before it are applied. Stored updates are not held to the
  // limits (they were accepted once; a lower limit refuses only what comes next).
  Status load(const std::vector<std::vector<uint8_t>>& updates);

  // A connection joined: the server's sync step 1 and the known awareness states.
  RoomEffects open(ConnId conn);
  // One y-websocket message from `conn` (not 0: a connection is the owner of
  // the awareness clients it announces).
  RoomEffects handle(ConnId conn, std::span<const uint8_t> message, int64_t nowMs);
  // The connection left: its awareness states become null for the others.
  RoomEffects close(ConnId conn, int64_t nowMs);
  // Awareness states not renewed within `timeoutMs` are removed.
  RoomEffects expireAwareness(int64_t nowMs, int64_t timeoutMs);
  // Ok if about `bytes` more keep the document within its size limit; else
  // kResourceExhausted, saying so. The hub checks its own edits with it
  // before making them (edit() itself checks nothing).
  Status admit(size_t bytes);
  // An edit made by the hub itself: `f` changes the document directly; the
  // updates it caused are to be persisted and relayed.
  RoomEffects edit(const std::function<void(crdt::Doc&)>& f);
  // An edit made by the hub itself (e.g. an MCP tool), as a v1 update.
  RoomEffects applyLocal(std::span<const uint8_t> update);

  // The awareness table's limits from now on (the hub's come from its
  // options); states already held stay until they leave.
  void setAwarenessLimits(AwarenessLimits limits) { awareness_.setLimits(limits); }
  void setDocumentLimits(DocumentLimits limits) { limits_ = limits; }

  // A y-websocket awareness message with the states whose owner (the
  // connection that gave them) satisfies `pick`; empty if there are none.
  // For telling other replicas about this one's clients (hub/bus.h).
  std::vector<uint8_t> awarenessOwnedBy(const std::function<bool(uint64_t owner)>& pick) const;
  // A committed update from elsewhere (another replica, through the store):
  // applied with no limits, like load(); the caller relays it as it is.
  Status applyCommitted(std::span<const uint8_t> update);

  // The whole document as one v1 update (to compact the stored log with).
  std::vector<uint8_t> encodeState();

  crdt::Doc& doc() { return doc_; }
  const Awareness& awareness() const { return awareness_; }
  size_t connections() const { return open_.size(); }

 private:
  RoomEffects applyUpdate(std::span<const uint8_t> update, ConnId origin);
  std::vector<uint8_t> awarenessMessage(const std::vector<uint64_t>& clients) const;

  crdt::Doc doc_;
  Awareness awareness_;
  DocumentLimits limits_;
  // An upper bound of the document's encoded size: its stored bytes at load,
  // plus every update since. Made exact (an encode of the whole document)
  // only when an update would pass the limit and the bound has grown by a
  // sixteenth of the limit since it was last exact, so a document near its
  // limit costs at most one encode per that many accepted bytes.
  size_t sizeBound_ = 0;
  size_t exactAt_ = 0;       // the bound when it was last made exact
  bool exactOnce_ = false;   // it was made exact at least once
  // The open connections. A flat vector: a room has few connections, and
  // hash tables cost a bucket array per connection (measured: 150 bytes
  // each). The awareness clients each connection announced (the y-websocket
  // server's `conns` map) are the ones the table says it owns: removed when
  // it leaves, and bounded per connection (awareness.h, "Quotas").
  std::vector<ConnId> open_;
  std::vector<std::vector<uint8_t>>* capture_ = nullptr;  // where onUpdate writes during applyUpdate
  crdt::ObserverId updateObserver_ = 0;
};

}  // namespace roundtable::sync
