// RoomConnection: what a room needs of one of its clients, whatever carries
// it: a y-websocket WebSocket (WebSocketSession) or a data channel of the
// hub's own y-webrtc peer (PeerSession). Both speak the same messages (sync
// steps, updates, awareness); only the transport differs.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hub/shared_bytes.h"
#include "websocket/frame.h"

namespace roundtable::hub {

using CloseCode = websocket::CloseCode;

class RoomConnection : public std::enable_shared_from_this<RoomConnection> {
 public:
  virtual ~RoomConnection() = default;

  // Unique among all connections of the process (rooms key their clients by it).
  uint64_t id() const { return id_; }
  // For log lines: where the client is.
  virtual const std::string& remoteAddress() const = 0;

  // Queues one binary message, or several to go out together. A client too
  // slow to take them is dropped (closed), never waited for.
  virtual void send(SharedBytes message) = 0;
  virtual void send(const std::vector<SharedBytes>& messages) = 0;
  // Queues an answer that carries document state (a sync step 2); it may be
  // as large as the document, so the limit meant for live traffic does not
  // apply to one answer at a time.
  virtual void sendAnswer(SharedBytes message) = 0;
  // Ends the connection after what is queued, telling the client why when
  // the transport can.
  virtual void close(CloseCode code, std::string reason) = 0;
  // The room has handled the last message: the next one may be read.
  virtual void continueReading() = 0;

 protected:
  RoomConnection() : id_(nextId_.fetch_add(1, std::memory_order_relaxed)) {}

 private:
  static inline std::atomic<uint64_t> nextId_{1};
  const uint64_t id_;
};

}  // namespace roundtable::hub
