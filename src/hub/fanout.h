// Fanout: a room's connections, and how its messages reach them.
//
// Called on the room's strand. Sending writes to each socket from the
// calling thread (RoomConnection::send), except in a large room: from
// kParallelFanout connections on (and with parallel fan-out allowed), the
// connections with odd ids get theirs from a second strand, so another thread
// pays half of the kernel's per-recipient cost (about 7 us on loopback, most
// of a broadcast's time), and the last recipient gets it sooner.
//
// Promise: each connection gets its messages in the order they were given
// here. A connection's messages always take the same path (its id decides;
// before the second strand exists they are queued on the socket at once, so
// none is left behind for the second strand to overtake), and a strand runs
// its handlers in order.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/strand.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "hub/relay_order.h"
#include "hub/room_connection.h"

namespace roundtable::hub {

class Fanout {
 public:
  using Strand = boost::asio::strand<boost::asio::io_context::executor_type>;
  // Rooms from this size on split broadcasts over two strands.
  static constexpr size_t kParallelFanout = 16;

  // `parallel`: the threads that may run a second strand (null: none).
  explicit Fanout(boost::asio::io_context* parallel) : parallel_(parallel) {}

  // Adds the connection unless it is here already.
  void add(std::shared_ptr<RoomConnection> session);
  // False if it was not here.
  bool remove(const std::shared_ptr<RoomConnection>& session);
  // Every connection, taken out (to be closed by the caller).
  std::vector<std::shared_ptr<RoomConnection>> takeAll();
  RoomConnection* find(ConnId id) const;
  bool empty() const { return conns_.empty(); }

  void sendTo(RoomConnection& session, const SharedBytes& bytes);
  // An answer that carries document state (RoomConnection::sendAnswer).
  void answer(RoomConnection& session, const SharedBytes& bytes);
  // Sends each message to its recipients (see Relay), in order (a message
  // for one connection is a reply held for the store: an answer): a run of
  // messages for every connection goes to each in one send (without the
  // ones it sent itself), so it gets them in one write.
  void relay(std::span<const Relay> messages);

 private:
  // Each connection gets the messages not from itself (`from` of each; 0 for
  // messages from nobody).
  void broadcast(std::span<const Relay> messages);
  bool offloaded(const RoomConnection& session) const { return helper_ && session.id() % 2 == 1; }

  // A vector: rooms have a few connections, and a hash map node with its
  // bucket costs more than a slot.
  std::vector<std::shared_ptr<RoomConnection>> conns_;
  boost::asio::io_context* parallel_;
  std::optional<Strand> helper_;  // the second strand, once the room was large enough
};

}  // namespace roundtable::hub
