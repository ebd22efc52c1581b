// CRDT benchmark, C++ side: the same cases as bench/crdt_bench.mjs runs with
// the real yjs, printed as the same JSON (bench/run_crdt_bench.sh compares).
//
//   roundtable_crdt_bench [--runs N] [--testdata DIR] [--txns N]
//
// Cases (each: one untimed warm-up, then N timed runs; best and median):
//   b4_replay        the automerge-paper trace, one transaction per trace
//                    entry (delete then insert), client id 4000000000, with an
//                    onUpdate callback counting the v1 update bytes
//   apply_b4_update  applyUpdate(b4-update.bin) to an empty Doc
//   encode_b4_state  encodeStateAsUpdate() of the finished B4 document
//   encode_b4_state_v2  encodeStateAsUpdateV2() of the finished B4 document
//   apply_b4_state_v2   applyUpdateV2 of that v2 state (159,929 bytes) to an empty Doc
//   merge_b4_updates    the replay's 259,778 v1 updates merged without a document
//                       as a log is compacted: each 1,000 consecutive updates
//                       with mergeUpdates, then the 260 results in one more
//                       (yjs's mergeUpdates re-sorts its readers at every step,
//                       so one merge of all 259,778 would take it about half an
//                       hour; this binary also reports that one merge, C++ only,
//                       as merge_b4_updates_whole)
// Memory: this binary replaces the global operator new/delete and counts the
// bytes malloc handed out (malloc_usable_size); `b4_doc_bytes` is what the
// finished B4 document keeps live, `b4_peak_bytes` the peak above the
// baseline during the replay. Gunzip and JSON parsing happen before timing.
#include <malloc.h>
#include <zlib.h>

#include <algorithm>
#include <span>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "lib0/json.h"
#include "lib0/utf.h"
#include "roundtable/crdt/doc.h"

// ---------------------------------------------------------------------------
// Allocation accounting.
// GCC sees the inlined free() that our operator delete ends in and warns.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
namespace {
// Plain counters: the benchmark and the library (one Doc, one thread) are
// single-threaded, and atomics here cost measurable time in the timed cases.
int64_t g_live = 0;
int64_t g_peak = 0;

inline void noteAlloc(void* p) {
#ifndef ROUNDTABLE_BENCH_NO_ALLOC_COUNT
  g_live += static_cast<int64_t>(malloc_usable_size(p));
  if (g_live > g_peak) g_peak = g_live;
#endif
}
inline void noteFree(void* p) {
#ifndef ROUNDTABLE_BENCH_NO_ALLOC_COUNT
  if (p) g_live -= static_cast<int64_t>(malloc_usable_size(p));
#endif
}
inline void* allocOrNull(std::size_t n) {
  void* p = std::malloc(n ? n : 1);
  if (p) noteAlloc(p);
  return p;
}
inline void* allocAlignedOrNull(std::size_t n, std::align_val_t al) {
  std::size_t a = static_cast<std::size_t>(al);
  if (a < sizeof(void*)) a = sizeof(void*);
  void* p = nullptr;
  if (posix_memalign(&p, a, n ? n : 1) != 0) return nullptr;
  noteAlloc(p);
  return p;
}
inline void release(void* p) {
  noteFree(p);
  std::free(p);
}
}  // namespace

void* operator new(std::size_t n) {
  if (void* p = allocOrNull(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return operator new(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return allocOrNull(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return allocOrNull(n); }
void* operator new(std::size_t n, std::align_val_t al) {
  if (void* p = allocAlignedOrNull(n, al)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t al) { return operator new(n, al); }
void* operator new(std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return allocAlignedOrNull(n, al);
}
void* operator new[](std::size_t n, std::align_val_t al, const std::nothrow_t&) noexcept {
  return allocAlignedOrNull(n, al);
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { release(p); }
void operator delete(void* p, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { release(p); }

// ---------------------------------------------------------------------------
namespace {

using roundtable::crdt::Doc;
using roundtable::crdt::DocOptions;
using roundtable::crdt::Text;
using roundtable::crdt::Transaction;
using Clk = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& msg) {
  std::fprintf(stderr, "crdt_bench: %s\n", msg.c_str());
  std::exit(1);
}

std::vector<uint8_t> readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) die("cannot read " + path);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::string gunzip(const std::vector<uint8_t>& gz) {
  z_stream zs{};
  if (inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) die("inflateInit2");
  zs.next_in = const_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  std::string out;
  std::vector<char> buf(1 << 16);
  int ret;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf.data());
    zs.avail_out = static_cast<uInt>(buf.size());
    ret = inflate(&zs, Z_NO_FLUSH);
    out.append(buf.data(), buf.size() - zs.avail_out);
  } while (ret == Z_OK);
  inflateEnd(&zs);
  if (ret != Z_STREAM_END) die("gunzip failed");
  return out;
}

struct Patch {
  size_t pos, del;
  std::string ins;
};
using Txn = std::vector<Patch>;

struct Trace {
  std::vector<Txn> txns;
  std::string endContent;
};

Trace loadTrace(const std::string& path, size_t maxTxns) {
  roundtable::lib0::Value v = roundtable::lib0::parseJSON(gunzip(readFile(path)));
  Trace t;
  t.endContent = v.asObject().get("endContent")->asString();
  for (const auto& txn : v.asObject().get("txns")->asArray()) {
    if (t.txns.size() >= maxTxns) break;
    Txn out;
    for (const auto& patch : txn.asObject().get("patches")->asArray()) {
      const auto& p = patch.asArray();
      out.push_back(Patch{static_cast<size_t>(p[0].asNumber()), static_cast<size_t>(p[1].asNumber()),
                          p[2].asString()});
    }
    t.txns.push_back(std::move(out));
  }
  return t;
}

struct ReplayResult {
  uint64_t updates = 0, updateBytes = 0;
};

// Replays the trace into `doc` (which must be fresh); `r` must outlive `doc`
// (the update callback stays registered).
void replay(Doc& doc, const Trace& trace, ReplayResult& r) {
  Text text = doc.getText("text");
  doc.onUpdate([&r](std::span<const uint8_t> u, const void*) {
    r.updates++;
    r.updateBytes += u.size();
  });
  for (const Txn& txn : trace.txns) {
    doc.transact([&](Transaction&) {
      for (const Patch& p : txn) {
        if (p.del > 0 && !text.erase(p.pos, p.del).ok()) die("erase failed");
        if (!p.ins.empty() && !text.insert(p.pos, p.ins).ok()) die("insert failed");
      }
    });
  }
}

double ms(Clk::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Timing {
  std::vector<double> samples;
  double best() const { return *std::min_element(samples.begin(), samples.end()); }
  double median() const {
    std::vector<double> s = samples;
    std::sort(s.begin(), s.end());
    size_t n = s.size();
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
};

std::string fmt(double d) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", d);
  return buf;
}

std::string timingJSON(const Timing& t) {
  std::string s = "\"best_ms\": " + fmt(t.best()) + ", \"median_ms\": " + fmt(t.median()) + ", \"samples_ms\": [";
  for (size_t i = 0; i < t.samples.size(); i++) s += (i ? ", " : "") + fmt(t.samples[i]);
  return s + "]";
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5;
  size_t maxTxns = SIZE_MAX;
#ifdef ROUNDTABLE_TESTDATA_DIR
  std::string dir = ROUNDTABLE_TESTDATA_DIR;
#else
  std::string dir = "tests/data";
#endif
  std::vector<std::string> only;  // --case NAME (repeatable); all when empty
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) die("missing value for " + a);
      return argv[++i];
    };
    if (a == "--runs") runs = std::max(1, std::atoi(next().c_str()));
    else if (a == "--testdata") dir = next();
    else if (a == "--txns") maxTxns = std::strtoull(next().c_str(), nullptr, 10);
    else if (a == "--case") only.push_back(next());
    else die("usage: roundtable_crdt_bench [--runs N] [--testdata DIR] [--txns N] [--case NAME]");
  }
  auto enabled = [&](const char* name) {
    return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
  };
  const bool fullTrace = maxTxns == SIZE_MAX;

  // Inputs, loaded outside every timed region.
  const Trace trace = loadTrace(dir + "/automerge-paper.json.gz", maxTxns);
  const std::vector<uint8_t> b4Update = readFile(dir + "/b4-update.bin");
  const DocOptions b4Options{.clientId = 4000000000u};

  std::string out = "{\n  \"impl\": \"cpp\",\n  \"runs\": " + std::to_string(runs) +
                    ",\n  \"txns\": " + std::to_string(trace.txns.size()) + ",\n  \"cases\": {";
  bool firstCase = true;
  auto addCase = [&](const char* name, const Timing& t, const std::string& extra) {
    out += std::string(firstCase ? "\n" : ",\n") + "    \"" + name + "\": {" + timingJSON(t) + extra + "}";
    firstCase = false;
  };

  // --- B4 replay ----------------------------------------------------------
  if (enabled("b4_replay")) {
    Timing t;
    ReplayResult last;
    for (int i = 0; i <= runs; i++) {  // i == 0 is the warm-up
      auto doc = std::make_unique<Doc>(b4Options);
      last = ReplayResult{};
      auto t0 = Clk::now();
      replay(*doc, trace, last);
      auto t1 = Clk::now();
      if (i > 0) t.samples.push_back(ms(t1 - t0));
      if (fullTrace && doc->getText("text").toString() != trace.endContent) die("B4 replay: wrong final text");
      doc.reset();  // destruction is not timed
    }
    addCase("b4_replay", t,
            ", \"updates\": " + std::to_string(last.updates) + ", \"update_bytes\": " +
                std::to_string(last.updateBytes));
  }

  // --- apply b4-update.bin --------------------------------------------------
  if (enabled("apply_b4_update")) {
    Timing t;
    size_t textLen = 0;
    for (int i = 0; i <= runs; i++) {
      auto t0 = Clk::now();
      auto doc = std::make_unique<Doc>();
      if (!doc->applyUpdate(b4Update).ok()) die("applyUpdate(b4-update.bin) failed");
      auto t1 = Clk::now();
      if (i > 0) t.samples.push_back(ms(t1 - t0));
      textLen = doc->getText("text").length();
      if (doc->getText("text").toString() != trace.endContent && fullTrace) die("apply: wrong final text");
      doc.reset();
    }
    addCase("apply_b4_update", t,
            ", \"input_bytes\": " + std::to_string(b4Update.size()) + ", \"text_length\": " +
                std::to_string(textLen));
  }

  // --- memory of the finished B4 doc, and the doc for the encode case --------
  int64_t docBytes = 0, peakBytes = 0;
  ReplayResult b4Counts;  // declared before b4: outlives it
  std::unique_ptr<Doc> b4;
  {
    int64_t base = g_live;
    g_peak = base;
    b4 = std::make_unique<Doc>(b4Options);
    replay(*b4, trace, b4Counts);
    docBytes = g_live - base;
    peakBytes = g_peak - base;
  }

  // --- encodeStateAsUpdate of the finished B4 doc ---------------------------
  if (enabled("encode_b4_state")) {
    Timing t;
    size_t size = 0;
    for (int i = 0; i <= runs; i++) {
      auto t0 = Clk::now();
      std::vector<uint8_t> u = b4->encodeStateAsUpdate();
      auto t1 = Clk::now();
      if (i > 0) t.samples.push_back(ms(t1 - t0));
      size = u.size();
    }
    addCase("encode_b4_state", t, ", \"bytes\": " + std::to_string(size));
  }

  // --- format v2 of the finished B4 doc --------------------------------------
  std::vector<uint8_t> b4V2 = b4->encodeStateAsUpdateV2();
  if (enabled("encode_b4_state_v2")) {
    Timing t;
    size_t size = 0;
    for (int i = 0; i <= runs; i++) {
      auto t0 = Clk::now();
      std::vector<uint8_t> u = b4->encodeStateAsUpdateV2();
      auto t1 = Clk::now();
      if (i > 0) t.samples.push_back(ms(t1 - t0));
      size = u.size();
    }
    addCase("encode_b4_state_v2", t, ", \"bytes\": " + std::to_string(size));
  }
  if (enabled("apply_b4_state_v2")) {
    Timing t;
    for (int i = 0; i <= runs; i++) {
      auto t0 = Clk::now();
      auto doc = std::make_unique<Doc>();
      if (!doc->applyUpdateV2(b4V2).ok()) die("applyUpdateV2(B4 state) failed");
      auto t1 = Clk::now();
      if (i > 0) t.samples.push_back(ms(t1 - t0));
      if (fullTrace && doc->getText("text").toString() != trace.endContent) die("apply v2: wrong final text");
      doc.reset();
    }
    addCase("apply_b4_state_v2", t, ", \"input_bytes\": " + std::to_string(b4V2.size()));
  }

  // --- merging the replay's updates without a document ----------------------
  if (enabled("merge_b4_updates")) {
    std::vector<std::vector<uint8_t>> updates;
    {
      Doc doc(b4Options);
      Text text = doc.getText("text");
      doc.onUpdate([&](std::span<const uint8_t> u, const void*) { updates.emplace_back(u.begin(), u.end()); });
      for (const Txn& txn : trace.txns) {
        doc.transact([&](Transaction&) {
          for (const Patch& p : txn) {
            if (p.del > 0 && !text.erase(p.pos, p.del).ok()) die("erase failed");
            if (!p.ins.empty() && !text.insert(p.pos, p.ins).ok()) die("insert failed");
          }
        });
      }
    }
    constexpr size_t kChunk = 1000;
    Timing t;
    size_t size = 0;
    for (int i = 0; i <= runs; i++) {
      auto t0 = Clk::now();
      std::vector<std::vector<uint8_t>> chunks;
      for (size_t k = 0; k < updates.size(); k += kChunk) {
        std::vector<std::vector<uint8_t>> part(updates.begin() + k, updates.begin() + std::min(updates.size(), k + kChunk));
        chunks.emplace_back();
        if (!roundtable::crdt::mergeUpdates(part, &chunks.back()).ok()) die("mergeUpdates failed");
      }
      std::vector<uint8_t> merged;
      if (!roundtable::crdt::mergeUpdates(chunks, &merged).ok()) die("mergeUpdates failed");
      auto t1 = Clk::now();
      if (i > 0) t.samples.push_back(ms(t1 - t0));
      size = merged.size();
    }
    addCase("merge_b4_updates", t, ", \"updates\": " + std::to_string(updates.size()) + ", \"bytes\": " + std::to_string(size));
    Timing whole;
    for (int i = 0; i <= runs; i++) {
      auto t0 = Clk::now();
      std::vector<uint8_t> merged;
      if (!roundtable::crdt::mergeUpdates(updates, &merged).ok()) die("mergeUpdates failed");
      auto t1 = Clk::now();
      if (i > 0) whole.samples.push_back(ms(t1 - t0));
      size = merged.size();
    }
    addCase("merge_b4_updates_whole", whole, ", \"updates\": " + std::to_string(updates.size()) + ", \"bytes\": " + std::to_string(size));
  }

  out += "\n  },\n  \"memory\": {\"b4_doc_bytes\": " + std::to_string(docBytes) +
         ", \"b4_peak_bytes\": " + std::to_string(peakBytes) +
         ", \"method\": \"live bytes from replaced operator new/delete (malloc_usable_size)\"}\n}\n";
  std::fputs(out.c_str(), stdout);
  return 0;
}
