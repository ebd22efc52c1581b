// Hub load benchmark: a y-websocket load client, run against the JavaScript
// reference server (@y/websocket-server) and against `roundtable serve` by
// bench/run_hub_bench.sh, which compares the two.
//
//   roundtable_hub_load --port P [--host 127.0.0.1] [--scenario fanout|breadth|all]
//                       [--server-pid PID] [--label NAME] [--json FILE] ...
//
// Every simulated client is an Asio socket on one io_context (one thread, so
// the server under test has the other core) with its own minimal WebSocket
// framing (see Load::readFrames for why), speaking the
// y-websocket protocol itself (sync step 1 / step 2 / update, awareness) and
// owning a roundtable::crdt::Doc with its own client id. An edit is a text
// insert in one transaction; the v1 update from Doc::onUpdate is what is sent.
//
// Document shape: before connecting, every client applies the same small
// seed update (client id 1: --seed-chars of filler text followed by one marker
// character per client of the document); the first client of each document
// also sends the seed to the server. Client k then types at the end of its
// own paragraph (after marker k, before marker k+1), so every update names
// both neighbours (origin and right origin) and the server integrates it
// without scanning other clients' text, as when people edit different
// paragraphs of one plan. Clients never apply what they receive (that would
// measure the client, not the server).
//
// Latency: the sender stamps each update when it hands it to its socket; the
// receipt time is when the bytes reached the receiving socket, as the kernel
// stamps them (SO_TIMESTAMPNS; for TCP, the stamp of the last segment a read
// returned, so a frame read together with later ones counts as late as they).
// That is the server's latency, without the time this one-threaded client
// takes to get round to each of its sockets (with 100 receivers per update,
// several hundred microseconds for the last one: reported as
// client_delay_p99_ms). --app-receipt stamps when the client reads instead.
// A receiver identifies what it got by (client id, clock range), decoded from
// the update's struct headers. (crdt::stateVectorFromUpdate cannot be used:
// like yjs's encodeStateVectorFromUpdate it only counts a client whose
// structs start at clock 0, so it returns an empty vector for every update
// after a client's first.) Latency = receipt time at each OTHER client of the
// document - send time; the server's echo to the sender is read and ignored.
// Percentiles count an update that never arrived (within the grace period)
// as infinitely late, so a server that drops or lags cannot look fast.
//
// Scenarios:
//   fanout   1 document, --clients (100) clients, all of them sending,
//            paced open-loop (a 1 ms timer issues rate x elapsed updates,
//            round-robin over the clients). After --warmup-seconds:
//            (a) latency at a fixed moderate rate (--latency-rate) for
//                --latency-seconds: p50 / p99 / max send -> receipt;
//            (b) sustained throughput: steps of --step-seconds at rates
//                --start-rate x --rate-factor^k; a step passes when, within
//                --grace-seconds after it, >= 99.9% of the (update, receiver)
//                pairs arrived and p99 <= --p99-bound-ms (so the backlog did
//                not grow). After the first failing step, --refine geometric
//                bisection steps between the last pass and the first fail.
//                Sustained = the highest passing rate (updates/s, each
//                delivered to the clients-1 others).
//   breadth  --docs (1000) documents x --clients-per-doc (5) clients (5000
//            connections), then edits by random clients of random documents
//            at --breadth-rate updates/s in total for --breadth-seconds.
//            Server memory (VmRSS of --server-pid) before any client
//            connects, after every document is loaded (all clients synced),
//            and at the end; memory per loaded document = (loaded - idle) /
//            docs (it includes the server's cost of the document's clients).
//
// Output: progress and human tables on stderr; one JSON line per scenario on
// stdout (or appended to --json FILE). Client CPU time (getrusage) and the
// server's CPU time (/proc/PID/stat) are reported for every phase, to show
// whether the load client or the server was the bottleneck.
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <utility>  // before Boost: asio 1.74's awaitable.hpp uses std::exchange without it

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <unordered_map>
#include <vector>

#include <CLI/CLI.hpp>

#include "lib0/decoder.h"
#include "lib0/encoder.h"
#include "crdt/string_pool.h"
#include "crdt/structs/struct.h"
#include "crdt/update/decoded_update.h"
#include "roundtable/crdt/doc.h"

namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
// A socket bound to the io_context's own executor (not the polymorphic
// any_executor, whose copies showed up in profiles of this client).
using Socket = net::basic_stream_socket<tcp, net::io_context::executor_type>;
using roundtable::crdt::Clock;
using roundtable::crdt::ClientId;

namespace {

// ---------------------------------------------------------------------------
// Time, CPU, memory.

inline int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
// The clock of the kernel's receive timestamps.
inline int64_t realtimeNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

double clientCpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

// utime + stime of a process (all its threads), seconds; -1 when unknown.
double processCpuSeconds(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  size_t p = s.rfind(')');
  if (p == std::string::npos) return -1;
  std::istringstream in(s.substr(p + 2));
  std::string field;
  // Fields after the name start at field 3 (state); utime is 14, stime 15.
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && in >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

// CPU time the whole machine spent busy (all cores, /proc/stat), seconds.
double machineBusySeconds() {
  std::ifstream f("/proc/stat");
  std::string cpu;
  unsigned long long v[8] = {};
  f >> cpu;
  for (auto& x : v) f >> x;
  // user nice system idle iowait irq softirq steal
  return double(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / double(sysconf(_SC_CLK_TCK));
}

std::string loadAverage() {
  std::ifstream f("/proc/loadavg");
  std::string one;
  f >> one;
  return one.empty() ? "null" : one;
}

// The sum over several processes (a server of several replicas); -1 when
// any is unknown, so a dead replica does not pass for a cheap one.
double processesCpuSeconds(const std::vector<int>& pids) {
  if (pids.empty()) return -1;
  double sum = 0;
  for (int pid : pids) {
    double s = processCpuSeconds(pid);
    if (s < 0) return -1;
    sum += s;
  }
  return sum;
}

// VmRSS of a process in KiB; -1 when unknown.
long long processRssKiB(int pid) {
  if (pid <= 0) return -1;
  std::ifstream f("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

long long processesRssKiB(const std::vector<int>& pids) {
  if (pids.empty()) return -1;
  long long sum = 0;
  for (int pid : pids) {
    long long k = processRssKiB(pid);
    if (k < 0) return -1;
    sum += k;
  }
  return sum;
}

// ---------------------------------------------------------------------------
// Latency histogram in microseconds: exact below 1024 us, then 64 sub-buckets
// per power of two (< 1.6% error).

class Hist {
 public:
  void add(uint64_t us) {
    ++b_[idx(us)];
    ++n_;
    if (us > max_) max_ = us;
  }
  uint64_t count() const { return n_; }
  uint64_t max() const { return max_; }
  // The q-quantile among `total` samples of which only count() arrived (the
  // rest count as +infinity): nullopt when it falls among the missing.
  std::optional<uint64_t> quantile(double q, uint64_t total) const {
    if (total == 0) return std::nullopt;
    uint64_t rank = std::max<uint64_t>(1, uint64_t(std::ceil(q * double(total))));
    if (rank > n_) return std::nullopt;
    uint64_t seen = 0;
    for (size_t i = 0; i < b_.size(); ++i) {
      seen += b_[i];
      if (seen >= rank) return std::min(upper(i), max_);
    }
    return max_;
  }

 private:
  static constexpr size_t kBuckets = 1024 + 54 * 64;
  static size_t idx(uint64_t v) {
    if (v < 1024) return v;
    int e = 63 - __builtin_clzll(v);
    return 1024 + size_t(e - 10) * 64 + ((v >> (e - 6)) & 63);
  }
  static uint64_t upper(size_t i) {
    if (i < 1024) return i;
    size_t j = i - 1024;
    int e = int(j / 64) + 10;
    uint64_t sub = j % 64;
    return ((64 + sub + 1) << (e - 6)) - 1;
  }
  std::array<uint64_t, kBuckets> b_{};
  uint64_t n_ = 0;
  uint64_t max_ = 0;
};

// ---------------------------------------------------------------------------
// y-websocket framing (y-protocols sync.js / awareness.js over lib0).

constexpr uint64_t kMsgSync = 0, kMsgAwareness = 1;
constexpr uint64_t kSyncStep1 = 0, kSyncStep2 = 1, kSyncUpdate = 2;

std::vector<uint8_t> syncMessage(uint64_t syncType, std::span<const uint8_t> payload) {
  roundtable::lib0::Encoder enc;
  enc.writeVarUint(kMsgSync);
  enc.writeVarUint(syncType);
  enc.writeVarUint8Array(payload);
  return enc.take();
}

std::vector<uint8_t> awarenessMessage(ClientId client, uint64_t clock, std::string_view stateJson) {
  roundtable::lib0::Encoder upd;
  upd.writeVarUint(1);
  upd.writeVarUint(client);
  upd.writeVarUint(clock);
  upd.writeVarString(stateJson);
  roundtable::lib0::Encoder enc;
  enc.writeVarUint(kMsgAwareness);
  enc.writeVarUint8Array(upd.data());
  return enc.take();
}

// Calls f(client, begin, end) for each run of content a v1 update carries
// (Skips are holes, not content). Fast path for the structs this benchmark
// makes (strings, deleted, GC, skip, JSON/binary/embed/format/type); anything
// else goes through the CRDT's own decoder. Throws lib0::DecodeError.
constexpr ClientId kClientIdA = 0x10000001, kClientIdB = 0x10000002;

template <class F>
void forEachClockRun(std::span<const uint8_t> update, F&& f) {
  using roundtable::lib0::Decoder;
  Decoder dec(update);
  uint64_t numClients = dec.readVarUint();
  for (uint64_t c = 0; c < numClients; ++c) {
    uint64_t numStructs = dec.readVarUint();
    ClientId client = dec.readVarUint();
    Clock clock = dec.readVarUint();
    Clock runStart = clock;
    for (uint64_t s = 0; s < numStructs; ++s) {
      uint8_t info = dec.readUint8();
      uint8_t ref = info & 0x1f;
      Clock len = 0;
      if (ref == roundtable::crdt::kStructGCRef) {
        len = dec.readVarUint();
      } else if (ref == roundtable::crdt::kStructSkipRef) {
        len = dec.readVarUint();
        if (clock > runStart) f(client, runStart, clock);
        clock += len;
        runStart = clock;
        continue;
      } else {
        if (info & 0x80) { dec.readVarUint(); dec.readVarUint(); }
        if (info & 0x40) { dec.readVarUint(); dec.readVarUint(); }
        if ((info & 0xc0) == 0) {
          if (dec.readVarUint() == 1) {
            dec.readUint8Array(dec.readVarUint());  // parent root name
          } else {
            dec.readVarUint();
            dec.readVarUint();
          }
          if (info & 0x20) dec.readUint8Array(dec.readVarUint());  // parentSub
        }
        switch (ref) {
          case 1:  // deleted
            len = dec.readVarUint();
            break;
          case 2: {  // JSON
            len = dec.readVarUint();
            for (Clock i = 0; i < len; ++i) dec.readUint8Array(dec.readVarUint());
            break;
          }
          case 3:  // binary
          case 5:  // embed
            dec.readUint8Array(dec.readVarUint());
            len = 1;
            break;
          case 4: {  // string: length in UTF-16 code units
            auto bytes = dec.readUint8Array(dec.readVarUint());
            for (uint8_t b : bytes) len += ((b & 0xc0) != 0x80) + (b >= 0xf0);
            break;
          }
          case 6:  // format
            dec.readUint8Array(dec.readVarUint());
            dec.readUint8Array(dec.readVarUint());
            len = 1;
            break;
          case 7: {  // type
            uint64_t typeRef = dec.readVarUint();
            if (typeRef == 3 || typeRef == 5) dec.readUint8Array(dec.readVarUint());
            len = 1;
            break;
          }
          default: {  // any / doc: let the real decoder do it
            roundtable::crdt::StringPool pool;
            auto decoded = roundtable::crdt::decodeUpdateV1(update, pool);
            for (auto& cs : decoded.clients) {
              for (auto* st : cs.refs) {
                if (!st->isSkip()) f(st->id.client, st->id.clock, st->id.clock + st->length);
              }
            }
            return;
          }
        }
      }
      clock += len;
    }
    if (clock > runStart) f(client, runStart, clock);
  }
}

// --self-test: the fast path must agree with the CRDT's decoder on single,
// merged and multi-client updates (what a hub may relay instead of the
// original updates).
int selfTest() {
  using namespace roundtable::crdt;
  std::vector<std::vector<uint8_t>> all;
  Doc a(DocOptions{kClientIdA, true}), b(DocOptions{kClientIdB, true});
  a.onUpdate([&](std::span<const uint8_t> u, const void*) { all.emplace_back(u.begin(), u.end()); });
  b.onUpdate([&](std::span<const uint8_t> u, const void*) { all.emplace_back(u.begin(), u.end()); });
  auto ta = a.getText("plan"), tb = b.getText("plan");
  for (int i = 0; i < 20; ++i) {
    a.transact([&](Transaction&) { (void)ta.insert(ta.length(), "h\xc3\xa9llo \xf0\x9f\x98\x80"); });
    b.transact([&](Transaction&) { (void)tb.insert(0, "abc"); });
    if (i % 5 == 4) a.transact([&](Transaction&) { (void)ta.erase(1, 2); });
  }
  std::vector<uint8_t> merged;
  if (!mergeUpdates(all, &merged).ok()) return 1;
  all.push_back(merged);
  all.push_back(a.encodeStateAsUpdate());
  int bad = 0;
  for (auto& u : all) {
    std::vector<std::array<uint64_t, 3>> fast, slow;
    forEachClockRun(u, [&](ClientId c, Clock x, Clock y) { fast.push_back({c, x, y}); });
    StringPool pool;
    auto d = decodeUpdateV1(u, pool);
    for (auto& cs : d.clients) {
      for (auto* st : cs.refs) {
        if (st->isSkip()) continue;
        if (!slow.empty() && slow.back()[0] == st->id.client && slow.back()[2] == st->id.clock) {
          slow.back()[2] = st->id.clock + st->length;
        } else {
          slow.push_back({st->id.client, st->id.clock, st->id.clock + st->length});
        }
      }
    }
    if (fast != slow) ++bad;
  }
  std::fprintf(stderr, "self-test: %zu updates, %d disagreements\n", all.size(), bad);
  return bad ? 1 : 0;
}

// ---------------------------------------------------------------------------
// The load client.

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string scenario = "all";
  std::string label = "server";
  std::string origin;
  std::string pathPrefix = "/yjs/";
  std::string jsonFile;
  std::vector<int> serverPids;  // the server's processes: their CPU and VmRSS are summed
  std::vector<int> auxPids;     // what serves the server (PostgreSQL, Redis, HAProxy): CPU only
  int editChars = 8;
  int seedChars = 1024;
  bool kernelReceipt = true;  // receipt = the kernel's timestamp (see the top of the file)
  int connectConcurrency = 200;
  double warmupSeconds = 2;
  // fanout
  int clients = 100;
  double latencyRate = 500;
  double latencySeconds = 10;
  double stepSeconds = 3;
  double graceSeconds = 1;
  double startRate = 500;
  double rateFactor = 2;
  double maxRate = 256000;
  int refine = 2;
  double p99BoundMs = 100;
  // breadth
  int docs = 1000;
  int clientsPerDoc = 5;
  double breadthRate = 2000;
  double breadthSeconds = 10;
};

struct Sent {
  Clock start, end;
  int64_t tNs;
  uint32_t phase;
  int64_t firstNs = 0, lastNs = 0;  // earliest and latest receipt at another client
};

struct PhaseStats {
  uint64_t sent = 0;
  uint64_t expected = 0;  // (update, receiver) pairs
  uint64_t received = 0;
  uint64_t receivedByDeadline = 0;
  int64_t deadlineNs = INT64_MAX;
  Hist hist;
  Hist lag;  // how late the 1 ms pacing timer ran: the load client's own event-loop delay
  Hist clientDelay;  // from the kernel's receipt to this client's read, per read
};

class Load;

struct Conn {
  Conn(net::io_context& ioc, Load& load, size_t index, ClientId clientId, int docIdx, int local)
      : sock(ioc.get_executor()), load(load), index(index), clientId(clientId), docIdx(docIdx), local(local),
        doc(roundtable::crdt::DocOptions{clientId, true}) {}
  Socket sock;
  Load& load;
  size_t index;
  ClientId clientId;
  int docIdx;
  int local;  // index among the clients of its document
  roundtable::crdt::Doc doc;
  roundtable::crdt::Text text;
  std::vector<uint8_t> lastUpdate;
  size_t ownLen = 0;  // UTF-16 units this client inserted
  Clock clock = 0;    // its next clock
  std::vector<Sent> sent;
  std::vector<Clock> watermark;  // per sender (local index): clocks received up to
  std::vector<uint8_t> rbuf;  // received bytes [0, rlen)
  size_t rlen = 0;
  std::string handshake;      // the HTTP response while it is being read
  void queue(const std::vector<uint8_t>& message);
  std::vector<uint8_t> outbuf;   // framed messages not yet handed to the socket
  size_t outCount = 0;           // ... how many
  std::vector<uint8_t> writing;  // the bytes of the write in flight
  bool writing_ = false;
  bool open = false;
  bool synced = false;
  bool failed = false;
};

class Load {
 public:
  // One thread and no other: the io_context needs no locking.
  Load(Options o) : o_(std::move(o)), ioc_(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE) {
    if (o_.origin.empty()) o_.origin = "http://" + o_.host + ":" + std::to_string(o_.port);
    std::random_device rd;
    nonce_ = std::to_string(rd() % 1000000);
    rng_ = (uint64_t(rd()) << 32) ^ rd() ^ 0x9E3779B97F4A7C15ull;
    endpoint_ = tcp::endpoint(net::ip::make_address(o_.host), o_.port);
  }

  int run();

  // Called by connections.
  void onMessage(Conn& c, std::span<const uint8_t> msg, int64_t t);
  void connDone(Conn& c, const char* what, beast::error_code ec);
  void startWrite(Conn& c);
  void readFrames(Conn& c, int64_t t);
  void receive(Conn& c);

 private:
  struct PhaseResult {
    std::string name;
    double rate = 0;         // offered (target) updates/s
    double seconds = 0;
    double sentRate = 0;     // what the client actually issued
    double deliveredRate = 0;  // updates/s delivered to all receivers: receivedByDeadline / (receivers) / seconds
    double deliveriesPerSec = 0;
    double deliveredFrac = 0;
    std::optional<uint64_t> p50, p99;
    uint64_t maxUs = 0;
    double clientCpu = 0, serverCpu = -1;  // fraction of one core
    double auxCpu = -1;   // the --aux-pid processes
    double restCpu = -1;  // the rest of the machine: other processes, interrupts (cores)
    uint64_t skipped = 0;
    std::optional<uint64_t> lag99;
    std::optional<uint64_t> clientDelay99;
    // Per update: to its first receiver (the server's own delay before it
    // sends), and from its first receiver to its last (the fan-out).
    std::optional<uint64_t> first50, first99, spread50, spread99;
    bool pass = false;
  };

  void setupDocs(const std::string& prefix, int docs, int perDoc);
  bool connectAll(double timeoutSeconds);
  void startConnect(Conn& c);
  void sendEdit(Conn& c);
  void pacerTick();
  void runFor(double seconds);
  void runUntil(int64_t deadlineNs);
  bool drain(double timeoutSeconds);
  PhaseResult runPhase(const std::string& name, double rate, double seconds, bool fanout);
  void closeAll();
  int fanout();
  int breadth();
  void printPhaseRow(const PhaseResult& r);
  std::string phaseJson(const PhaseResult& r);
  void emitJson(const std::string& line);
  uint64_t rand64() {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return rng_;
  }

  Options o_;
  net::io_context ioc_;
  tcp::endpoint endpoint_;
  std::string nonce_;
  uint64_t rng_;
  std::vector<uint8_t> seed_;
  std::vector<std::string> docNames_;
  std::vector<std::vector<size_t>> docConns_;
  std::vector<std::unique_ptr<Conn>> conns_;
  static constexpr ClientId kClientBase = 0x10000000;
  // Connecting.
  size_t nextToConnect_ = 0;
  size_t connecting_ = 0;
  size_t openCount_ = 0, syncedCount_ = 0, failedCount_ = 0;
  std::string firstError_;
  // Pacing.
  std::vector<PhaseStats> phases_;
  uint32_t phase_ = 0;  // current phase id (0 = setup, not measured)
  double rate_ = 0;
  bool fanoutMode_ = true;
  int64_t phaseStartNs_ = 0;
  uint64_t issued_ = 0;
  uint64_t skipped_ = 0;
  size_t rr_ = 0;
  bool pacing_ = false;
  std::unique_ptr<net::steady_timer> pacer_;
  uint64_t echoes_ = 0, unknownRuns_ = 0, decodeErrors_ = 0;
  std::string editText_;
};

// ---------------------------------------------------------------------------

void Load::setupDocs(const std::string& prefix, int docs, int perDoc) {
  // Seed: filler text then one marker per client, by client id 1.
  {
    roundtable::crdt::Doc seedDoc(roundtable::crdt::DocOptions{1, true});
    auto t = seedDoc.getText("plan");
    std::string s;
    static const char* words[] = {"the ", "plan ", "adds ", "a ", "hub ", "that ", "syncs ", "documents ", "over ",
                                  "websockets ", "and ", "persists ", "them. "};
    for (size_t i = 0; s.size() < size_t(o_.seedChars); ++i) s += words[i % 13];
    s.resize(o_.seedChars);
    s += std::string(perDoc, '\n');
    seedDoc.transact([&](roundtable::crdt::Transaction&) { (void)t.insert(0, s); });
    seed_ = seedDoc.encodeStateAsUpdate();
  }
  editText_.clear();
  for (int i = 0; i < o_.editChars; ++i) editText_ += char('a' + i % 26);
  docNames_.clear();
  docConns_.assign(docs, {});
  for (int d = 0; d < docs; ++d) {
    docNames_.push_back(prefix + "-" + nonce_ + (docs > 1 ? "-" + std::to_string(d) : std::string()));
    for (int k = 0; k < perDoc; ++k) {
      size_t idx = conns_.size();
      auto c = std::make_unique<Conn>(ioc_, *this, idx, kClientBase + idx, d, k);
      if (!c->doc.applyUpdate(seed_).ok()) throw std::runtime_error("seed does not apply");
      c->text = c->doc.getText("plan");
      c->watermark.assign(perDoc, 0);
      Conn* cp = c.get();
      c->doc.onUpdate([cp](std::span<const uint8_t> u, const void*) { cp->lastUpdate.assign(u.begin(), u.end()); });
      docConns_[d].push_back(idx);
      conns_.push_back(std::move(c));
    }
  }
}

void Load::startConnect(Conn& c) {
  ++connecting_;
  Conn* cp = &c;
  c.sock.async_connect(endpoint_, [this, cp](beast::error_code ec) {
    if (ec) return connDone(*cp, "connect", ec);
    cp->sock.set_option(tcp::no_delay(true));
    if (o_.kernelReceipt) {
      int on = 1;
      if (setsockopt(cp->sock.native_handle(), SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on) != 0)
        return connDone(*cp, "connect", beast::error_code(errno, beast::system_category()));
    }
    // The opening handshake by hand, like the frames (see readFrames): the
    // key is fixed, which only a real browser's intermediaries would mind.
    auto request = std::make_shared<std::string>(
        "GET " + o_.pathPrefix + docNames_[cp->docIdx] + " HTTP/1.1\r\nHost: " + o_.host + ":" +
        std::to_string(o_.port) + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
        "dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nOrigin: " + o_.origin + "\r\n\r\n");
    net::async_write(cp->sock, net::buffer(*request), [this, cp, request](beast::error_code ec, size_t) {
      if (ec) return --connecting_, connDone(*cp, "handshake", ec);
      net::async_read_until(cp->sock, net::dynamic_buffer(cp->handshake), "\r\n\r\n",
                            [this, cp](beast::error_code ec, size_t headerBytes) {
        --connecting_;
        if (ec) return connDone(*cp, "handshake", ec);
        if (cp->handshake.compare(0, 12, "HTTP/1.1 101") != 0)
          return connDone(*cp, "handshake", beast::error_code(net::error::connection_refused));
        cp->open = true;
        ++openCount_;
        if (nextToConnect_ < conns_.size() && connecting_ < size_t(o_.connectConcurrency)) {
          startConnect(*conns_[nextToConnect_++]);
        }
        cp->rbuf.resize(16 * 1024);
        cp->rlen = cp->handshake.size() - headerBytes;  // frames that came with the response
        std::memcpy(cp->rbuf.data(), cp->handshake.data() + headerBytes, cp->rlen);
        cp->handshake = {};
        readFrames(*cp, nowNs());
        // What a y-websocket client sends on open: step 1 and its awareness.
        auto sv = cp->doc.encodeStateVector();
        cp->queue(syncMessage(kSyncStep1, sv));
        cp->queue(awarenessMessage(cp->clientId, 1,
                                   "{\"user\":{\"name\":\"load-" + std::to_string(cp->index) +
                                       "\",\"color\":\"#30bced\"}}"));
        // The first client of a document brings the seed (a no-op when the
        // server already has it).
        if (cp->local == 0) cp->queue(syncMessage(kSyncUpdate, seed_));
        startWrite(*cp);
      });
    });
  });
}

// The load client parses the server's frames itself rather than through
// Beast's websocket::stream, whose per-message read cost (several µs) would
// make the client the bottleneck and add its own queueing to every latency:
// each read takes whatever the socket holds, stamps it once, and handles
// every complete frame in it. Server frames are unmasked; this client never
// sends fragmented messages and the servers under test send none.
void Load::readFrames(Conn& c, int64_t t) {
  size_t pos = 0;
  while (c.rlen - pos >= 2) {
    const uint8_t* h = c.rbuf.data() + pos;
    uint8_t opcode = h[0] & 0x0F;
    uint64_t len = h[1] & 0x7F;
    size_t hlen = 2;
    if (len == 126) hlen = 4;
    if (len == 127) hlen = 10;
    if (c.rlen - pos < hlen) break;
    if (len == 126) len = (uint64_t(h[2]) << 8) | h[3];
    if (len == 127) {
      len = 0;
      for (int i = 0; i < 8; ++i) len = (len << 8) | h[2 + i];
    }
    if (len > (64u << 20)) return connDone(c, "read", beast::error_code(net::error::message_size));
    if (c.rlen - pos < hlen + len) {
      if (hlen + len > c.rbuf.size()) {  // make room for a frame bigger than the buffer
        std::memmove(c.rbuf.data(), c.rbuf.data() + pos, c.rlen - pos);
        c.rlen -= pos;
        pos = 0;
        c.rbuf.resize(hlen + len);
      }
      break;
    }
    if (opcode == 0x8) return connDone(c, "read", beast::error_code(net::error::eof));  // the server closed
    if (opcode == 0x1 || opcode == 0x2) onMessage(c, std::span<const uint8_t>(h + hlen, len), t);
    pos += hlen + len;
  }
  std::memmove(c.rbuf.data(), c.rbuf.data() + pos, c.rlen - pos);
  c.rlen -= pos;
  receive(c);
}

// One read of what the socket holds, with the kernel's receive timestamp;
// waits for the socket only after a read found nothing (Asio's reactor is
// edge-triggered).
void Load::receive(Conn& c) {
  iovec iov{c.rbuf.data() + c.rlen, c.rbuf.size() - c.rlen};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(timespec))];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n = ::recvmsg(c.sock.native_handle(), &msg, MSG_DONTWAIT);
  if (n < 0 && errno == EINTR) return receive(c);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    Conn* cp = &c;
    c.sock.async_wait(Socket::wait_read, [this, cp](beast::error_code ec) {
      if (ec) return connDone(*cp, "read", ec);
      receive(*cp);
    });
    return;
  }
  if (n <= 0) return connDone(c, "read", n == 0 ? beast::error_code(net::error::eof)
                                                : beast::error_code(errno, beast::system_category()));
  int64_t t = nowNs();
  if (o_.kernelReceipt) {
    for (cmsghdr* cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
      if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_TIMESTAMPNS) continue;
      timespec ts;
      std::memcpy(&ts, CMSG_DATA(cm), sizeof ts);
      int64_t ago = realtimeNs() - (int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec);
      ago = std::max<int64_t>(0, ago);
      phases_[phase_].clientDelay.add(uint64_t(ago) / 1000);
      t -= ago;
    }
  }
  c.rlen += size_t(n);
  readFrames(c, t);
}

// A client frame (FIN, binary) with an all-zero masking key: the payload
// goes out as is.
void Conn::queue(const std::vector<uint8_t>& message) {
  size_t n = message.size();
  outbuf.push_back(0x82);
  if (n < 126) {
    outbuf.push_back(0x80 | uint8_t(n));
  } else if (n <= 0xFFFF) {
    outbuf.insert(outbuf.end(), {uint8_t(0x80 | 126), uint8_t(n >> 8), uint8_t(n)});
  } else {
    outbuf.push_back(0x80 | 127);
    for (int i = 7; i >= 0; --i) outbuf.push_back(uint8_t(uint64_t(n) >> (8 * i)));
  }
  outbuf.insert(outbuf.end(), 4, 0);
  outbuf.insert(outbuf.end(), message.begin(), message.end());
  ++outCount;
}

void Load::startWrite(Conn& c) {
  if (c.writing_ || c.outbuf.empty() || !c.open) return;
  c.writing_ = true;
  std::swap(c.writing, c.outbuf);
  c.outCount = 0;
  Conn* cp = &c;
  net::async_write(c.sock, net::buffer(c.writing), [this, cp](beast::error_code ec, size_t) {
    cp->writing_ = false;
    if (ec) return connDone(*cp, "write", ec);
    cp->writing.clear();
    startWrite(*cp);
  });
}

void Load::connDone(Conn& c, const char* what, beast::error_code ec) {
  if (!c.open && std::strcmp(what, "connect") != 0 && std::strcmp(what, "handshake") != 0) return;
  if (c.failed) return;
  if (std::strcmp(what, "connect") == 0) --connecting_;
  c.failed = true;
  if (c.open) --openCount_;
  c.open = false;
  ++failedCount_;
  if (firstError_.empty()) firstError_ = std::string(what) + ": " + ec.message();
  beast::error_code ignored;
  c.sock.close(ignored);
}

void Load::onMessage(Conn& c, std::span<const uint8_t> msg, int64_t t) {
  try {
    roundtable::lib0::Decoder dec(msg);
    uint64_t type = dec.readVarUint();
    if (type != kMsgSync) return;  // awareness, auth, query-awareness: not measured
    uint64_t syncType = dec.readVarUint();
    auto payload = dec.readVarUint8Array();
    if (syncType == kSyncStep1) {
      // Answer with what the server lacks, as y-protocols does.
      std::vector<uint8_t> diff;
      if (c.doc.encodeStateAsUpdate(payload, &diff).ok()) {
        c.queue(syncMessage(kSyncStep2, diff));
        startWrite(c);
      }
      return;
    }
    if (syncType == kSyncStep2 && !c.synced) {
      c.synced = true;
      ++syncedCount_;
    }
    if (syncType != kSyncStep2 && syncType != kSyncUpdate) return;
    const auto& peers = docConns_[c.docIdx];
    forEachClockRun(payload, [&](ClientId client, Clock a, Clock b) {
      if (client < kClientBase || client - kClientBase >= conns_.size()) {
        if (client != 1) ++unknownRuns_;
        return;
      }
      Conn& s = *conns_[client - kClientBase];
      if (s.docIdx != c.docIdx) {
        ++unknownRuns_;
        return;
      }
      if (&s == &c) {
        ++echoes_;
        return;
      }
      (void)peers;
      Clock& wm = c.watermark[s.local];
      Clock from = std::max(a, wm);
      auto it = std::lower_bound(s.sent.begin(), s.sent.end(), from,
                                 [](const Sent& x, Clock v) { return x.start < v; });
      for (; it != s.sent.end() && it->end <= b; ++it) {
        PhaseStats& ps = phases_[it->phase];
        ++ps.received;
        if (t <= ps.deadlineNs) ++ps.receivedByDeadline;
        ps.hist.add(uint64_t(std::max<int64_t>(0, t - it->tNs)) / 1000);
        if (it->firstNs == 0 || t < it->firstNs) it->firstNs = t;
        it->lastNs = std::max(it->lastNs, t);
        wm = it->end;
      }
    });
  } catch (const roundtable::lib0::DecodeError&) {
    ++decodeErrors_;
  }
}

void Load::sendEdit(Conn& c) {
  if (c.outCount > 5000) {  // the server is not reading: do not grow without bound
    ++skipped_;
    return;
  }
  size_t pos = size_t(o_.seedChars) + size_t(c.local) + 1 + c.ownLen;
  c.lastUpdate.clear();
  c.doc.transact([&](roundtable::crdt::Transaction&) { (void)c.text.insert(pos, editText_); });
  c.ownLen += editText_.size();
  Clock start = c.clock;
  c.clock += editText_.size();
  c.sent.push_back(Sent{start, c.clock, nowNs(), phase_});
  PhaseStats& ps = phases_[phase_];
  ++ps.sent;
  ps.expected += docConns_[c.docIdx].size() - 1;
  c.queue(syncMessage(kSyncUpdate, c.lastUpdate));
  startWrite(c);
}

void Load::pacerTick() {
  if (!pacing_) return;
  int64_t now = nowNs();
  {
    int64_t late = now - std::chrono::duration_cast<std::chrono::nanoseconds>(pacer_->expiry().time_since_epoch()).count();
    phases_[phase_].lag.add(uint64_t(std::max<int64_t>(0, late)) / 1000);
  }
  uint64_t due = uint64_t(rate_ * double(now - phaseStartNs_) / 1e9);
  while (issued_ < due) {
    ++issued_;
    Conn* c;
    if (fanoutMode_) {
      c = conns_[rr_++ % conns_.size()].get();
    } else {
      c = conns_[rand64() % conns_.size()].get();
    }
    if (c->open && c->synced) sendEdit(*c);
    else ++skipped_;
  }
  pacer_->expires_at(pacer_->expiry() + std::chrono::milliseconds(1));
  pacer_->async_wait([this](beast::error_code ec) {
    if (!ec) pacerTick();
  });
}

void Load::runUntil(int64_t deadlineNs) {
  for (;;) {
    int64_t left = deadlineNs - nowNs();
    if (left <= 0) return;
    ioc_.run_for(std::chrono::nanoseconds(left));
    if (ioc_.stopped()) ioc_.restart();
  }
}
void Load::runFor(double seconds) { runUntil(nowNs() + int64_t(seconds * 1e9)); }

bool Load::connectAll(double timeoutSeconds) {
  int64_t deadline = nowNs() + int64_t(timeoutSeconds * 1e9);
  while (nextToConnect_ < conns_.size() && connecting_ < size_t(o_.connectConcurrency)) {
    startConnect(*conns_[nextToConnect_++]);
  }
  while (syncedCount_ + failedCount_ < conns_.size() && nowNs() < deadline) {
    ioc_.run_for(std::chrono::milliseconds(20));
    if (ioc_.stopped()) ioc_.restart();
    while (nextToConnect_ < conns_.size() && connecting_ < size_t(o_.connectConcurrency)) {
      startConnect(*conns_[nextToConnect_++]);
    }
  }
  return syncedCount_ == conns_.size();
}

bool Load::drain(double timeoutSeconds) {
  int64_t deadline = nowNs() + int64_t(timeoutSeconds * 1e9);
  for (;;) {
    bool done = true;
    for (auto& p : phases_) {
      if (p.received < p.expected) { done = false; break; }
    }
    if (done) {
      for (auto& c : conns_) {
        if (!c->outbuf.empty() || c->writing_) { done = false; break; }
      }
    }
    if (done) return true;
    if (nowNs() >= deadline) return false;
    runFor(0.05);
  }
}

Load::PhaseResult Load::runPhase(const std::string& name, double rate, double seconds, bool fanoutMode) {
  PhaseResult r;
  r.name = name;
  r.rate = rate;
  r.seconds = seconds;
  phases_.emplace_back();
  phase_ = uint32_t(phases_.size() - 1);
  PhaseStats& ps0 = phases_[phase_];
  (void)ps0;
  rate_ = rate;
  fanoutMode_ = fanoutMode;
  issued_ = 0;
  skipped_ = 0;
  double cpu0 = clientCpuSeconds(), scpu0 = processesCpuSeconds(o_.serverPids), m0 = machineBusySeconds();
  double acpu0 = processesCpuSeconds(o_.auxPids);
  phaseStartNs_ = nowNs();
  phases_[phase_].deadlineNs = phaseStartNs_ + int64_t((seconds + o_.graceSeconds) * 1e9);
  pacing_ = true;
  pacer_ = std::make_unique<net::steady_timer>(ioc_);
  pacer_->expires_at(std::chrono::steady_clock::now());
  pacer_->async_wait([this](beast::error_code ec) {
    if (!ec) pacerTick();
  });
  runUntil(phaseStartNs_ + int64_t(seconds * 1e9));
  pacing_ = false;
  pacer_->cancel();
  int64_t sendEnd = nowNs();
  double cpu1 = clientCpuSeconds(), scpu1 = processesCpuSeconds(o_.serverPids), m1 = machineBusySeconds();
  double acpu1 = processesCpuSeconds(o_.auxPids);
  runUntil(phases_[phase_].deadlineNs);
  const PhaseStats& ps = phases_[phase_];
  double wall = double(sendEnd - phaseStartNs_) / 1e9;
  r.sentRate = double(ps.sent) / wall;
  uint64_t receivers = 0;
  if (fanoutMode) receivers = conns_.size() - 1;
  else receivers = size_t(o_.clientsPerDoc) - 1;
  r.deliveriesPerSec = double(ps.receivedByDeadline) / seconds;
  r.deliveredRate = receivers ? r.deliveriesPerSec / double(receivers) : 0;
  r.deliveredFrac = ps.expected ? double(ps.receivedByDeadline) / double(ps.expected) : 0;
  r.p50 = ps.hist.quantile(0.50, ps.expected);
  r.p99 = ps.hist.quantile(0.99, ps.expected);
  r.maxUs = ps.hist.max();
  r.lag99 = ps.lag.quantile(0.99, ps.lag.count());
  if (ps.clientDelay.count()) r.clientDelay99 = ps.clientDelay.quantile(0.99, ps.clientDelay.count());
  Hist first, spread;
  for (auto& conn : conns_)
    for (const Sent& sent : conn->sent)
      if (sent.phase == phase_ && sent.firstNs != 0) {
        first.add(uint64_t(std::max<int64_t>(0, sent.firstNs - sent.tNs)) / 1000);
        spread.add(uint64_t(sent.lastNs - sent.firstNs) / 1000);
      }
  if (first.count()) {
    r.first50 = first.quantile(0.50, first.count());
    r.first99 = first.quantile(0.99, first.count());
    r.spread50 = spread.quantile(0.50, spread.count());
    r.spread99 = spread.quantile(0.99, spread.count());
  }
  r.clientCpu = (cpu1 - cpu0) / wall;
  r.serverCpu = scpu0 >= 0 && scpu1 >= 0 ? (scpu1 - scpu0) / wall : -1;
  r.auxCpu = acpu0 >= 0 && acpu1 >= 0 ? (acpu1 - acpu0) / wall : -1;
  r.restCpu = std::max(0.0, (m1 - m0) / wall - r.clientCpu - std::max(0.0, r.serverCpu) - std::max(0.0, r.auxCpu));
  r.skipped = skipped_;
  r.pass = ps.expected > 0 && r.deliveredFrac >= 0.999 && r.p99 && double(*r.p99) <= o_.p99BoundMs * 1000 &&
           skipped_ == 0 && r.sentRate >= 0.97 * rate;
  return r;
}

std::string fmtMs(std::optional<uint64_t> us) {
  if (!us) return "lost";
  char b[32];
  std::snprintf(b, sizeof b, "%.2f", double(*us) / 1000.0);
  return b;
}
std::string jsonMs(std::optional<uint64_t> us) {
  if (!us) return "null";
  char b[32];
  std::snprintf(b, sizeof b, "%.3f", double(*us) / 1000.0);
  return b;
}
std::string num(double v, int prec = 1) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", prec, v);
  return b;
}

void Load::printPhaseRow(const PhaseResult& r) {
  std::fprintf(stderr, "  %-10s %9.0f %9.0f %11.0f %8.4f %9s %9s %9s %6.0f%% %6s %5.0f%% %7s %s%s\n",
               r.name.c_str(), r.rate, r.sentRate, r.deliveredRate, r.deliveredFrac, fmtMs(r.p50).c_str(),
               fmtMs(r.p99).c_str(), fmtMs(r.maxUs).c_str(), r.clientCpu * 100,
               r.serverCpu >= 0 ? (num(r.serverCpu * 100, 0) + "%").c_str() : "-", r.restCpu * 100,
               fmtMs(r.lag99).c_str(),
               r.pass ? "pass" : "FAIL",
               r.skipped ? (" (" + std::to_string(r.skipped) + " not sent)").c_str() : "");
}

std::string Load::phaseJson(const PhaseResult& r) {
  std::ostringstream j;
  j << "{\"name\":\"" << r.name << "\",\"rate\":" << num(r.rate, 0) << ",\"seconds\":" << num(r.seconds, 1)
    << ",\"sent_rate\":" << num(r.sentRate) << ",\"delivered_rate\":" << num(r.deliveredRate)
    << ",\"deliveries_per_s\":" << num(r.deliveriesPerSec, 0) << ",\"delivered_frac\":" << num(r.deliveredFrac, 5)
    << ",\"p50_ms\":" << jsonMs(r.p50) << ",\"p99_ms\":" << jsonMs(r.p99) << ",\"max_ms\":" << jsonMs(r.maxUs)
    << ",\"client_cpu\":" << num(r.clientCpu, 3) << ",\"server_cpu\":" << num(r.serverCpu, 3) << ",\"rest_cpu\":" << num(r.restCpu, 3)
    << ",\"aux_cpu\":" << num(r.auxCpu, 3)
    << ",\"client_lag_p99_ms\":" << jsonMs(r.lag99) << ",\"client_delay_p99_ms\":" << jsonMs(r.clientDelay99)
    << ",\"first_receipt_p50_ms\":" << jsonMs(r.first50) << ",\"first_receipt_p99_ms\":" << jsonMs(r.first99)
    << ",\"spread_p50_ms\":" << jsonMs(r.spread50) << ",\"spread_p99_ms\":" << jsonMs(r.spread99)
    << ",\"not_sent\":" << r.skipped << ",\"pass\":" << (r.pass ? "true" : "false") << "}";
  return j.str();
}

void Load::emitJson(const std::string& line) {
  if (o_.jsonFile.empty()) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
  } else {
    std::ofstream f(o_.jsonFile, std::ios::app);
    f << line << "\n";
  }
}

void Load::closeAll() {
  // Abrupt close (no websocket close handshake): the next scenario starts at once.
  for (auto& c : conns_) {
    beast::error_code ec;
    c->open = false;
    c->sock.close(ec);
  }
  runFor(0.2);
  conns_.clear();
  docConns_.clear();
  phases_.clear();
  nextToConnect_ = connecting_ = openCount_ = syncedCount_ = failedCount_ = 0;
  echoes_ = unknownRuns_ = decodeErrors_ = 0;
}

static const char* kHeader =
    "  phase         offered      sent   delivered  frac       p50 ms    p99 ms    max ms client server  rest   lag99\n"
    "                 upd/s     upd/s  upd/s(all)                                        (CPU, % of one core)      ms\n";

int Load::fanout() {
  std::fprintf(stderr, "[%s] fanout: 1 doc x %d clients, edits of %d chars\n", o_.label.c_str(), o_.clients,
               o_.editChars);
  std::string load0 = loadAverage();
  phases_.emplace_back();  // phase 0: setup
  setupDocs("bench-fanout", 1, o_.clients);
  int64_t t0 = nowNs();
  if (!connectAll(60)) {
    std::fprintf(stderr, "[%s] fanout: only %zu of %zu clients synced (%s)\n", o_.label.c_str(), syncedCount_,
                 conns_.size(), firstError_.c_str());
    return 1;
  }
  std::fprintf(stderr, "[%s] fanout: %zu clients synced in %.2f s\n", o_.label.c_str(), syncedCount_,
               double(nowNs() - t0) / 1e9);
  runFor(0.5);
  std::fprintf(stderr, "%s", kHeader);
  std::vector<PhaseResult> results;
  auto warm = runPhase("warm-up", o_.latencyRate, o_.warmupSeconds, true);
  printPhaseRow(warm);
  drain(5);
  auto lat = runPhase("latency", o_.latencyRate, o_.latencySeconds, true);
  printPhaseRow(lat);
  bool drained = drain(10);
  // Ramp.
  std::optional<double> lastPass, firstFail;
  std::vector<PhaseResult> steps;
  std::string limitedBy = "max-rate";
  bool clientBound = false;
  // A failing step is tried once more after the backlog drained, so that a
  // moment of interference from other processes does not end the ramp.
  auto step = [&](double rate) {
    bool pass = false, ok = true;
    for (int attempt = 0; attempt < 2 && !pass && ok; ++attempt) {
      auto r = runPhase(attempt ? "retry" : "step", rate, o_.stepSeconds, true);
      printPhaseRow(r);
      steps.push_back(r);
      if (!r.pass && r.sentRate < 0.97 * rate && r.skipped == 0) clientBound = true;
      pass = r.pass;
      ok = drain(15);
      if (!ok) std::fprintf(stderr, "  (backlog not drained after 15 s)\n");
    }
    return std::make_pair(pass, ok);
  };
  bool canGoOn = drained;
  for (double rate = o_.startRate; canGoOn && rate <= o_.maxRate; rate *= o_.rateFactor) {
    auto [pass, ok] = step(rate);
    if (pass) lastPass = rate;
    else {
      firstFail = rate;
      limitedBy = "server";
    }
    canGoOn = ok && pass;
  }
  if (lastPass && firstFail) {
    double lo = *lastPass, hi = *firstFail;
    for (int i = 0; i < o_.refine; ++i) {
      double mid = std::round(std::sqrt(lo * hi));
      auto [pass, ok] = step(mid);
      if (pass) lo = mid;
      else hi = mid;
      if (!ok) break;
    }
    lastPass = lo;
  }
  // Was the load client the limit? Its CPU near one core on the failing steps.
  for (auto& s : steps) {
    if (!s.pass && s.clientCpu >= 0.9) clientBound = true;
  }
  if (clientBound && limitedBy == "server") limitedBy = "client?";
  double sustained = lastPass.value_or(0);
  std::fprintf(stderr,
               "[%s] fanout: latency at %.0f upd/s: p50 %s ms, p99 %s ms, max %s ms; sustained %.0f upd/s "
               "(%.0f deliveries/s; limited by %s); %llu echoes, %llu unknown runs, %llu decode errors, %zu "
               "connection errors%s\n",
               o_.label.c_str(), o_.latencyRate, fmtMs(lat.p50).c_str(), fmtMs(lat.p99).c_str(),
               fmtMs(lat.maxUs).c_str(), sustained, sustained * (o_.clients - 1), limitedBy.c_str(),
               (unsigned long long)echoes_, (unsigned long long)unknownRuns_, (unsigned long long)decodeErrors_,
               failedCount_, firstError_.empty() ? "" : (" (" + firstError_ + ")").c_str());
  std::fprintf(stderr, "[%s] fanout: latency per update: to its first receiver p50 %s ms, p99 %s ms; first to last receiver p50 %s ms, p99 %s ms\n",
               o_.label.c_str(), fmtMs(lat.first50).c_str(), fmtMs(lat.first99).c_str(), fmtMs(lat.spread50).c_str(),
               fmtMs(lat.spread99).c_str());
  std::ostringstream j;
  j << "{\"scenario\":\"fanout\",\"server\":\"" << o_.label << "\",\"receipt\":\""
    << (o_.kernelReceipt ? "kernel" : "app") << "\",\"clients\":" << o_.clients
    << ",\"edit_chars\":" << o_.editChars << ",\"loadavg_at_start\":" << load0 << ",\"latency\":" << phaseJson(lat) << ",\"steps\":[";
  for (size_t i = 0; i < steps.size(); ++i) j << (i ? "," : "") << phaseJson(steps[i]);
  j << "],\"sustained\":" << num(sustained, 0) << ",\"limited_by\":\"" << limitedBy << "\""
    << ",\"p99_bound_ms\":" << num(o_.p99BoundMs, 0) << ",\"echoes\":" << echoes_
    << ",\"unknown_runs\":" << unknownRuns_ << ",\"decode_errors\":" << decodeErrors_
    << ",\"connection_errors\":" << failedCount_ << "}";
  emitJson(j.str());
  closeAll();
  return failedCount_ ? 1 : 0;
}

int Load::breadth() {
  std::fprintf(stderr, "[%s] breadth: %d docs x %d clients, %.0f edits/s for %.0f s\n", o_.label.c_str(), o_.docs,
               o_.clientsPerDoc, o_.breadthRate, o_.breadthSeconds);
  std::string load0 = loadAverage();
  phases_.emplace_back();
  long long rssIdle = processesRssKiB(o_.serverPids);
  double scpu0 = processesCpuSeconds(o_.serverPids);
  setupDocs("bench-breadth", o_.docs, o_.clientsPerDoc);
  int64_t t0 = nowNs();
  bool ok = connectAll(120);
  double connectSeconds = double(nowNs() - t0) / 1e9;
  double scpu1 = processesCpuSeconds(o_.serverPids);
  if (!ok) {
    std::fprintf(stderr, "[%s] breadth: only %zu of %zu clients synced in %.1f s (%s)\n", o_.label.c_str(),
                 syncedCount_, conns_.size(), connectSeconds, firstError_.c_str());
    return 1;
  }
  runFor(1.0);
  long long rssLoaded = processesRssKiB(o_.serverPids);
  std::fprintf(stderr, "[%s] breadth: %zu clients synced in %.2f s (server CPU %.2f s); RSS idle %lld KiB, loaded %lld KiB\n",
               o_.label.c_str(), syncedCount_, connectSeconds, scpu1 - scpu0, rssIdle, rssLoaded);
  std::fprintf(stderr, "%s", kHeader);
  auto warm = runPhase("warm-up", o_.breadthRate, o_.warmupSeconds, false);
  printPhaseRow(warm);
  drain(5);
  auto r = runPhase("breadth", o_.breadthRate, o_.breadthSeconds, false);
  printPhaseRow(r);
  drain(10);
  long long rssEnd = processesRssKiB(o_.serverPids);
  double perDoc = rssIdle >= 0 && rssLoaded >= 0 ? double(rssLoaded - rssIdle) / o_.docs : -1;
  std::fprintf(stderr,
               "[%s] breadth: %.0f upd/s delivered (%.0f deliveries/s), p50 %s ms, p99 %s ms; RSS idle %lld KiB, "
               "loaded %lld KiB, end %lld KiB: %.1f KiB per loaded doc; %zu connection errors%s\n",
               o_.label.c_str(), r.deliveredRate,
               r.deliveriesPerSec, fmtMs(r.p50).c_str(), fmtMs(r.p99).c_str(), rssIdle, rssLoaded, rssEnd, perDoc,
               failedCount_, firstError_.empty() ? "" : (" (" + firstError_ + ")").c_str());
  std::ostringstream j;
  j << "{\"scenario\":\"breadth\",\"server\":\"" << o_.label << "\",\"receipt\":\""
    << (o_.kernelReceipt ? "kernel" : "app") << "\",\"docs\":" << o_.docs
    << ",\"clients_per_doc\":" << o_.clientsPerDoc << ",\"loadavg_at_start\":" << load0 << ",\"connect_seconds\":" << num(connectSeconds, 2)
    << ",\"phase\":" << phaseJson(r) << ",\"rss_idle_kib\":" << rssIdle << ",\"rss_loaded_kib\":" << rssLoaded
    << ",\"rss_end_kib\":" << rssEnd << ",\"kib_per_doc\":" << num(perDoc, 2)
    << ",\"unknown_runs\":" << unknownRuns_ << ",\"decode_errors\":" << decodeErrors_
    << ",\"connection_errors\":" << failedCount_ << "}";
  emitJson(j.str());
  closeAll();
  return failedCount_ ? 1 : 0;
}

int Load::run() {
  int rc = 0;
  if (o_.scenario == "fanout" || o_.scenario == "all") rc |= fanout();
  if (o_.scenario == "breadth" || o_.scenario == "all") rc |= breadth();
  return rc;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"y-websocket load client: fanout and breadth scenarios against a hub (see bench/run_hub_bench.sh)"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);  // later flags win
  app.add_option("--host", o.host, "server address")->capture_default_str();
  auto* portOpt = app.add_option("--port", o.port, "server port");
  app.add_option("--scenario", o.scenario, "fanout, breadth or all")
      ->check(CLI::IsMember({"fanout", "breadth", "all"}))
      ->capture_default_str();
  app.add_option("--label", o.label, "name of the server in the output")->capture_default_str();
  app.add_option("--server-pid", o.serverPids, "server process id, for its CPU time and VmRSS (repeat for replicas: summed)");
  app.add_option("--aux-pid", o.auxPids, "process serving the server (database, bus, proxy): its CPU is reported apart");
  app.add_option("--origin", o.origin, "Origin header (default: http://HOST:PORT)");
  app.add_option("--path-prefix", o.pathPrefix, "websocket path before the document name")->capture_default_str();
  app.add_option("--json", o.jsonFile, "append the JSON lines to this file instead of stdout");
  app.add_option("--edit-chars", o.editChars, "characters per edit")->capture_default_str();
  app.add_option("--seed-chars", o.seedChars, "filler text in the seed document")->capture_default_str();
  app.add_option("--connect-concurrency", o.connectConcurrency, "connections being opened at once")
      ->capture_default_str();
  app.add_option("--warmup-seconds", o.warmupSeconds, "warm-up before measuring (excluded)")->capture_default_str();
  app.add_option("--clients", o.clients, "fanout: clients on the document")->capture_default_str();
  app.add_option("--latency-rate", o.latencyRate, "fanout: fixed rate of the latency phase, updates/s")
      ->capture_default_str();
  app.add_option("--latency-seconds", o.latencySeconds, "fanout: length of the latency phase")->capture_default_str();
  app.add_option("--step-seconds", o.stepSeconds, "fanout: length of one ramp step")->capture_default_str();
  app.add_option("--grace-seconds", o.graceSeconds, "time after a phase for its updates to arrive")
      ->capture_default_str();
  app.add_option("--start-rate", o.startRate, "fanout: first ramp step, updates/s")->capture_default_str();
  app.add_option("--rate-factor", o.rateFactor, "fanout: ramp factor between steps")->capture_default_str();
  app.add_option("--max-rate", o.maxRate, "fanout: highest step")->capture_default_str();
  app.add_option("--refine", o.refine, "fanout: bisection steps after the first failure")->capture_default_str();
  app.add_option("--p99-bound-ms", o.p99BoundMs, "fanout: a step fails when its p99 is above this")
      ->capture_default_str();
  app.add_option("--docs", o.docs, "breadth: documents")->capture_default_str();
  app.add_option("--clients-per-doc", o.clientsPerDoc, "breadth: clients per document")->capture_default_str();
  app.add_option("--breadth-rate", o.breadthRate, "breadth: total edits/s")->capture_default_str();
  app.add_option("--breadth-seconds", o.breadthSeconds, "breadth: length of the measured phase")
      ->capture_default_str();
  bool self = false;
  bool appReceipt = false;
  app.add_flag("--app-receipt", appReceipt, "receipt time = when this client reads (default: the kernel's receive timestamp)");
  app.add_flag("--self-test", self, "check the update-header decoder against the CRDT's, then exit");
  CLI11_PARSE(app, argc, argv);
  if (self) return selfTest();
  o.kernelReceipt = !appReceipt;
  if (!*portOpt) {
    std::fprintf(stderr, "--port is required\n");
    return 2;
  }
  if (o.clients < 2 || o.clientsPerDoc < 2 || o.docs < 1 || o.editChars < 1) {
    std::fprintf(stderr, "need at least 2 clients per document, 1 doc, 1 char per edit\n");
    return 2;
  }
  // 5000 connections need more than the default 1024 descriptors.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  try {
    Load load(o);
    return load.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "roundtable_hub_load: %s\n", e.what());
    return 1;
  }
}
