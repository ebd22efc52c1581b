#include "hub/redis_bus.h"

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <charconv>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "hub/url.h"

namespace roundtable::hub {

namespace asio = boost::asio;
using Strand = asio::strand<asio::io_context::executor_type>;

namespace {

constexpr size_t kMaxUrlBytes = 4096;
constexpr size_t kMaxCredentialBytes = 1024;
constexpr std::string_view kUrlForms =
    "redis://[[user]:password@]host[:port][/db] or unix://[[user]:password@]/path[?db=N]";

// A database number: digits only, at most Redis's own int range.
bool parseDb(std::string_view s, int* db) {
  if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string_view::npos) return false;
  std::from_chars(s.data(), s.data() + s.size(), *db);
  return true;
}

// Redis's answer to AUTH, SELECT or PING, with the password blanked should
// the server ever quote it.
std::string replyText(const redisReply* reply, const RedisTarget& target) {
  std::string text(reply->str, reply->len);
  for (size_t at; !target.password.empty() && (at = text.find(target.password)) != std::string::npos;)
    text.replace(at, target.password.size(), "***");
  return text;
}

}  // namespace

std::string RedisTarget::describe() const {
  std::string out = host.empty()                           ? "Redis at unix:" + unixSocket
                    : host.find(':') != std::string::npos ? "Redis at [" + host + "]:" + std::to_string(port)
                                                           : "Redis at " + host + ":" + std::to_string(port);
  if (db != 0) out += " (database " + std::to_string(db) + ")";
  if (!user.empty()) out += " as user '" + user + "'";
  return out;
}

Status parseRedisUrl(const std::string& url, RedisTarget* out) {
  *out = RedisTarget{};
  // The URL as the messages show it: never the user and password.
  auto shown = [&] {
    size_t scheme = url.find("://"), at = url.rfind('@');
    std::string s = scheme != std::string::npos && at != std::string::npos && at > scheme
                        ? url.substr(0, scheme + 3) + "...@" + url.substr(at + 1)
                        : url;
    return s.size() > 200 ? s.substr(0, 200) + "..." : s;
  };
  auto bad = [&](const std::string& why) {
    return Status::InvalidArgument("--bus " + shown() + ": " + why + " (expected " + std::string(kUrlForms) + ")");
  };
  if (url.size() > kMaxUrlBytes) return bad("longer than 4096 bytes");
  bool unixSocket = url.starts_with("unix://");
  if (!unixSocket && !url.starts_with("redis://")) return bad("unknown scheme");
  std::string_view rest = std::string_view(url).substr(unixSocket ? 7 : 8);

  // user:password@ (the last @ of a redis:// URL, so that one unescaped in
  // the password still works; the @ before the socket's path of a unix://).
  size_t at = unixSocket ? (rest.starts_with('/') ? std::string_view::npos : rest.find("@/")) : rest.rfind('@');
  if (at != std::string_view::npos) {
    std::string_view info = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    size_t colon = info.find(':');
    auto user = percentDecode(info.substr(0, colon));
    auto password =
        colon == std::string_view::npos ? std::optional<std::string>("") : percentDecode(info.substr(colon + 1));
    if (!user || !password) return bad("a malformed %-escape in the user or password");
    if (user->size() > kMaxCredentialBytes || password->size() > kMaxCredentialBytes)
      return bad("a user or password longer than 1024 bytes");
    out->user = std::move(*user);
    out->password = std::move(*password);
  }

  if (unixSocket) {
    size_t question = rest.find('?');
    if (question != std::string_view::npos) {
      std::string_view query = rest.substr(question + 1);
      if (!query.starts_with("db=") || !parseDb(query.substr(3), &out->db)) return bad("the only option is db=N");
      rest = rest.substr(0, question);
    }
    out->unixSocket = std::string(rest);
    if (out->unixSocket.empty() || out->unixSocket[0] != '/') return bad("the socket's path must be absolute");
    return Status::Ok();
  }

  if (rest.find('?') != std::string_view::npos) return bad("options are not supported");
  size_t slash = rest.find('/');
  if (slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    if (!db.empty() && !parseDb(db, &out->db)) return bad("the path is a database number");
    rest = rest.substr(0, slash);
  }
  std::string_view port;
  if (rest.starts_with('[')) {  // [IPv6]:port
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return bad("no ] after an IPv6 address");
    out->host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty() && after[0] != ':') return bad("bad port");
    if (!after.empty()) port = after.substr(1);
    if (!after.empty() && port.empty()) return bad("bad port");
  } else {
    size_t colon = rest.rfind(':');
    out->host = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = rest.substr(colon + 1);
      if (port.empty()) return bad("bad port");
    }
    if (out->host.find(':') != std::string::npos) return bad("an IPv6 address goes in brackets");
  }
  if (out->host.empty()) return bad("no host");
  if (!port.empty()) {
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), out->port);
    if (ec != std::errc() || ptr != port.data() + port.size() || out->port < 1 || out->port > 65535)
      return bad("bad port");
  }
  return Status::Ok();
}

Status checkRedis(const RedisTarget& target, bool* reachable) {
  *reachable = false;
  timeval timeout{2, 0};
  redisContext* c = target.host.empty() ? redisConnectUnixWithTimeout(target.unixSocket.c_str(), timeout)
                                        : redisConnectWithTimeout(target.host.c_str(), target.port, timeout);
  if (c == nullptr) return Status::Ok();
  std::unique_ptr<redisContext, decltype(&redisFree)> owner(c, &redisFree);
  if (c->err || redisSetTimeout(c, timeout) != REDIS_OK) return Status::Ok();
  // Each step, and what a refusal of it means.
  auto step = [&](redisReply* reply, const std::string& what) -> std::optional<Status> {
    std::unique_ptr<redisReply, decltype(&freeReplyObject)> r(reply, &freeReplyObject);
    if (!r) return Status::Ok();  // lost on the way: unreachable, the bus keeps trying
    if (r->type != REDIS_REPLY_ERROR) return std::nullopt;
    return Status::FailedPrecondition("--bus: " + target.describe() + " " + what + ": " + replyText(r.get(), target));
  };
  const std::string& pw = target.password;
  if (!pw.empty()) {
    const std::string& user = target.user;
    auto* reply = static_cast<redisReply*>(
        user.empty() ? redisCommand(c, "AUTH %b", pw.data(), pw.size())
                     : redisCommand(c, "AUTH %b %b", user.data(), user.size(), pw.data(), pw.size()));
    if (auto s = step(reply, "refused the password")) return *s;
  }
  if (target.db != 0) {
    auto* reply = static_cast<redisReply*>(redisCommand(c, "SELECT %d", target.db));
    if (auto s = step(reply, "refused the database number")) return *s;
  }
  auto* reply = static_cast<redisReply*>(redisCommand(c, "PING"));
  if (auto s = step(reply, pw.empty() ? "refused a PING (a password needed? --bus-password-file)" : "refused a PING"))
    return *s;
  *reachable = true;
  return Status::Ok();
}

namespace {

// hiredis drives its async API through an event library's adapter (it ships
// ones for libevent, libev, libuv, ...; none for Asio): it asks for read and
// write readiness of its socket through the five hooks below, and we call
// redisAsyncHandleRead/Write when Asio reports it. Watching the descriptor
// with stream_descriptor::async_wait (never reading it: hiredis does) keeps
// Redis on the hub's own io_context and strand, with no thread of its own.
struct Watch : std::enable_shared_from_this<Watch> {
  Watch(Strand strand, redisAsyncContext* ac) : sd(strand, ac->c.fd), ac(ac) {}

  asio::posix::stream_descriptor sd;
  redisAsyncContext* ac;  // null once hiredis freed it (cleanup)
  bool wantRead = false, wantWrite = false, reading = false, writing = false;

  void armRead() {
    if (reading || !ac || !wantRead) return;
    reading = true;
    sd.async_wait(asio::posix::stream_descriptor::wait_read, [self = shared_from_this()](boost::system::error_code ec) {
      self->reading = false;
      if (ec || !self->ac || !self->wantRead) return;
      redisAsyncHandleRead(self->ac);  // may free the context (cleanup clears ac)
      self->armRead();
    });
  }
  void armWrite() {
    if (writing || !ac || !wantWrite) return;
    writing = true;
    sd.async_wait(asio::posix::stream_descriptor::wait_write, [self = shared_from_this()](boost::system::error_code ec) {
      self->writing = false;
      if (ec || !self->ac || !self->wantWrite) return;
      redisAsyncHandleWrite(self->ac);
      self->armWrite();
    });
  }

  static void addRead(void* p) { static_cast<Watch*>(p)->wantRead = true, static_cast<Watch*>(p)->armRead(); }
  static void delRead(void* p) { static_cast<Watch*>(p)->wantRead = false; }
  static void addWrite(void* p) { static_cast<Watch*>(p)->wantWrite = true, static_cast<Watch*>(p)->armWrite(); }
  static void delWrite(void* p) { static_cast<Watch*>(p)->wantWrite = false; }
  static void cleanup(void* p);
};

constexpr auto kMinBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);
// Bytes handed to the publishing connection and not yet answered.
constexpr size_t kMaxInFlightBytes = size_t{8} << 20;

}  // namespace

struct RedisBus::Impl : std::enable_shared_from_this<RedisBus::Impl> {
  Impl(asio::io_context& ioc, RedisTarget target, uint64_t replica)
      : strand(asio::make_strand(ioc)), target(std::move(target)), replica(replica), timer(strand) {}

  Strand strand;
  const RedisTarget target;
  const uint64_t replica;
  asio::steady_timer timer;
  std::chrono::milliseconds backoff = kMinBackoff;
  bool stopped = false;

  // Guarded by the strand.
  struct Conn {
    redisAsyncContext* ac = nullptr;
    std::shared_ptr<Watch> watch;
    bool up = false;
  };
  Conn sub, pub;
  bool connecting = false;
  size_t inFlight = 0;
  std::unordered_map<std::string, std::weak_ptr<BusPeer>> peers;
  std::unordered_map<std::string, const BusPeer*> peerIds;

  mutable std::mutex statsMu;
  Stats stats;
  void count(uint64_t Stats::*field) {
    std::lock_guard l(statsMu);
    ++(stats.*field);
  }

  bool connected() const { return sub.up && pub.up; }

  void connect() {
    if (stopped || sub.ac || pub.ac) return;
    if (open(sub) && open(pub)) {
      connecting = true;
      return;
    }
    // Refused at once (a Unix socket that is not there, say): try again later.
    closeAll();
    scheduleReconnect();
  }

  bool open(Conn& c) {
    redisAsyncContext* ac = target.host.empty() ? redisAsyncConnectUnix(target.unixSocket.c_str())
                                                : redisAsyncConnect(target.host.c_str(), target.port);
    if (ac == nullptr) return false;
    if (ac->err) {
      spdlog::warn("bus: cannot connect to {}: {}", target.describe(), ac->errstr);
      redisAsyncFree(ac);
      return false;
    }
    ac->data = this;
    c.ac = ac;
    c.up = false;
    c.watch = std::make_shared<Watch>(strand, ac);
    ac->ev.data = c.watch.get();
    ac->ev.addRead = &Watch::addRead;
    ac->ev.delRead = &Watch::delRead;
    ac->ev.addWrite = &Watch::addWrite;
    ac->ev.delWrite = &Watch::delWrite;
    ac->ev.cleanup = &Watch::cleanup;
    redisAsyncSetConnectCallback(ac, &Impl::onConnect);
    return true;
  }

  static void onConnect(const redisAsyncContext* ac, int status) {
    auto* self = static_cast<Impl*>(ac->data);
    Conn& c = ac == self->sub.ac ? self->sub : self->pub;
    if (status != REDIS_OK) {
      spdlog::warn("bus: cannot connect to {}: {}", self->target.describe(), ac->errstr);
      return;  // hiredis frees the context (cleanup)
    }
    self->handshake(c);
  }

  // AUTH and SELECT, as the URL asks, pipelined; the connection is up on the
  // last one's answer. A refusal is logged (never with the password) and
  // both connections are closed and retried with the usual backoff: a
  // password changed on Redis before the replicas' is fixed without them
  // restarting.
  static constexpr uintptr_t kAuth = 1, kSelect = 2, kLast = 4;
  void handshake(Conn& c) {
    bool auth = !target.password.empty(), select = target.db != 0;
    if (!auth && !select) return ready(c);
    const std::string& pw = target.password;
    auto tag = [](uintptr_t step, bool last) { return reinterpret_cast<void*>(step | (last ? kLast : 0)); };
    if (auth && target.user.empty()) {
      redisAsyncCommand(c.ac, &Impl::onHandshake, tag(kAuth, !select), "AUTH %b", pw.data(), pw.size());
    } else if (auth) {
      redisAsyncCommand(c.ac, &Impl::onHandshake, tag(kAuth, !select), "AUTH %b %b", target.user.data(),
                        target.user.size(), pw.data(), pw.size());
    }
    if (select) redisAsyncCommand(c.ac, &Impl::onHandshake, tag(kSelect, true), "SELECT %d", target.db);
  }

  static void onHandshake(redisAsyncContext* ac, void* r, void* tag) {
    auto* reply = static_cast<redisReply*>(r);
    auto* self = static_cast<Impl*>(ac->data);
    if (reply == nullptr || self->stopped || (ac != self->sub.ac && ac != self->pub.ac)) return;
    auto step = reinterpret_cast<uintptr_t>(tag);
    if (reply->type == REDIS_REPLY_ERROR) {
      self->count(&Stats::refusedHandshakes);
      spdlog::warn("bus: {} refused {}: {}; trying again", self->target.describe(),
                   step & kAuth ? "the password" : "the database number", replyText(reply, self->target));
      asio::post(self->strand, [self = self->shared_from_this()] { self->closeAll(); });
      return;
    }
    if (step & kLast) self->ready(ac == self->sub.ac ? self->sub : self->pub);
  }

  void ready(Conn& c) {
    c.up = true;
    if (connected()) onBothUp();
  }

  void onBothUp() {
    connecting = false;
    backoff = kMinBackoff;
    count(&Stats::connects);
    {
      std::lock_guard l(statsMu);
      stats.connected = true;
    }
    spdlog::info("bus: connected to {}", target.describe());
    for (auto& [channel, peer] : peers) sendSubscribe(channel, true);
  }

  void sendSubscribe(const std::string& channel, bool on) {
    if (!sub.up) return;
    redisAsyncCommand(sub.ac, &Impl::onSubReply, nullptr, on ? "SUBSCRIBE %b" : "UNSUBSCRIBE %b", channel.data(),
                      channel.size());
  }

  // Pushes from the subscribing connection: ["subscribe", channel, n] and
  // ["message", channel, payload]. Anything else is ignored.
  static void onSubReply(redisAsyncContext* ac, void* r, void*) {
    auto* reply = static_cast<redisReply*>(r);
    auto* self = static_cast<Impl*>(ac->data);
    if (reply == nullptr || self->stopped) return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 3) return;
    redisReply* kind = reply->element[0];
    redisReply* channel = reply->element[1];
    if (kind->type != REDIS_REPLY_STRING || channel->type != REDIS_REPLY_STRING) return;
    std::string_view k(kind->str, kind->len);
    std::string name, ch(channel->str, channel->len);
    if (!bus::nameOfChannel(ch, &name)) return;
    auto it = self->peers.find(ch);
    if (it == self->peers.end()) return;
    std::shared_ptr<BusPeer> peer = it->second.lock();
    if (!peer) return;
    if (k == "subscribe") {
      peer->busSubscribed();
      return;
    }
    if (k != "message" || reply->element[2]->type != REDIS_REPLY_STRING) return;
    redisReply* payload = reply->element[2];
    bus::BusMessage m;
    Status s = bus::decodeBusMessage(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(payload->str), payload->len), &m);
    if (!s.ok()) {
      self->count(&Stats::refused);
      spdlog::warn("bus: ignoring a message on the channel of '{}': {}", name, s.message());
      return;
    }
    if (m.replica == self->replica) return;  // our own, echoed back
    self->count(&Stats::received);
    peer->busMessage(name, m);
  }

  static void onPubReply(redisAsyncContext* ac, void*, void* size) {
    auto* self = static_cast<Impl*>(ac->data);
    self->inFlight -= reinterpret_cast<uintptr_t>(size);
  }

  void publish(const std::string& channel, std::vector<uint8_t> message) {
    if (!connected()) {
      count(&Stats::dropped);  // the others catch up from the store when we are back
      return;
    }
    if (inFlight + message.size() > kMaxInFlightBytes) {
      bus::BusMessage m;
      if (!bus::decodeBusMessage(message, &m).ok() || m.kind != bus::BusKind::kUpdate) {
        count(&Stats::dropped);
        return;
      }
      count(&Stats::shrunk);
      message = bus::encodeBusMessage(bus::BusKind::kCommitted, m.replica, m.seq, {});
    }
    inFlight += message.size();
    redisAsyncCommand(pub.ac, &Impl::onPubReply, reinterpret_cast<void*>(static_cast<uintptr_t>(message.size())),
                      "PUBLISH %b %b", channel.data(), channel.size(), message.data(), message.size());
    count(&Stats::published);
  }

  // A context is gone (hiredis freed it: a failed connect, a lost
  // connection, or our own free). The other goes too, then we reconnect.
  void gone(redisAsyncContext* ac) {
    Conn& c = ac == sub.ac ? sub : pub;
    bool wasUp = connected();
    c = Conn{};
    inFlight = pub.ac ? inFlight : 0;
    {
      std::lock_guard l(statsMu);
      stats.connected = false;
      if (wasUp) ++stats.disconnects;
    }
    if (wasUp && !stopped) spdlog::warn("bus: lost the connection to {}; reconnecting", target.describe());
    // Not from inside hiredis's callback: it still uses the context.
    asio::post(strand, [self = shared_from_this()] {
      self->closeAll();
      if (!self->stopped) self->scheduleReconnect();
    });
  }

  void closeAll() {
    for (Conn* c : {&sub, &pub}) {
      if (c->ac) {
        redisAsyncContext* ac = c->ac;
        redisAsyncFree(ac);  // cleanup -> gone() resets *c
      }
    }
  }

  void scheduleReconnect() {
    if (sub.ac || pub.ac || timer.expiry() > std::chrono::steady_clock::now()) return;
    timer.expires_after(backoff);
    backoff = std::min(backoff * 2, std::chrono::duration_cast<std::chrono::milliseconds>(kMaxBackoff));
    timer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (!ec) self->connect();
    });
  }
};

void Watch::cleanup(void* p) {
  auto* w = static_cast<Watch*>(p);
  redisAsyncContext* ac = w->ac;
  w->ac = nullptr;
  w->wantRead = w->wantWrite = false;
  boost::system::error_code ec;
  w->sd.cancel(ec);
  w->sd.release();  // hiredis closes the descriptor
  if (ac && ac->data) static_cast<RedisBus::Impl*>(ac->data)->gone(ac);
}

RedisBus::RedisBus(asio::io_context& ioc, RedisTarget target, uint64_t replicaId)
    : impl_(std::make_shared<Impl>(ioc, std::move(target), replicaId)), replicaId_(replicaId) {}

RedisBus::~RedisBus() {
  // The io_context may have stopped: free the contexts here, on this thread.
  impl_->stopped = true;
  impl_->closeAll();
}

void RedisBus::start() {
  asio::dispatch(impl_->strand, [impl = impl_] {
    if (impl->stopped) return;
    impl->connect();
  });
}

void RedisBus::stop() {
  asio::post(impl_->strand, [impl = impl_] {
    impl->stopped = true;
    impl->timer.cancel();
    impl->closeAll();
  });
}

void RedisBus::subscribe(const std::string& channel, std::weak_ptr<BusPeer> peer) {
  asio::post(impl_->strand, [impl = impl_, channel, peer = std::move(peer)]() mutable {
    std::shared_ptr<BusPeer> p = peer.lock();
    if (!p) return;
    bool had = impl->peers.count(channel) > 0;
    impl->peerIds[channel] = p.get();
    impl->peers[channel] = std::move(peer);
    if (!had) {
      impl->sendSubscribe(channel, true);
    } else if (impl->connected()) {
      // Already subscribed: the new peer may have missed what came before.
      p->busSubscribed();
    }
  });
}

void RedisBus::unsubscribe(const std::string& channel, const BusPeer* peer) {
  asio::post(impl_->strand, [impl = impl_, channel, peer] {
    auto it = impl->peerIds.find(channel);
    if (it == impl->peerIds.end() || it->second != peer) return;
    impl->peerIds.erase(it);
    impl->peers.erase(channel);
    impl->sendSubscribe(channel, false);
  });
}

void RedisBus::publish(const std::string& channel, std::vector<uint8_t> message) {
  asio::post(impl_->strand, [impl = impl_, channel, message = std::move(message)]() mutable {
    if (!impl->stopped) impl->publish(channel, std::move(message));
  });
}

RedisBus::Stats RedisBus::stats() const {
  std::lock_guard l(impl_->statsMu);
  return impl_->stats;
}

}  // namespace roundtable::hub
