// RedisBus: the replicas of a team server (hubs sharing one PostgreSQL
// database) tell each other about committed document updates and awareness
// through Redis pub/sub, one channel per document (bus/bus_message.h).
// docs/team-server.md has the design and the catch-up argument; in short,
// Redis only ever carries hints: every update is in PostgreSQL before it is
// published, and a replica that misses one (a gap in the seqs, or a lost
// connection to Redis) reads it from PostgreSQL.
//
// One connection subscribes, one publishes, both driven by hiredis's async
// API on the hub's io_context through a small adapter (redis_bus.cc). Each
// sends AUTH and SELECT (when the URL asks for them) before it counts as up.
// A lost or refused connection is retried with backoff (100 ms doubling to
// 5 s); after each
// (re)subscription, every subscribed document is told (BusPeer::busSubscribed)
// so that it catches up from the store. Publishes while disconnected are
// dropped (the catch-up covers them); publishes beyond a bound of bytes in
// flight are shrunk to a seq-only kCommitted (updates) or dropped (awareness,
// which clients renew every 15 s).
//
// Thread-safe: every public method may be called from any thread; the work
// runs on the bus's strand. Peers are called on the bus's strand and must
// post to their own.
#pragma once

#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bus/bus_message.h"
#include "roundtable/base/status.h"

namespace roundtable::hub {

class BusPeer {
 public:
  virtual ~BusPeer() = default;
  // A message from another replica on one of this peer's channels (never
  // our own); `name` is the channel's document or topic (bus::nameOfChannel).
  // The views live only during the call.
  virtual void busMessage(std::string_view name, const bus::BusMessage& message) = 0;
  // The channel is subscribed (again): messages from now on arrive; whatever
  // was published before may have been missed.
  virtual void busSubscribed() = 0;
};

struct RedisTarget {
  std::string host;  // empty: unixSocket
  int port = 6379;
  std::string unixSocket;
  // AUTH [user] password when password is not empty (user: Redis 6's ACL).
  std::string user, password;
  int db = 0;  // SELECT db when not 0
  // The server (and user, database), never the password: for messages.
  std::string describe() const;
};

// redis://[[user][:password]@]host[:port][/db] or
// unix://[[user][:password]@]/path/to/socket[?db=N], the forms redis-cli -u
// and redis-py take; user and password percent-decoded. InvalidArgument
// otherwise, with a message that never holds the password.
Status parseRedisUrl(const std::string& url, RedisTarget* out);

// At start: connects once, authenticates, selects the database and PINGs.
// A refusal (wrong password, none given where Redis needs one, a database
// that does not exist) is an error naming the server; a server that cannot
// be reached is not (the bus keeps trying): *reachable says which.
Status checkRedis(const RedisTarget& target, bool* reachable);

class RedisBus : public std::enable_shared_from_this<RedisBus> {
 public:
  // `replicaId` (not 0) tells this replica's messages from the others'.
  RedisBus(boost::asio::io_context& ioc, RedisTarget target, uint64_t replicaId);
  ~RedisBus();

  // Connects (and keeps reconnecting until stop()).
  void start();
  // Disconnects for good; later calls do nothing.
  void stop();

  uint64_t replicaId() const { return replicaId_; }

  // `peer` receives the messages of `channel` (bus::channelFor(doc) or
  // bus::signalChannelFor(topic)) until unsubscribe(channel, peer) (a later
  // subscribe to the same channel replaces it).
  void subscribe(const std::string& channel, std::weak_ptr<BusPeer> peer);
  void unsubscribe(const std::string& channel, const BusPeer* peer);
  // Publishes an encoded message on `channel` (see the header comment for
  // what happens when Redis is away or slow).
  void publish(const std::string& channel, std::vector<uint8_t> message);

  // /metrics shows them (renderBusMetrics).
  struct Stats {
    uint64_t published = 0, received = 0, dropped = 0, shrunk = 0, refused = 0;
    uint64_t connects = 0;     // both connections up (the first time, and after each loss)
    uint64_t disconnects = 0;  // lost once up
    uint64_t refusedHandshakes = 0;  // AUTH or SELECT refused
    bool connected = false;
  };
  Stats stats() const;

  struct Impl;  // redis_bus.cc (hiredis's callbacks reach it)

 private:
  std::shared_ptr<Impl> impl_;
  const uint64_t replicaId_;
};

}  // namespace roundtable::hub
