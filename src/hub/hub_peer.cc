#include "hub/hub_peer.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include <algorithm>
#include <atomic>
#include <future>
#include <random>
#include <unordered_map>
#include <unordered_set>

#include "hub/log_throttle.h"
#include "hub/metrics.h"
#include "hub/signaling_client.h"
#include "hub/turn_credentials.h"
#include "p2p/room_crypto.h"
#include "p2p/room_membership.h"
#include "p2p/room_signaling.h"
#include "plan/metadata.h"
#include "plan/plan_index.h"
#include "sync/awareness.h"
#include "sync/message.h"

namespace roundtable::hub {

namespace asio = boost::asio;

namespace {

// The web app's room of a plan (web/src/collab/share.ts roomName); y-webrtc
// also salts the room's key with it.
std::string topicOf(const std::string& planId) { return "roundtable-" + planId; }

std::string randomUuid() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) {
    std::random_device rd;
    for (auto& c : b) c = static_cast<unsigned char>(rd());
  }
  b[6] = (b[6] & 0x0f) | 0x40;  // version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // RFC 4122 variant
  static const char* hex = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) s += '-';
    s += hex[b[i] >> 4];
    s += hex[b[i] & 15];
  }
  return s;
}

double wallMs() {
  using namespace std::chrono;
  return static_cast<double>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

double randomFraction() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// RFC 3986 unreserved characters stay; everything else is %XX (TURN REST
// usernames hold a ':', which would otherwise end the user part).
std::string percentEncode(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

// "stun:host:port" (or "stun://host:port") -> its scheme and the rest.
bool splitIceUrl(std::string_view url, std::string_view* scheme, std::string_view* rest) {
  size_t colon = url.find(':');
  if (colon == std::string_view::npos) return false;
  *scheme = url.substr(0, colon);
  *rest = url.substr(colon + 1);
  if (rest->starts_with("//")) rest->remove_prefix(2);
  return !rest->empty();
}

// A RoomConnection that is no client: the hub's own awareness entry in a
// room. What the room sends it is dropped.
class PresenceConnection final : public RoomConnection {
 public:
  const std::string& remoteAddress() const override { return label_; }
  void send(SharedBytes) override {}
  void send(const std::vector<SharedBytes>&) override {}
  void sendAnswer(SharedBytes) override {}
  void close(CloseCode, std::string) override {}
  void continueReading() override {}

 private:
  const std::string label_ = "the hub's presence";
};

}  // namespace

webrtc::IceServers webrtcIceServers(const std::vector<IceServer>& iceServers,
                                    const std::vector<TurnRestServer>& turnRestServers,
                                    std::chrono::system_clock::time_point now) {
  webrtc::IceServers out;
  auto add = [&](const std::string& url, const std::string& user, const std::string& password) {
    std::string_view scheme, rest;
    if (!splitIceUrl(url, &scheme, &rest)) return;
    if (scheme == "stun") {
      out.stun.push_back("stun://" + std::string(rest));
    } else if (scheme == "turn" || scheme == "turns") {
      out.turn.push_back(std::string(scheme) + "://" + percentEncode(user) + ":" + percentEncode(password) + "@" +
                         std::string(rest));
    }
  };
  for (const auto& server : iceServers)
    for (const auto& url : server.urls) add(url, server.username, server.credential);
  for (const auto& server : turnRestServers) {
    TurnCredentials c = makeTurnCredentials(server.secret, "roundtable-hub", now, server.ttl);
    for (const auto& url : server.urls) add(url, c.username, c.credential);
  }
  return out;
}

namespace {

struct JoinedRoom {
  JoinedRoom(std::string planId, std::string secret, size_t maxConns)
      : planId(std::move(planId)),
        topic(topicOf(this->planId)),
        secret(std::move(secret)),
        membership(randomUuid(), {.maxConns = maxConns, .initiate = false}) {}
  const std::string planId;
  const std::string topic;
  const std::string secret;
  p2p::RoomMembership membership;
  std::shared_ptr<const p2p::RoomKey> key;  // null while it is derived
  std::unordered_map<std::string, std::shared_ptr<PeerSession>> sessions;  // by remote peer id
  std::unordered_map<std::string, size_t> relayOf;  // the relay a peer was last heard through
  size_t open = 0;                                  // sessions whose channel opened
  std::chrono::steady_clock::time_point lastAnnounce{};
  bool announceScheduled = false;
  // The hub's awareness entry, while a session is open.
  std::shared_ptr<PresenceConnection> presence;
  std::shared_ptr<Room> presenceRoom;
};

}  // namespace

struct HubPeer::Impl : std::enable_shared_from_this<HubPeer::Impl> {
  using Strand = asio::strand<asio::io_context::executor_type>;

  Impl(asio::io_context& io, std::shared_ptr<RoomRegistry> rooms, std::shared_ptr<RoomSecrets> secrets,
       HubPeerOptions options)
      : io(io),
        strand(asio::make_strand(io.get_executor())),
        rooms(std::move(rooms)),
        secrets(std::move(secrets)),
        options(std::move(options)),
        presenceTimer(strand) {
    uint32_t id = 0;
    while (id == 0) RAND_bytes(reinterpret_cast<unsigned char*>(&id), sizeof id);
    awarenessClient = id;
    presenceState = nlohmann::json{{"hub", {{"name", this->options.name}}}}.dump();
  }

  asio::io_context& io;
  Strand strand;
  std::shared_ptr<RoomRegistry> rooms;
  std::shared_ptr<RoomSecrets> secrets;
  const HubPeerOptions options;
  std::vector<std::unique_ptr<SignalingClient>> relays;
  // Derives keys (100,000 hashes each) and stops WebRTC pipelines (joins
  // GStreamer's threads): neither on an io thread.
  asio::thread_pool worker{1};
  p2p::FrameBudget budget;
  uint64_t awarenessClient = 0;
  std::string presenceState;
  uint64_t presenceClock = 0;

  // On the strand.
  std::unordered_map<std::string, std::unique_ptr<JoinedRoom>> joined;  // by topic
  std::vector<plan::PlanSummary> index;
  asio::basic_waitable_timer<std::chrono::steady_clock, asio::wait_traits<std::chrono::steady_clock>, Strand>
      presenceTimer;
  bool presenceTimerRunning = false;
  bool stopped = false;
  bool limitLogged = false;
  std::shared_ptr<Room> indexRoom;
  static constexpr uint64_t kIndexWatcher = 0x7062'6565'72;  // unique among the index room's watchers

  std::atomic<size_t> roomCount{0};
  std::atomic<size_t> peerCount{0};
  std::atomic<size_t> liveSessions{0};
  std::atomic<bool> stopRequested{false};

  void start();
  void stop();
  void reconcile();
  void join(const std::string& planId, const std::string& secret);
  void leave(JoinedRoom& room);
  void announce(JoinedRoom& room, std::optional<size_t> onlyRelay = std::nullopt);
  // Announces now, or once a second has passed since the last announce: an
  // announce answers every peer's announce, and a peer must not make the hub
  // flood the room.
  void scheduleAnnounce(JoinedRoom& room);
  void onRelayConnected(size_t relay);
  void onRelayMessage(size_t relay, const std::string& text);
  std::shared_ptr<PeerSession> connect(JoinedRoom& room, const std::string& peer, bool initiator);
  void sendSignal(const std::string& topic, const std::shared_ptr<PeerSession>& session, lib0::Value signal);
  void sessionOpened(const std::shared_ptr<PeerSession>& session);
  void sessionEnded(const std::shared_ptr<PeerSession>& session, const std::string& why);
  void publishPresence(JoinedRoom& room);
  void schedulePresence();
  JoinedRoom* roomOf(const std::string& topic) {
    auto it = joined.find(topic);
    return it == joined.end() ? nullptr : it->second.get();
  }
};

void HubPeer::Impl::start() {
  auto self = shared_from_this();
  std::weak_ptr<Impl> weak = self;
  for (size_t i = 0; i < relays.size(); ++i) relays[i]->start();
  secrets->setListener([weak](const std::string&, const std::string&) {
    if (auto s = weak.lock()) asio::post(s->strand, [s] { s->reconcile(); });
  });
  indexRoom = rooms->acquire(plan::kIndexDocName);
  indexRoom->watch(kIndexWatcher, [weak](RoomCore* core) {
    auto s = weak.lock();
    if (!s || !core) return;
    asio::post(s->strand, [s, plans = plan::readIndex(core->doc())]() mutable {
      s->index = std::move(plans);
      s->reconcile();
    });
  });
}

void HubPeer::Impl::reconcile() {
  if (stopped) return;
  double since = wallMs() - std::chrono::duration<double, std::milli>(options.recent).count();
  std::vector<std::pair<const plan::PlanSummary*, std::string>> wanted;
  for (const auto& plan : index) {
    if (plan.status != plan::statusName(plan::PlanStatus::kPendingReview) && plan.updatedAt < since) continue;
    if (auto secret = secrets->get(plan.id)) wanted.emplace_back(&plan, std::move(*secret));
  }
  std::stable_sort(wanted.begin(), wanted.end(),
                   [](const auto& a, const auto& b) { return a.first->updatedAt > b.first->updatedAt; });
  if (wanted.size() > options.maxRooms) {
    if (!limitLogged)
      spdlog::warn("webrtc: {} plans are under review or recent; joining the rooms of the newest {} (--p2p-max-rooms)",
                   wanted.size(), options.maxRooms);
    limitLogged = true;
    wanted.resize(options.maxRooms);
  }
  std::unordered_map<std::string, const std::string*> want;  // topic -> secret
  for (const auto& [plan, secret] : wanted) want.emplace(topicOf(plan->id), &secret);
  std::vector<JoinedRoom*> gone;
  for (auto& [topic, room] : joined) {
    auto it = want.find(topic);
    if (it == want.end() || *it->second != room->secret) gone.push_back(room.get());
  }
  for (JoinedRoom* room : gone) leave(*room);
  size_t added = 0;
  for (const auto& [plan, secret] : wanted)
    if (!joined.count(topicOf(plan->id))) {
      join(plan->id, secret);
      ++added;
    }
  if (added || !gone.empty())
    spdlog::info("webrtc: in {} plan rooms (+{} -{})", joined.size(), added, gone.size());
}

void HubPeer::Impl::join(const std::string& planId, const std::string& secret) {
  auto room = std::make_unique<JoinedRoom>(planId, secret, options.maxPeersPerRoom);
  std::string topic = room->topic;
  joined.emplace(topic, std::move(room));
  roomCount = joined.size();
  metrics().webrtcRooms++;
  asio::post(worker, [self = shared_from_this(), topic, secret] {
    auto key = std::make_shared<const p2p::RoomKey>(p2p::RoomKey::derive(secret, topic));
    asio::post(self->strand, [self, topic, secret, key] {
      JoinedRoom* room = self->roomOf(topic);
      if (!room || room->secret != secret || self->stopped) return;
      room->key = key;
      for (auto& relay : self->relays) relay->subscribe(topic);
      self->announce(*room);
    });
  });
}

void HubPeer::Impl::leave(JoinedRoom& room) {
  for (auto& relay : relays) relay->unsubscribe(room.topic);
  if (room.presence) {
    // The peers hear that the hub left before their connections close, not
    // 30 s later when its entry would time out (the room tells its
    // WebSockets when the presence leaves).
    SharedBytes gone = share(sync::encodeAwareness(sync::encodeAwarenessEntry(awarenessClient, ++presenceClock, "null")));
    for (auto& [peer, session] : room.sessions)
      if (session->open()) session->send(gone);
  }
  for (auto& [peer, session] : room.sessions) session->shutdown("the hub left the room");
  if (room.presenceRoom) room.presenceRoom->leave(room.presence);
  if (room.open) {
    peerCount -= room.open;
    metrics().webrtcPeers -= static_cast<int64_t>(room.open);
  }
  joined.erase(room.topic);  // the sessions' ends find no room
  roomCount = joined.size();
  metrics().webrtcRooms--;
}

void HubPeer::Impl::announce(JoinedRoom& room, std::optional<size_t> onlyRelay) {
  if (!room.key || room.membership.size() >= options.maxPeersPerRoom) return;
  if (!onlyRelay) room.lastAnnounce = std::chrono::steady_clock::now();
  std::string message = p2p::publishMessage(*room.key, room.topic, p2p::RoomSignal::announce(room.membership.self()));
  for (size_t i = 0; i < relays.size(); ++i)
    if (!onlyRelay || *onlyRelay == i) relays[i]->publish(message);
}

void HubPeer::Impl::scheduleAnnounce(JoinedRoom& room) {
  constexpr auto kInterval = std::chrono::seconds(1);
  if (std::chrono::steady_clock::now() - room.lastAnnounce >= kInterval) return announce(room);
  if (room.announceScheduled) return;
  room.announceScheduled = true;
  auto timer = std::make_shared<asio::basic_waitable_timer<std::chrono::steady_clock,
                                                           asio::wait_traits<std::chrono::steady_clock>, Strand>>(
      strand, room.lastAnnounce + kInterval);
  timer->async_wait([self = shared_from_this(), topic = room.topic, timer](boost::system::error_code) {
    JoinedRoom* room = self->roomOf(topic);
    if (!room || self->stopped) return;
    room->announceScheduled = false;
    self->announce(*room);
  });
}

void HubPeer::Impl::onRelayConnected(size_t relay) {
  // The client subscribed to every topic already; y-webrtc announces in each
  // room on every (re)connect.
  for (auto& [topic, room] : joined) announce(*room, relay);
}

void HubPeer::Impl::onRelayMessage(size_t relay, const std::string& text) {
  std::string topic;
  std::vector<uint8_t> sealed;
  if (!p2p::readPublish(text, &topic, &sealed).ok() || topic.empty()) return;
  JoinedRoom* room = roomOf(topic);
  if (!room || !room->key) return;
  std::optional<p2p::RoomSignal> signal;
  if (Status s = p2p::openRoomSignal(*room->key, sealed, room->membership.self(), &signal); !s.ok()) {
    // Another password for the same room name, or garbage: y-webrtc ignores it too.
    spdlog::debug("webrtc: room {}: a message that does not open: {}", room->planId, s.message());
    return;
  }
  if (!signal) return;
  room->relayOf[signal->from] = relay;
  if (room->relayOf.size() > 4 * options.maxPeersPerRoom + 64) {
    // Peers heard of but never connected: forget the oldest guesses wholesale.
    std::erase_if(room->relayOf, [&](const auto& e) { return !room->sessions.count(e.first); });
    room->relayOf[signal->from] = relay;
  }
  for (auto& action : room->membership.onRoomSignal(*signal)) {
    using Kind = p2p::RoomMembership::Action::Kind;
    if (action.kind == Kind::kAnnounce) {
      // The hub never offers (see MembershipOptions::initiate): it announces
      // back, and the peer that announced makes the offer.
      scheduleAnnounce(*room);
      continue;
    }
    if (action.kind == Kind::kReplace) {
      if (auto it = room->sessions.find(action.peer); it != room->sessions.end()) {
        auto old = std::move(it->second);
        room->sessions.erase(it);
        old->shutdown("the remote peer's offer won the glare");
      }
    }
    std::shared_ptr<PeerSession> session;
    if (action.kind == Kind::kDeliver) {
      auto it = room->sessions.find(action.peer);
      if (it == room->sessions.end()) continue;
      session = it->second;
    } else {
      if (liveSessions.load() >= options.maxPeers) {
        // Every connection is a WebRTC pipeline with threads of its own.
        room->membership.closed(action.peer);
        static LogThrottle throttle(1);
        if (auto withheld = throttle.allow())
          spdlog::warn("webrtc: {} connections open (--p2p-max-peers-total); not answering peer {} in room {}{}",
                       liveSessions.load(), action.peer, room->planId,
                       *withheld ? fmt::format(" ({} more not logged)", *withheld) : std::string());
        continue;
      }
      session = connect(*room, action.peer, action.initiator);
      if (!session) continue;
    }
    if (!action.signal.isUndefined()) (void)session->signal(action.signal);  // an error ends that session alone
  }
}

std::shared_ptr<PeerSession> HubPeer::Impl::connect(JoinedRoom& room, const std::string& peer, bool initiator) {
  std::weak_ptr<Impl> weak = shared_from_this();
  PeerSession::Handlers handlers;
  handlers.opened = [weak](const std::shared_ptr<PeerSession>& s) {
    if (auto self = weak.lock()) asio::post(self->strand, [self, s] { self->sessionOpened(s); });
  };
  handlers.ended = [weak](const std::shared_ptr<PeerSession>& s, const std::string& why) {
    auto self = weak.lock();
    if (!self) return;
    self->liveSessions--;
    asio::post(self->strand, [self, s, why] { self->sessionEnded(s, why); });
  };
  auto session = PeerSession::make(io, worker.get_executor(), rooms, room.planId, peer, options.session, &budget,
                                   std::move(handlers));
  liveSessions++;
  room.sessions[peer] = session;
  std::string topic = room.topic;
  webrtc::PeerOptions peerOptions{.initiator = initiator,
                                  .iceServers = webrtcIceServers(options.iceServers, options.turnRestServers,
                                                                 std::chrono::system_clock::now())};
  std::weak_ptr<PeerSession> weakSession = session;
  Status s = session->start(peerOptions, [weak, topic, weakSession](lib0::Value signal) {
    auto self = weak.lock();
    auto session = weakSession.lock();
    if (!self || !session) return;
    asio::post(self->strand, [self, topic, session, signal = std::move(signal)]() mutable {
      self->sendSignal(topic, session, std::move(signal));
    });
  });
  if (!s.ok()) {
    spdlog::warn("webrtc: room {}: no connection to peer {}: {}", room.planId, peer, s.message());
    return nullptr;  // the session ends itself; sessionEnded forgets it
  }
  spdlog::debug("webrtc: room {}: connecting to peer {} ({})", room.planId, peer,
                initiator ? "initiator" : "answering");
  return session;
}

void HubPeer::Impl::sendSignal(const std::string& topic, const std::shared_ptr<PeerSession>& session,
                               lib0::Value signal) {
  JoinedRoom* room = roomOf(topic);
  if (!room || !room->key) return;
  auto it = room->sessions.find(session->remotePeer());
  if (it == room->sessions.end() || it->second != session) return;  // replaced or ended meanwhile
  std::optional<double> token = room->membership.signalToken(session->remotePeer(), wallMs(), randomFraction());
  std::string message = p2p::publishMessage(
      *room->key, topic, p2p::RoomSignal::signalTo(room->membership.self(), session->remotePeer(), token, std::move(signal)));
  // Through the relay the peer was heard on, as y-webrtc answers: a second
  // copy of an offer through another relay would break its connection.
  auto relay = room->relayOf.find(session->remotePeer());
  for (size_t i = 0; i < relays.size(); ++i)
    if (relay == room->relayOf.end() || relay->second == i) relays[i]->publish(message);
}

void HubPeer::Impl::sessionOpened(const std::shared_ptr<PeerSession>& session) {
  JoinedRoom* room = roomOf(topicOf(session->docName()));
  if (!room) return;
  auto it = room->sessions.find(session->remotePeer());
  if (it == room->sessions.end() || it->second != session) return;
  ++room->open;
  peerCount++;
  metrics().webrtcPeers++;
  metrics().webrtcConnectedTotal++;
  spdlog::info("webrtc: room {}: peer {} connected ({} in the room)", room->planId, session->remotePeer(), room->open);
  if (!room->presence) {
    room->presence = std::make_shared<PresenceConnection>();
    room->presenceRoom = rooms->acquireForJoin(room->planId);
    room->presenceRoom->join(room->presence);
    publishPresence(*room);
    schedulePresence();
  }
}

void HubPeer::Impl::sessionEnded(const std::shared_ptr<PeerSession>& session, const std::string& why) {
  JoinedRoom* room = roomOf(topicOf(session->docName()));
  if (!room) return;
  auto it = room->sessions.find(session->remotePeer());
  if (it == room->sessions.end() || it->second != session) return;  // replaced: the new one stays
  room->sessions.erase(it);
  room->membership.closed(session->remotePeer());
  if (session->open()) {
    --room->open;
    peerCount--;
    metrics().webrtcPeers--;
    spdlog::info("webrtc: room {}: peer {} left: {}", room->planId, session->remotePeer(), why);
  } else {
    metrics().webrtcFailedTotal++;
    spdlog::info("webrtc: room {}: no connection to peer {}: {}", room->planId, session->remotePeer(), why);
  }
  if (room->open == 0 && room->presence) {
    room->presenceRoom->leave(room->presence);  // its awareness entry goes with it
    room->presence.reset();
    room->presenceRoom.reset();
  }
  if (!stopped) scheduleAnnounce(*room);  // as y-webrtc does when a connection closes
}

void HubPeer::Impl::publishPresence(JoinedRoom& room) {
  if (!room.presence) return;
  room.presenceRoom->message(room.presence, sync::encodeAwareness(sync::encodeAwarenessEntry(
                                                awarenessClient, ++presenceClock, presenceState)));
}

void HubPeer::Impl::schedulePresence() {
  if (presenceTimerRunning) return;
  presenceTimerRunning = true;
  // awareness.js renews its state every 15 s (outdatedTimeout / 2).
  presenceTimer.expires_after(std::chrono::seconds(15));
  presenceTimer.async_wait([self = shared_from_this()](boost::system::error_code ec) {
    self->presenceTimerRunning = false;
    if (ec || self->stopped) return;
    bool any = false;
    for (auto& [topic, room] : self->joined)
      if (room->presence) {
        self->publishPresence(*room);
        any = true;
      }
    if (any) self->schedulePresence();
  });
}

void HubPeer::Impl::stop() {
  std::promise<void> done;
  asio::post(strand, [&] {
    stopped = true;
    presenceTimer.cancel();
    if (indexRoom) indexRoom->unwatch(kIndexWatcher);
    indexRoom.reset();
    std::vector<JoinedRoom*> all;
    for (auto& [topic, room] : joined) all.push_back(room.get());
    for (JoinedRoom* room : all) leave(*room);
    done.set_value();
  });
  done.get_future().wait();
  for (auto& relay : relays) relay->stop();
  // The sessions end on their strands and hand their pipelines to the worker.
  for (int i = 0; i < 400 && liveSessions.load() > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  worker.join();
}

Status HubPeer::create(asio::io_context& io, asio::ssl::context& tls, std::shared_ptr<RoomRegistry> rooms,
                       std::shared_ptr<RoomSecrets> secrets, HubPeerOptions options, std::shared_ptr<HubPeer>* out) {
  if (options.relays.empty()) return Status::InvalidArgument("no signaling relay to join rooms through");
  if (Status s = webrtc::PeerConnection::available(); !s.ok()) return s;
  auto impl = std::make_shared<Impl>(io, std::move(rooms), std::move(secrets), std::move(options));
  for (size_t i = 0; i < impl->options.relays.size(); ++i) {
    std::weak_ptr<Impl> weak = impl;
    SignalingClient::Handler handler;
    handler.connected = [weak, i] {
      if (auto s = weak.lock()) asio::post(s->strand, [s, i] { s->onRelayConnected(i); });
    };
    handler.message = [weak, i](std::string_view text) {
      if (auto s = weak.lock()) asio::post(s->strand, [s, i, text = std::string(text)] { s->onRelayMessage(i, text); });
    };
    handler.disconnected = [url = impl->options.relays[i]](std::string_view why) {
      spdlog::debug("webrtc: relay {}: {}", url, std::string(why));
    };
    std::unique_ptr<SignalingClient> client;
    if (Status s = SignalingClient::create(io, tls, impl->options.relays[i], std::move(handler), {}, &client); !s.ok())
      return s;
    impl->relays.push_back(std::move(client));
  }
  out->reset(new HubPeer(std::move(impl)));
  return Status::Ok();
}

HubPeer::HubPeer(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

HubPeer::~HubPeer() { stop(); }

void HubPeer::start() { impl_->start(); }

void HubPeer::stop() {
  if (impl_->stopRequested.exchange(true)) return;
  impl_->stop();
}

size_t HubPeer::roomsJoined() const { return impl_->roomCount.load(); }
size_t HubPeer::peersConnected() const { return impl_->peerCount.load(); }

}  // namespace roundtable::hub
