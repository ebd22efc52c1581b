#include "hub/hub.h"

#include <random>

#include <malloc.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <algorithm>
#include <thread>
#include <vector>

#include "auth/token.h"
#include "hub/connection_limiter.h"
#include "hub/http_session.h"
#include "hub/hub_peer.h"
#include "hub/log_throttle.h"
#include "hub/mcp_endpoint.h"
#include "hub/metrics.h"
#include "hub/plan_service.h"
#include "hub/room.h"
#include "hub/room_secrets.h"
#include "hub/access.h"
#include "hub/router.h"
#include "hub/session_timers.h"
#include "hub/url.h"
#include "hub/signaling.h"
#include "mcp/plan_tools.h"
#include "store/store.h"

namespace roundtable::hub {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// Thousands of WebSocket connections need more descriptors than the usual
// soft limit of 1024.
void raiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

// How long accept waits after running out of descriptors or kernel memory.
constexpr auto kAcceptPause = std::chrono::milliseconds(100);

bool resourceExhausted(const boost::system::error_code& ec) {
  return ec == asio::error::no_descriptors || ec == boost::system::errc::too_many_files_open_in_system ||
         ec == asio::error::no_buffer_space || ec == asio::error::no_memory;
}

// Where the author reaches this hub's web app: this machine's own address
// (the live page needs the hub; remote reviewers get a share link from it).
std::string localUrl(const HubOptions& options, uint16_t port) {
  std::string host = options.host;
  if (host == "0.0.0.0") host = "127.0.0.1";
  if (host == "::") host = "::1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return "http://" + host + ":" + std::to_string(port);
}

// Where a link that needs no hub (a URL snapshot) is best opened: the public
// review site if there is one.
std::string shareableUrl(const HubOptions& options, uint16_t port) {
  if (options.publicUrl.empty()) return localUrl(options, port);
  std::string url = options.publicUrl;
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

struct Hub::Impl {
  HubOptions options;
  // Before ioc: the sessions that ioc's handlers hold unregister from it
  // when ioc is destroyed.
  SessionTimers sessionTimers;
  asio::io_context ioc;
  asio::steady_timer sessionTick{ioc};
  asio::steady_timer acceptPause{ioc};
  // The session tick's: see returnFreedMemory.
  uint64_t unloadedAtLastTrim = 0;
  std::chrono::steady_clock::time_point lastTrim{};
  tcp::acceptor acceptor{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};
  std::unique_ptr<store::Store> store;
  std::shared_ptr<RedisBus> bus;  // --bus; before the rooms, which hold it
  std::shared_ptr<RoomRegistry> rooms;
  std::shared_ptr<SignalingRelay> signaling;
  std::shared_ptr<ConnectionLimiter> limiter;
  // Each plan's WebRTC room secret (DATA/room-secrets.json); null without
  // documents. Shared: the hub's own y-webrtc peer holds it too.
  std::shared_ptr<RoomSecrets> secrets;
  std::shared_ptr<PlanService> plans;
  // The hub's own y-webrtc peer (--no-p2p: none); its client side of TLS.
  asio::ssl::context tls{asio::ssl::context::tls_client};
  std::shared_ptr<HubPeer> peer;
  std::shared_ptr<McpEndpoint> mcp;
  std::shared_ptr<Router> router;
  // Work that must not hold an io thread, one job at a time: create_plan's
  // markdown conversions (PlanService) and returning freed memory to the
  // kernel. After `plans`: stopped and joined before it goes.
  asio::thread_pool background{1};
  uint16_t port = 0;
  // Connections share a fixed set of strands, as Asio's own
  // io_context::strand shares a fixed set of implementations: one strand
  // per connection costs about 100 bytes on each of thousands of idle
  // connections, and a connection's handlers are short (rooms run on strands
  // of their own).
  static constexpr size_t kConnectionStrands = 64;
  std::vector<asio::strand<asio::io_context::executor_type>> connectionStrands;
  size_t nextStrand = 0;

  void accept() {
    if (connectionStrands.empty()) {
      for (size_t i = 0; i < kConnectionStrands; ++i) connectionStrands.push_back(asio::make_strand(ioc));
    }
    auto& strand = connectionStrands[nextStrand++ % connectionStrands.size()];
    acceptor.async_accept(strand, [this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) {
        if (ec == asio::error::operation_aborted) return;
        static LogThrottle throttle;
        if (auto withheld = throttle.allow())
          spdlog::warn("accept: {}{}", ec.message(),
                       *withheld ? fmt::format(" ({} more not logged)", *withheld) : std::string());
        // Out of descriptors (or kernel memory): the pending connection stays
        // in the backlog and accept would fail again at once, in a busy loop.
        // Pause, as nginx and Asio's servers do, and keep serving the
        // connections we have meanwhile.
        if (resourceExhausted(ec)) {
          acceptPause.expires_after(kAcceptPause);
          acceptPause.async_wait([this](boost::system::error_code waitEc) {
            if (!waitEc && acceptor.is_open()) accept();
          });
          return;
        }
      } else {
        boost::system::error_code addrEc;
        // Relayed edits are small and latency-bound; Nagle would hold them for the peer's delayed ACK (40 ms).
        socket.set_option(tcp::no_delay(true), addrEc);
        auto endpoint = socket.remote_endpoint(addrEc);
        std::string address = addrEc ? "?" : endpoint.address().to_string();
        ConnectionToken token;
        bool ok = limiter->tryAcquire(address, &token);
        if (!ok) {
          static LogThrottle throttle;
          if (auto withheld = throttle.allow())
            spdlog::warn("{} has {} connections open; refusing more{}", address, options.maxConnsPerIp,
                         *withheld ? fmt::format(" ({} more refusals not logged)", *withheld) : std::string());
        }
        std::make_shared<HttpSession>(std::move(socket), router, std::move(token), !ok)->run();
      }
      if (acceptor.is_open()) accept();
    });
  }

  void tickSessions() {
    sessionTick.expires_after(std::chrono::seconds(1));
    sessionTick.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      sessionTimers.tick();
      returnFreedMemory();
      tickSessions();
    });
  }

  // glibc keeps the memory of freed documents in its arenas, so after a wave
  // of documents is unloaded the hub's RSS stays at its peak (400 plans
  // created and unloaded: 44 MB before, 17.5 MB after malloc_trim). A trim
  // scans the heap with each arena locked (130-160 ms for a fragmented 200 MB
  // heap), so it runs at most every 5 s, once 64 documents were unloaded
  // since the last one (or every document is), and on the background thread,
  // not on an io thread that has connections to serve meanwhile.
  void returnFreedMemory() {
    uint64_t unloaded = metrics().documentsUnloadedTotal.load(std::memory_order_relaxed);
    uint64_t since = unloaded - unloadedAtLastTrim;
    bool wave = since >= 64 || (since > 0 && metrics().documentsLoaded.load(std::memory_order_relaxed) == 0);
    auto now = std::chrono::steady_clock::now();
    if (!wave || now - lastTrim < std::chrono::seconds(5)) return;
    asio::post(background, [] { malloc_trim(0); });
    lastTrim = now;
    unloadedAtLastTrim = unloaded;
  }

  Status startPeer();

  // After the io_context stopped (or never ran): the peer's connections end on
  // it, so it runs once more while they do (the listener is closed; nothing
  // new arrives).
  void stopPeer() {
    if (!peer) return;
    ioc.restart();
    std::thread drive([this] {
      auto guard = asio::make_work_guard(ioc);
      ioc.run();
    });
    peer->stop();
    ioc.stop();
    drive.join();
    peer.reset();
  }

  void shutdown() {
    boost::system::error_code ec;
    acceptor.close(ec);
    sessionTick.cancel();
    acceptPause.cancel();
    if (bus) bus->stop();
    signals.cancel(ec);
    ioc.stop();
  }
};

namespace {

// For the hub's awareness entry: the agent's machine, as reviewers know it.
std::string machineName() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0 || !name[0]) return "unnamed";
  return name;
}

}  // namespace

Status Hub::Impl::startPeer() {
  Impl& impl = *this;
  if (!options.p2p || !impl.secrets) return Status::Ok();
  HubPeerOptions peerOptions;
  for (const auto& url : options.signalingUrls) peerOptions.relays.push_back(url);
  if (std::string site = signalingUrlOf(options.publicUrl); !site.empty() &&
      std::find(peerOptions.relays.begin(), peerOptions.relays.end(), site) == peerOptions.relays.end())
    peerOptions.relays.push_back(site);
  if (peerOptions.relays.empty()) {
    spdlog::info("webrtc: no signaling relay configured (publicUrl or signaling); the hub joins no WebRTC rooms");
    return Status::Ok();
  }
  peerOptions.iceServers = options.iceServers;
  peerOptions.turnRestServers = options.turnRestServers;
  peerOptions.maxRooms = options.p2pMaxRooms;
  peerOptions.maxPeersPerRoom = options.p2pMaxPeers;
  peerOptions.maxPeers = options.p2pMaxPeersTotal;
  peerOptions.recent = std::chrono::hours(24) * options.p2pRecentDays;
  peerOptions.name = machineName();
  peerOptions.session.maxMessageBytes = options.maxMessageBytes;
  peerOptions.session.maxQueuedBytes = options.maxQueuedBytes;
  impl.tls.set_default_verify_paths();  // SSL_CERT_FILE / SSL_CERT_DIR are honoured
  std::vector<std::string> relays = peerOptions.relays;
  Status s = HubPeer::create(impl.ioc, impl.tls, impl.rooms, impl.secrets, std::move(peerOptions), &impl.peer);
  if (s.code() == StatusCode::kFailedPrecondition) {
    // No GStreamer WebRTC plugins: the hub still serves; reviewers need the author's browser.
    spdlog::warn("webrtc: the hub cannot join WebRTC rooms: {}", s.message());
    return Status::Ok();
  }
  if (!s.ok()) return s;
  impl.peer->start();
  spdlog::info("webrtc: the hub joins the rooms of plans under review through {}", fmt::join(relays, ", "));
  return Status::Ok();
}

Hub::Hub(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Hub::~Hub() {
  if (!impl_) return;
  impl_->stopPeer();  // when run() did not
  // A conversion still running would go on to open a room.
  impl_->background.stop();
  impl_->background.join();
  // Rooms may hold updates the store has not committed yet; the store's
  // destructor commits everything queued.
  if (impl_->rooms) impl_->rooms->clear();
  impl_->store.reset();
}

Status Hub::Create(const HubOptions& options, std::unique_ptr<Hub>* out) {
  raiseFileLimit();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  RedisTarget busTarget;
  if (options.serveDocuments && !options.busUrl.empty()) {
    if (options.postgresUrl.empty()) {
      return Status::InvalidArgument(
          "--bus needs --store postgres://...: replicas share their documents through PostgreSQL, and a SQLite "
          "store belongs to one hub");
    }
    Status s = parseRedisUrl(options.busUrl, &busTarget);
    if (!s.ok()) return s;
    if (!options.busPassword.empty()) {
      if (!busTarget.password.empty())
        return Status::InvalidArgument("--bus-password-file and a password in --bus: give it in one place");
      busTarget.password = options.busPassword;
    }
    if (!busTarget.user.empty() && busTarget.password.empty())
      return Status::InvalidArgument("--bus names a user but no password (in the URL or --bus-password-file)");
    // A refused password or database is a mistake to say now, not a retry
    // loop in the log; a Redis not up yet is waited for, as after a restart.
    bool reachable = false;
    if (s = checkRedis(busTarget, &reachable); !s.ok()) return s;
    if (!reachable) spdlog::warn("bus: {} does not answer yet; the replica keeps trying", busTarget.describe());
  }
  if (options.serveDocuments) {
    store::StoreOptions storeOptions;
    storeOptions.dir = options.dataDir;
    storeOptions.postgresUrl = options.postgresUrl;
    storeOptions.sync = options.sync;
    Status s = store::Store::Open(storeOptions, &impl->store);
    if (!s.ok()) return s;
  }

  boost::system::error_code ec;
  auto address = asio::ip::make_address(options.host, ec);
  if (ec) return Status::InvalidArgument("--host '" + options.host + "' is not an IP address");
  tcp::endpoint endpoint(address, options.port);
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::FailedPrecondition("cannot listen on " + options.host + ":" + std::to_string(options.port) + ": " +
                                      ec.message());
  }
  impl->port = impl->acceptor.local_endpoint().port();

  impl->limiter = std::make_shared<ConnectionLimiter>(options.maxConnsPerIp);
  impl->signaling = std::make_shared<SignalingRelay>(SignalingLimits{options.maxTopicsPerConn, 1024});
  if (impl->store) {
    RoomOptions roomOptions{options.unloadGrace, options.awarenessTimeout, options.threads > 1};
    // The snapshot of the awareness table a joiner gets on connect is at most
    // this budget (plus a few bytes), so it never trips the joiner's own
    // slow-consumer limit.
    roomOptions.awareness.maxTotalStateBytes =
        std::min(roomOptions.awareness.maxTotalStateBytes, options.maxQueuedBytes / 4);
    roomOptions.document.maxBytes = options.maxDocumentBytes;
    roomOptions.document.maxPendingBytes = std::min(roomOptions.document.maxPendingBytes, options.maxDocumentBytes);
    if (!options.busUrl.empty()) {
      std::random_device rd;
      uint64_t replica = 0;
      while (replica == 0) replica = (uint64_t{rd()} << 32) ^ rd();
      impl->bus = std::make_shared<RedisBus>(impl->ioc, busTarget, replica);
      impl->bus->start();
      roomOptions.bus = impl->bus;
      impl->signaling->setBus(impl->bus);
      spdlog::info("replica {:016x} of a team server: news through {}", replica, busTarget.describe());
    }
    impl->rooms = std::make_shared<RoomRegistry>(impl->ioc.get_executor(), *impl->store, roomOptions);
  }
  HubOptions& opts = impl->options;
  if (opts.serveWeb && opts.webDir.empty()) {
    std::error_code fsEc;
    opts.webDir = StaticFiles::locate(std::filesystem::read_symlink("/proc/self/exe", fsEc));
  }
  auto access = std::make_shared<const AccessControl>(opts.tokenSecret);
  if (impl->rooms) {
    // With access control on, create_plan's links carry a reviewer's token for their plan.
    PlanService::ShareToken shareToken;
    if (access->enabled())
      shareToken = [access, ttl = opts.shareTokenTtl](const std::string& planId) {
        return access->reviewerToken(planId, ttl);
      };
    // Kept in the data directory even with a PostgreSQL store: replicas of a
    // team server do not share them yet (docs/team-server.md).
    // (A PostgreSQL store leaves the directory to us: made owner-only as SQLite's is.)
    if (!opts.dataDir.empty()) {
      std::error_code dirEc;
      if (!std::filesystem::is_directory(opts.dataDir, dirEc)) {
        std::filesystem::create_directories(opts.dataDir, dirEc);
        std::filesystem::permissions(opts.dataDir, std::filesystem::perms::owner_all, dirEc);
      }
      std::unique_ptr<RoomSecrets> secrets;
      if (Status s = RoomSecrets::open(opts.dataDir / "room-secrets.json", &secrets); !s.ok()) return s;
      impl->secrets = std::move(secrets);
    }
    impl->plans = std::make_shared<PlanService>(impl->rooms, impl->ioc.get_executor(), localUrl(opts, impl->port),
                                                shareableUrl(opts, impl->port), impl->background.get_executor(),
                                                std::move(shareToken), impl->secrets);
    impl->plans->start();
    if (Status s = impl->startPeer(); !s.ok()) return s;
    mcp::PlanToolLimits toolLimits;
    toolLimits.progressIntervalMs = opts.mcpProgressInterval.count();
    McpLimits mcpLimits;
    // Replicas of a team server share the token secret: with a key derived
    // from it they serve each other's MCP sessions (a replica's death does
    // not end its agents' sessions).
    if (!opts.tokenSecret.empty()) mcpLimits.sessionKey = auth::signature(opts.tokenSecret, "roundtable MCP session ids");
    impl->mcp = std::make_shared<McpEndpoint>(mcp::makePlanTools(impl->plans, toolLimits), mcpLimits);
  }
  impl->router = std::make_shared<Router>(Router::Parts{&impl->options, impl->port, impl->rooms, impl->signaling,
                                                        impl->store.get(), impl->limiter, impl->mcp,
                                                        &impl->sessionTimers, access, impl->secrets, impl->plans,
                                                        impl->bus});
  out->reset(new Hub(std::move(impl)));
  return Status::Ok();
}

uint16_t Hub::port() const { return impl_->port; }

void Hub::run() {
  Impl& impl = *impl_;
  impl.signals.async_wait([&impl](boost::system::error_code ec, int signal) {
    if (ec) return;
    spdlog::info("signal {} received, shutting down", signal);
    impl.shutdown();
  });
  impl.accept();
  impl.tickSessions();
  std::string host = impl.options.host.find(':') != std::string::npos ? "[" + impl.options.host + "]" : impl.options.host;
  spdlog::info("listening on http://{}:{}{}", host, impl.port,
               impl.store ? fmt::format(" (documents in {})", impl.store->location()) : std::string());
  std::vector<std::thread> threads;
  for (int i = 1; i < std::max(1, impl.options.threads); ++i) threads.emplace_back([&impl] { impl.ioc.run(); });
  impl.ioc.run();
  for (auto& t : threads) t.join();
  impl.stopPeer();
  if (impl.store) impl.store->flush();
  spdlog::info("stopped");
}

void Hub::stop() {
  asio::post(impl_->ioc, [impl = impl_.get()] { impl->shutdown(); });
}

}  // namespace roundtable::hub
