// The store's contract (store.h), run against both implementations: the
// SQLite store in a temporary directory and the PostgreSQL store on a real
// server this program starts (pg_server.h) once for all its tests. Tests of
// what only one implementation has live beside it (src/store/store_test.cc
// for SQLite; the PostgresStoreTest cases below).
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "pg_server.h"
#include "store/postgres_store.h"
#include "store/store.h"

namespace roundtable::store {
namespace {

namespace fs = std::filesystem;
using Updates = std::vector<std::vector<uint8_t>>;

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

// bytes("u", 3) is bytes("u3").
std::vector<uint8_t> bytes(std::string_view prefix, int i) {
  std::string s(prefix);
  s += std::to_string(i);
  return bytes(s);
}

// The server of every PostgreSQL test, started once (see main).
testing::PgServer* gServer = nullptr;
std::string gServerError = "not started";

// Runs SQL on the test server's database (not through the store).
Status sql(const std::string& statement) {
  PGconn* c = PQconnectdb(gServer->url().c_str());
  Status s;
  if (PQstatus(c) != CONNECTION_OK) {
    s = Status::FailedPrecondition(PQerrorMessage(c));
  } else {
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // "does not exist, skipping"
    PGresult* r = PQexec(c, statement.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
      s = Status::FailedPrecondition(PQresultErrorMessage(r));
    }
    PQclear(r);
  }
  PQfinish(c);
  return s;
}

enum class Backend { kSqlite, kPostgres };

std::string backendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kSqlite ? "Sqlite" : "Postgres";
}

// A fresh directory under /tmp, removed with everything in it afterwards.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/roundtable-store-test-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Leaves the test database without Roundtable's tables.
void resetDatabase() {
  Status s = sql("DROP TABLE IF EXISTS roundtable_updates, roundtable_docs, roundtable_schema");
  ASSERT_TRUE(s.ok()) << s.message();
}

class StoreContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres) {
      // Not a skip: scripts/setup.sh installs PostgreSQL, so its absence is a failure.
      ASSERT_NE(gServer, nullptr) << "no PostgreSQL server for this test: " << gServerError;
      resetDatabase();
    }
  }
  bool postgres() const { return GetParam() == Backend::kPostgres; }
  StoreOptions options() const {
    StoreOptions o;
    o.dir = tmp_.path() / "data";
    if (postgres()) o.postgresUrl = gServer->url();
    return o;
  }
  std::unique_ptr<Store> open(StoreOptions o) {
    std::unique_ptr<Store> store;
    Status s = Store::Open(o, &store);
    EXPECT_TRUE(s.ok()) << s.message();
    return store;
  }
  std::unique_ptr<Store> open() { return open(options()); }

  TempDir tmp_;
};

INSTANTIATE_TEST_SUITE_P(Both, StoreContractTest, ::testing::Values(Backend::kSqlite, Backend::kPostgres), backendName);

// Appends and waits for the result.
AppendResult appendNow(Store& store, const std::string& doc, std::vector<uint8_t> data) {
  AppendResult result{Status::Internal("callback not called")};
  store.append(doc, std::move(data), [&](const AppendResult& r) { result = r; });
  store.flush();
  return result;
}

Status compactNow(Store& store, const std::string& doc, std::vector<uint8_t> state) {
  Status result = Status::Internal("callback not called");
  store.compact(doc, std::move(state), [&](Status s) { result = s; });
  store.flush();
  return result;
}

Status removeNow(Store& store, const std::string& doc) {
  Status result = Status::Internal("callback not called");
  store.remove(doc, [&](Status s) { result = s; });
  store.flush();
  return result;
}

Updates load(Store& store, const std::string& doc) {
  Updates updates;
  Status s = store.load(doc, &updates);
  EXPECT_TRUE(s.ok()) << s.message();
  return updates;
}

// Appends on a thread of its own with a `done` that waits for `released`:
// until then the commit that calls it (inline on that thread, or on the
// writer thread) keeps the store busy, so what is appended meanwhile queues
// for the writer thread. Returns once the commit is made.
std::thread appendAndHold(Store& store, std::string doc, std::vector<uint8_t> data,
                          std::shared_future<void> released) {
  uint64_t before = store.stats().commits;
  std::thread holder([&store, doc = std::move(doc), data = std::move(data), released]() mutable {
    store.append(std::move(doc), std::move(data), [released](const AppendResult&) { released.wait(); });
  });
  while (store.stats().commits == before) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return holder;
}

TEST_P(StoreContractTest, AppendsSurviveReopenInOrder) {
  Updates a, b;
  {
    auto store = open();
    std::vector<AppendResult> results;
    for (int i = 0; i < 100; ++i) {
      a.push_back(bytes("a", i));
      store->append("a", a.back(), [&](const AppendResult& r) { results.push_back(r); });
      if (i % 2 == 0) {
        b.push_back(bytes("b", i));
        store->append("b", b.back(), nullptr);
      }
    }
    store->flush();
    ASSERT_EQ(results.size(), 100u);
    uint64_t bytesSoFar = 0;
    for (size_t i = 0; i < results.size(); ++i) {
      bytesSoFar += a[i].size();
      EXPECT_TRUE(results[i].status.ok()) << results[i].status.message();
      EXPECT_EQ(results[i].logUpdates, i + 1);
      EXPECT_EQ(results[i].logBytes, bytesSoFar);
    }
  }
  auto store = open();
  EXPECT_EQ(load(*store, "a"), a);
  EXPECT_EQ(load(*store, "b"), b);
  std::vector<std::string> names;
  ASSERT_TRUE(store->listDocs(&names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{"a", "b"}));
  // The log size continues from what is on disk.
  AppendResult r = appendNow(*store, "a", bytes("more"));
  EXPECT_EQ(r.logUpdates, 101u);
}

TEST_P(StoreContractTest, DestructorCommitsEverythingQueued) {
  std::atomic<int> called = 0;
  {
    auto store = open();
    for (int i = 0; i < 1000; ++i) {
      store->append("doc", bytes(std::to_string(i)), [&](const AppendResult& r) {
        EXPECT_TRUE(r.status.ok());
        ++called;
      });
    }
  }
  EXPECT_EQ(called, 1000);
  auto store = open();
  Updates updates = load(*store, "doc");
  ASSERT_EQ(updates.size(), 1000u);
  EXPECT_EQ(updates[999], bytes("999"));
}

TEST_P(StoreContractTest, LoadOfUnknownDocIsEmpty) {
  auto store = open();
  Updates updates = {bytes("junk")};
  Status s = store->load("nobody", &updates);
  EXPECT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(updates.empty());
}

TEST_P(StoreContractTest, LoadIncludesAppendsQueuedBeforeIt) {
  auto store = open();
  for (int i = 0; i < 50; ++i) store->append("doc", bytes(std::to_string(i)), nullptr);
  EXPECT_EQ(load(*store, "doc").size(), 50u);  // no flush() in between
}

TEST_P(StoreContractTest, AppendsInQuickSuccessionShareCommits) {
  auto store = open();
  for (int i = 0; i < 200; ++i) store->append("doc", bytes("u", i), nullptr);
  store->flush();
  EXPECT_LE(store->stats().commits, 50u);
  EXPECT_EQ(load(*store, "doc").size(), 200u);
}

TEST_P(StoreContractTest, OneTransactionTakesEverythingQueued) {
  auto store = open();
  // Hold the first commit inside its callback while more jobs queue up.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread holder = appendAndHold(*store, "a", bytes("first"), released);
  std::vector<std::string> order;
  for (int i = 0; i < 300; ++i) {
    std::string doc = "doc" + std::to_string(i % 3);
    store->append(doc, bytes(std::to_string(i)), [&order, doc, i](const AppendResult& r) {
      EXPECT_TRUE(r.status.ok());
      order.push_back(doc + ":" + std::to_string(i));
    });
  }
  release.set_value();
  holder.join();
  store->flush();
  Store::Stats st = store->stats();
  EXPECT_EQ(st.commits, 2u);
  EXPECT_EQ(st.appends, 301u);
  ASSERT_EQ(order.size(), 300u);
  for (int i = 0; i < 300; ++i) EXPECT_EQ(order[i], "doc" + std::to_string(i % 3) + ":" + std::to_string(i));
  EXPECT_EQ(st.commitSecondsCount, 2u);
  EXPECT_EQ(st.commitSecondsBuckets.back(), 2u);
  EXPECT_GT(st.commitSecondsSum, 0);
  EXPECT_GE(st.maxCommitSeconds, st.lastCommitSeconds);
}

TEST_P(StoreContractTest, CompactionLeavesTheStateThenLaterAppends) {
  {
    auto store = open();
    for (int i = 0; i < 5; ++i) store->append("doc", bytes("u", i), nullptr);
    // Appends queued before compact() are covered by the state, even when
    // they are still in the queue when compact() is called.
    Status compacted = Status::Internal("not called");
    store->compact("doc", bytes("state0-4"), [&](Status s) { compacted = s; });
    AppendResult r = appendNow(*store, "doc", bytes("u5"));
    EXPECT_TRUE(compacted.ok()) << compacted.message();
    EXPECT_EQ(r.logUpdates, 2u);
    EXPECT_EQ(r.logBytes, 10u);
    EXPECT_EQ(load(*store, "doc"), (Updates{bytes("state0-4"), bytes("u5")}));
    EXPECT_EQ(store->stats().compactions, 1u);
  }
  auto store = open();
  EXPECT_EQ(load(*store, "doc"), (Updates{bytes("state0-4"), bytes("u5")}));
  EXPECT_TRUE(compactNow(*store, "doc", bytes("state0-5")).ok());
  EXPECT_EQ(load(*store, "doc"), (Updates{bytes("state0-5")}));
  // Compacting a doc that has no log yet stores the state.
  EXPECT_TRUE(compactNow(*store, "fresh", bytes("s")).ok());
  EXPECT_EQ(load(*store, "fresh"), (Updates{bytes("s")}));
}

// What a replica of a team server catches up with (hub/redis_bus.h): the
// seq each append got, and the rows from a seq on.
TEST_P(StoreContractTest, LoadFromGivesTheRowsFromASeqOn) {
  auto store = open();
  Updates updates;
  uint64_t next = 99;
  ASSERT_TRUE(store->loadFrom("doc", 0, &updates, &next).ok());
  EXPECT_TRUE(updates.empty());
  EXPECT_EQ(next, 0u);
  AppendResult r0 = appendNow(*store, "doc", bytes("u0"));
  AppendResult r1 = appendNow(*store, "doc", bytes("u1"));
  AppendResult r2 = appendNow(*store, "doc", bytes("u2"));
  EXPECT_EQ(r1.seq, r0.seq + 1);
  EXPECT_EQ(r2.seq, r1.seq + 1);
  ASSERT_TRUE(store->loadFrom("doc", r1.seq, &updates, &next).ok());
  EXPECT_EQ(updates, (Updates{bytes("u1"), bytes("u2")}));
  EXPECT_EQ(next, r2.seq + 1);
  ASSERT_TRUE(store->loadFrom("doc", next, &updates, &next).ok());
  EXPECT_TRUE(updates.empty());
  EXPECT_EQ(next, r2.seq + 1);
  // A copy that lacks a row the compaction's state covers gets the state.
  ASSERT_TRUE(compactNow(*store, "doc", bytes("state0-2")).ok());
  ASSERT_TRUE(store->loadFrom("doc", r2.seq, &updates, &next).ok());
  EXPECT_EQ(updates, Updates{bytes("state0-2")});
  AppendResult r3 = appendNow(*store, "doc", bytes("u3"));
  ASSERT_TRUE(store->loadFrom("doc", r3.seq, &updates, &next).ok());
  EXPECT_EQ(updates, Updates{bytes("u3")});
  EXPECT_EQ(next, r3.seq + 1);
  EXPECT_FALSE(store->loadFrom("", 0, &updates, &next).ok());
}

TEST_P(StoreContractTest, ShouldCompactHint) {
  StoreOptions o = options();
  o.compactAfterUpdates = 10;
  o.compactAfterBytes = 1000;
  auto store = open(o);
  for (int i = 1; i <= 10; ++i) {
    AppendResult r = appendNow(*store, "count", bytes("x"));
    EXPECT_EQ(r.shouldCompact, i >= 10) << i;
  }
  // By bytes: a 600-byte state, then appends until 1000 bytes and the tail
  // (400 here) is at least the state's size.
  ASSERT_TRUE(compactNow(*store, "size", std::vector<uint8_t>(600, 's')).ok());
  EXPECT_FALSE(appendNow(*store, "size", std::vector<uint8_t>(400, 'a')).shouldCompact);  // 1000 bytes, tail 400
  EXPECT_FALSE(appendNow(*store, "size", std::vector<uint8_t>(100, 'a')).shouldCompact);  // tail 500
  EXPECT_TRUE(appendNow(*store, "size", std::vector<uint8_t>(100, 'a')).shouldCompact);   // tail 600
  // A single big update is never worth compacting on its own.
  EXPECT_FALSE(appendNow(*store, "big", std::vector<uint8_t>(5000, 'b')).shouldCompact);
}

TEST_P(StoreContractTest, RemoveDeletesTheDoc) {
  auto store = open();
  appendNow(*store, "gone", bytes("1"));
  appendNow(*store, "kept", bytes("2"));
  EXPECT_TRUE(removeNow(*store, "gone").ok());
  EXPECT_TRUE(removeNow(*store, "never-existed").ok());
  EXPECT_TRUE(load(*store, "gone").empty());
  std::vector<std::string> names;
  ASSERT_TRUE(store->listDocs(&names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"kept"});
  // A removed name can be used again and starts a new log.
  EXPECT_EQ(appendNow(*store, "gone", bytes("3")).logUpdates, 1u);
  EXPECT_EQ(load(*store, "gone"), Updates{bytes("3")});
}

TEST_P(StoreContractTest, DocNamesAreValidated) {
  auto store = open();
  const std::string longest(kMaxDocNameBytes, 'n');
  const std::string unicode = "plan/\xC3\xA9t\xC3\xA9 \xF0\x9F\x98\x80 'quoted' \"x\"; DROP TABLE docs;";
  for (const std::string& bad : {std::string(), std::string(kMaxDocNameBytes + 1, 'n'), std::string("bad\xFF")}) {
    AppendResult r = appendNow(*store, bad, bytes("u"));
    EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument) << bad.size();
    Updates updates;
    EXPECT_EQ(store->load(bad, &updates).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(compactNow(*store, bad, bytes("s")).code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(removeNow(*store, bad).code(), StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(appendNow(*store, "doc", {}).status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(appendNow(*store, longest, bytes("u")).status.ok());
  EXPECT_TRUE(appendNow(*store, unicode, bytes("v")).status.ok());
  EXPECT_EQ(load(*store, longest), Updates{bytes("u")});
  EXPECT_EQ(load(*store, unicode), Updates{bytes("v")});
  std::vector<std::string> names;
  ASSERT_TRUE(store->listDocs(&names).ok());
  EXPECT_EQ(names, (std::vector<std::string>{longest, unicode}));
  EXPECT_EQ(store->stats().appends, 2u);
}

TEST_P(StoreContractTest, QueuedBytesCountsPendingData) {
  StoreOptions o = options();
  o.queueLimitBytes = 1000;
  auto store = open(o);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::thread holder = appendAndHold(*store, "doc", bytes("x"), released);
  for (int i = 0; i < 10; ++i) store->append("doc", std::vector<uint8_t>(200, 'y'), nullptr);
  EXPECT_EQ(store->queuedBytes(), 2001u);
  EXPECT_TRUE(store->overloaded());
  release.set_value();
  holder.join();
  store->flush();
  EXPECT_EQ(store->queuedBytes(), 0u);
  EXPECT_FALSE(store->overloaded());
}

// Many threads appending at once: far fewer commits than appends, every
// callback called, and each doc's updates stored in the order of the calls.
void groupCommitRun(const StoreOptions& options, int threads, int perThread, bool print) {
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(options, &store).ok());
  std::mutex sharedMu;
  std::vector<std::vector<uint8_t>> sharedCalls, sharedDone;  // order of the calls, order of the callbacks
  std::vector<std::vector<std::vector<uint8_t>>> done(threads);
  std::atomic<int> failures = 0;
  std::atomic<bool> writing = true;

  // A reader that loads while the writers write sees a prefix of the log.
  std::thread reader([&] {
    while (writing) {
      Updates got;
      if (!store->load("shared", &got).ok()) ++failures;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      std::string doc = "thread" + std::to_string(t);
      for (int i = 0; i < perThread; ++i) {
        std::vector<uint8_t> update = bytes(doc + ":" + std::to_string(i) + std::string(100, 'x'));
        store->append(doc, update, [&, t, update](const AppendResult& r) {
          if (!r.status.ok()) ++failures;
          done[t].push_back(update);
        });
        std::lock_guard l(sharedMu);
        sharedCalls.push_back(update);
        store->append("shared", update, [&, update](const AppendResult& r) {
          if (!r.status.ok()) ++failures;
          sharedDone.push_back(update);
        });
      }
    });
  }
  for (auto& w : workers) w.join();
  store->flush();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  writing = false;
  reader.join();

  Store::Stats st = store->stats();
  uint64_t appends = uint64_t(threads) * perThread * 2;
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(st.appends, appends);
  EXPECT_LE(st.commits * 4, appends) << "group commit did not batch";
  EXPECT_EQ(sharedDone, sharedCalls);
  EXPECT_EQ(load(*store, "shared"), sharedCalls);
  for (int t = 0; t < threads; ++t) {
    ASSERT_EQ(done[t].size(), size_t(perThread));
    EXPECT_EQ(load(*store, "thread" + std::to_string(t)), done[t]);
  }
  if (print) {
    std::printf("[ group commit ] %s: %llu appends from %d threads -> %llu commits, %.0f appends/s, "
                "max commit %.2f ms, mean %.2f ms\n",
                options.postgresUrl.empty() ? "SQLite, fsync always" : "PostgreSQL", (unsigned long long)appends, threads,
                (unsigned long long)st.commits, appends / seconds, st.maxCommitSeconds * 1e3,
                st.commitSecondsSum / st.commitSecondsCount * 1e3);
  }
}

TEST_P(StoreContractTest, GroupCommitBatchesAppendsFromManyThreads) {
  StoreOptions o = options();
  o.sync = SyncMode::kEveryCommit;
  groupCommitRun(o, 4, 1000, /*print=*/true);
}

const char* syncName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kEveryCommit: return "fsync always";
    case SyncMode::kBackground: return "fsync background";
    case SyncMode::kOff: return "fsync off";
  }
  return "?";
}

// Crash test: a child process appends (and now and then compacts) in a loop;
// each `done` that reports Ok writes the update's sequence number to a pipe.
// The parent SIGKILLs the child at a random moment, reopens the directory and
// checks that every reported sequence number is stored, in order, with no
// gaps or duplicates. An update is the 8-byte sequence number; a compacted
// state is the concatenation of every number appended before it.
void crashChild(const StoreOptions& options, int fd) {
  std::unique_ptr<Store> store;
  if (!Store::Open(options, &store).ok()) _exit(3);
  std::vector<uint8_t> all;
  for (uint64_t seq = 0;; ++seq) {
    std::vector<uint8_t> update(8);
    std::memcpy(update.data(), &seq, 8);
    all.insert(all.end(), update.begin(), update.end());
    store->append("crash", update, [fd, seq](const AppendResult& r) {
      if (!r.status.ok()) _exit(4);
      if (write(fd, &seq, 8) != 8) _exit(5);
    });
    if (seq % 97 == 96) store->compact("crash", all, [](Status s) {
      if (!s.ok()) _exit(6);
    });
    while (store->queuedBytes() > 64 * 1024) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
}

TEST_P(StoreContractTest, EveryAcknowledgedAppendSurvivesSigkill) {
  std::random_device rd;
  unsigned seed = rd();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (int run = 0; run < (postgres() ? 3 : 6); ++run) {
    StoreOptions o = options();
    if (postgres()) resetDatabase();
    o.dir = tmp_.path() / ("run" + std::to_string(run));
    o.sync = std::array{SyncMode::kEveryCommit, SyncMode::kBackground, SyncMode::kOff}[run % 3];
    // Run 0 kills the child at once or while it opens the database (maybe
    // mid-migration); the others once appends are flowing.
    bool early = run == 0;
    int delayMs = std::uniform_int_distribution<int>(0, early ? 100 : 300)(rng);
    SCOPED_TRACE("run " + std::to_string(run) + ", kill " + std::to_string(delayMs) + " ms after " +
                 (early ? "fork" : "the first ack") + ", " + (postgres() ? "PostgreSQL" : syncName(o.sync)));

    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      crashChild(o, fds[1]);
      _exit(0);
    }
    close(fds[1]);
    std::string received;
    char buf[4096];
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(early ? delayMs : 10000);
    bool timerStarted = early;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, 1) > 0) {
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) break;
        received.append(buf, size_t(n));
        if (!timerStarted) {
          timerStarted = true;
          deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(delayMs);
        }
      }
    }
    kill(pid, SIGKILL);
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0) received.append(buf, size_t(n));  // acknowledged before death
    close(fds[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child exited early with " << status;

    ASSERT_EQ(received.size() % 8, 0u);
    std::vector<uint64_t> acked(received.size() / 8);
    if (!acked.empty()) std::memcpy(acked.data(), received.data(), received.size());
    for (size_t i = 0; i < acked.size(); ++i) ASSERT_EQ(acked[i], i) << "callbacks out of order";

    auto store = open(o);
    ASSERT_NE(store, nullptr);
    std::vector<uint64_t> stored;
    for (const auto& row : load(*store, "crash")) {
      ASSERT_EQ(row.size() % 8, 0u);
      for (size_t i = 0; i < row.size(); i += 8) {
        uint64_t v;
        std::memcpy(&v, row.data() + i, 8);
        stored.push_back(v);
      }
    }
    ASSERT_GE(stored.size(), acked.size()) << "an acknowledged append was lost";
    for (size_t i = 0; i < stored.size(); ++i) ASSERT_EQ(stored[i], i) << "gap, duplicate or reordering at " << i;
    if (!early) {
      EXPECT_GT(acked.size(), 0u);
    }
    std::printf("[ crash test ] run %d: killed %d ms after %s (%s): %zu acknowledged, %zu stored\n", run,
                delayMs, early ? "fork" : "the first ack", postgres() ? "PostgreSQL" : syncName(o.sync), acked.size(),
                stored.size());
  }
}

// --- What only the PostgreSQL store has ---

class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(gServer, nullptr) << "no PostgreSQL server for this test: " << gServerError;
    resetDatabase();
  }
  static StoreOptions options() {
    StoreOptions o;
    o.postgresUrl = gServer->url();
    return o;
  }
  static std::unique_ptr<Store> open() {
    std::unique_ptr<Store> store;
    Status s = Store::Open(options(), &store);
    EXPECT_TRUE(s.ok()) << s.message();
    return store;
  }
};

TEST_F(PostgresStoreTest, UnreachableServerGivesAClearMessageWithoutThePassword) {
  StoreOptions o;
  o.postgresUrl = "postgresql://alice:s3cret@%2Ftmp%2Froundtable-no-such-dir:5999/plans";
  std::unique_ptr<Store> store;
  Status s = Store::Open(o, &store);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("cannot connect to PostgreSQL at alice@/tmp/roundtable-no-such-dir:5999/plans"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("s3cret"), std::string::npos) << s.message();
  EXPECT_EQ(store, nullptr);
  o.postgresUrl = "postgresql://[not a url";
  EXPECT_EQ(Store::Open(o, &store).code(), StatusCode::kFailedPrecondition);
}

TEST_F(PostgresStoreTest, SchemaFromANewerVersionIsRefused) {
  open().reset();
  ASSERT_TRUE(sql("UPDATE roundtable_schema SET version = 99").ok());
  std::unique_ptr<Store> store;
  Status s = Store::Open(options(), &store);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("holds Roundtable schema version 99, newer than this build's 1"), std::string::npos)
      << s.message();
  ASSERT_TRUE(sql("UPDATE roundtable_schema SET version = 1").ok());
  EXPECT_NE(open(), nullptr);
}

// Set up once by the database's owner, the store opens as a user who may
// use its tables but create nothing (PostgreSQL 15's default for `public`).
TEST_F(PostgresStoreTest, AUserWhoCannotCreateTablesOpensADatabaseSetUpBefore) {
  open().reset();
  ASSERT_TRUE(sql("DROP ROLE IF EXISTS roundtable_user").ok());
  ASSERT_TRUE(sql("CREATE ROLE roundtable_user LOGIN").ok());
  ASSERT_TRUE(sql("GRANT SELECT, INSERT, UPDATE, DELETE ON roundtable_schema, roundtable_docs, roundtable_updates "
                  "TO roundtable_user; GRANT USAGE ON SEQUENCE roundtable_docs_id_seq TO roundtable_user")
                  .ok());
  StoreOptions o = options();
  o.postgresUrl = gServer->url();
  o.postgresUrl.replace(o.postgresUrl.find("postgres@"), 9, "roundtable_user@");
  std::unique_ptr<Store> store;
  Status s = Store::Open(o, &store);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(appendNow(*store, "doc", bytes("u")).status.ok());
  EXPECT_EQ(load(*store, "doc"), Updates{bytes("u")});
  store.reset();
  ASSERT_TRUE(sql("DROP OWNED BY roundtable_user; DROP ROLE roundtable_user").ok());
}

TEST_F(PostgresStoreTest, DamagedLogIsRefusedNotServedShort) {
  auto store = open();
  for (int i = 0; i < 5; ++i) appendNow(*store, "doc", bytes("u", i));
  appendNow(*store, "other", bytes("o"));
  ASSERT_TRUE(sql("DELETE FROM roundtable_updates WHERE seq = 2 AND doc_id = "
                  "(SELECT id FROM roundtable_docs WHERE name = 'doc'::bytea)")
                  .ok());
  Updates updates;
  Status s = store->load("doc", &updates);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("document 'doc' is damaged in PostgreSQL at postgres@"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("updates 2..2 are missing"), std::string::npos) << s.message();
  EXPECT_TRUE(updates.empty());
  EXPECT_EQ(store->damagedDocs(), std::vector<std::string>{"doc"});
  EXPECT_EQ(store->stats().damagedDocs, 1u);
  EXPECT_EQ(load(*store, "other"), Updates{bytes("o")});

  ASSERT_TRUE(sql("UPDATE roundtable_updates SET data = 'x'::bytea WHERE doc_id = "
                  "(SELECT id FROM roundtable_docs WHERE name = 'other'::bytea)")
                  .ok());
  s = store->load("other", &updates);
  EXPECT_NE(s.message().find("update 0 fails its checksum"), std::string::npos) << s.message();

  // The end of the log lost.
  ASSERT_TRUE(removeNow(*store, "doc").ok());
  for (int i = 0; i < 3; ++i) appendNow(*store, "doc", bytes("u", i));
  ASSERT_TRUE(sql("DELETE FROM roundtable_updates WHERE seq = 2").ok());
  s = store->load("doc", &updates);
  EXPECT_NE(s.message().find("updates 2..2 (the end of its log) are missing"), std::string::npos) << s.message();
}

// Two stores on one database, as two hubs sharing it: appends to one doc
// from both interleave, and every seq is assigned once, gap-free (load
// checks that), with each store's appends in its own call order.
TEST_F(PostgresStoreTest, TwoStoresAppendingToOneDocGetGapFreeSeqs) {
  auto a = open();
  auto b = open();
  constexpr int kEach = 300;
  std::atomic<int> failures = 0;
  auto writer = [&](Store& store, const char* who) {
    for (int i = 0; i < kEach; ++i) {
      store.append("shared", bytes(std::string(who) + ":" + std::to_string(i)), [&](const AppendResult& r) {
        if (!r.status.ok()) ++failures;
      });
    }
    store.flush();
  };
  std::thread ta(writer, std::ref(*a), "a"), tb(writer, std::ref(*b), "b");
  ta.join();
  tb.join();
  EXPECT_EQ(failures, 0);
  Updates all = load(*a, "shared");
  ASSERT_EQ(all.size(), size_t(2 * kEach));
  int nextA = 0, nextB = 0;
  for (const auto& u : all) {
    std::string s(u.begin(), u.end());
    if (s[0] == 'a') EXPECT_EQ(s, "a:" + std::to_string(nextA++));
    else EXPECT_EQ(s, "b:" + std::to_string(nextB++));
  }
  EXPECT_EQ(nextA, kEach);
  EXPECT_EQ(nextB, kEach);
  EXPECT_EQ(load(*b, "shared").size(), all.size());
}

// A compaction replaces only the rows its state is known to hold: an append
// of another hub that this one never loaded stays in the log.
TEST_F(PostgresStoreTest, CompactionKeepsAnotherStoresUnseenAppends) {
  auto a = open();
  auto b = open();
  appendNow(*a, "doc", bytes("a0"));
  appendNow(*a, "doc", bytes("a1"));
  appendNow(*b, "doc", bytes("b2"));  // a has not seen this one
  appendNow(*a, "doc", bytes("a3"));
  ASSERT_TRUE(compactNow(*a, "doc", bytes("state:a0,a1,a3")).ok());
  // a's state covers a0 and a1 (the run it knows from the head); b2 and a3 stay.
  EXPECT_EQ(load(*b, "doc"), (Updates{bytes("state:a0,a1,a3"), bytes("b2"), bytes("a3")}));
  // Once a has loaded everything, its next compaction covers the whole log.
  Updates seen = load(*a, "doc");
  ASSERT_EQ(seen.size(), 3u);
  ASSERT_TRUE(compactNow(*a, "doc", bytes("state:all")).ok());
  EXPECT_EQ(load(*b, "doc"), Updates{bytes("state:all")});
  // A store that never loaded nor started a log compacts nothing of it.
  auto c = open();
  ASSERT_TRUE(compactNow(*c, "doc", bytes("state:nothing")).ok());
  EXPECT_EQ(load(*b, "doc"), Updates{bytes("state:all")});
  // The log continues after the state, gap-free.
  EXPECT_EQ(appendNow(*b, "doc", bytes("b9")).logUpdates, 2u);
  EXPECT_EQ(load(*c, "doc"), (Updates{bytes("state:all"), bytes("b9")}));
}

// Catching up after another hub's compaction: the state row keeps the seq
// of the last row it replaced, so a copy that lacks any row it covers gets
// it, and a copy that has them all gets only the rows after it.
TEST_F(PostgresStoreTest, LoadFromAfterAnotherStoresCompaction) {
  auto a = open();
  auto b = open();
  appendNow(*a, "doc", bytes("a0"));
  appendNow(*a, "doc", bytes("a1"));
  AppendResult b2 = appendNow(*b, "doc", bytes("b2"));
  appendNow(*a, "doc", bytes("a3"));
  ASSERT_TRUE(compactNow(*a, "doc", bytes("state:a0,a1,a3")).ok());  // replaces seqs 0 and 1
  Updates updates;
  uint64_t next = 0;
  ASSERT_TRUE(b->loadFrom("doc", b2.seq, &updates, &next).ok());
  EXPECT_EQ(updates, (Updates{bytes("b2"), bytes("a3")}));
  EXPECT_EQ(next, 4u);
  ASSERT_TRUE(b->loadFrom("doc", 1, &updates, &next).ok());
  EXPECT_EQ(updates, (Updates{bytes("state:a0,a1,a3"), bytes("b2"), bytes("a3")}));
}

// The compaction hint is only given when a compaction would replace rows:
// not while another store's row, never loaded, ends the run this one knows.
TEST_F(PostgresStoreTest, NoCompactionHintWhenNothingCouldBeCompacted) {
  StoreOptions o = options();
  o.compactAfterUpdates = 3;
  std::unique_ptr<Store> a, b;
  ASSERT_TRUE(Store::Open(o, &a).ok());
  ASSERT_TRUE(Store::Open(o, &b).ok());
  EXPECT_FALSE(appendNow(*a, "doc", bytes("a0")).shouldCompact);
  EXPECT_FALSE(appendNow(*a, "doc", bytes("a1")).shouldCompact);
  EXPECT_FALSE(appendNow(*b, "doc", bytes("b2")).shouldCompact);  // b did not start the log: nothing it could compact
  EXPECT_TRUE(appendNow(*a, "doc", bytes("a3")).shouldCompact);   // a can replace a0 and a1
  ASSERT_TRUE(compactNow(*a, "doc", bytes("state:a0,a1,a3")).ok());
  AppendResult r = appendNow(*a, "doc", bytes("a4"));
  EXPECT_EQ(r.logUpdates, 4u);
  EXPECT_FALSE(r.shouldCompact) << "only the state is known to a: nothing to replace";
  // Once a has loaded the log, it can compact all of it again.
  load(*a, "doc");
  EXPECT_TRUE(appendNow(*a, "doc", bytes("a5")).shouldCompact);
}

// Of several hubs appending to one document past the thresholds, only the
// one holding the document's compaction lock is asked to compact; once it
// has, the next one asked may be another; a hub that was asked and never
// compacts gives the lock back after compactionClaim.
TEST_F(PostgresStoreTest, OnlyTheHubHoldingTheCompactionLockIsAsked) {
  StoreOptions o = options();
  o.compactAfterUpdates = 3;
  o.compactionClaim = std::chrono::milliseconds(300);
  std::unique_ptr<Store> a, b;
  ASSERT_TRUE(Store::Open(o, &a).ok());
  ASSERT_TRUE(Store::Open(o, &b).ok());
  appendNow(*a, "doc", bytes("a0"));
  appendNow(*a, "doc", bytes("a1"));
  load(*b, "doc");  // b knows the log from its head too: it could compact it
  EXPECT_TRUE(appendNow(*a, "doc", bytes("a2")).shouldCompact);
  EXPECT_FALSE(appendNow(*b, "doc", bytes("b3")).shouldCompact) << "a holds the lock: b is not asked";
  EXPECT_TRUE(appendNow(*a, "doc", bytes("a4")).shouldCompact) << "a still holds it";
  ASSERT_TRUE(compactNow(*a, "doc", bytes("state:a0-a2")).ok());  // replaces a0..a2; b3 and a4 stay after it
  EXPECT_EQ(load(*b, "doc"), (Updates{bytes("state:a0-a2"), bytes("b3"), bytes("a4")}));
  EXPECT_TRUE(appendNow(*b, "doc", bytes("b5")).shouldCompact) << "a compacted and let go: b is asked";
  EXPECT_FALSE(load(*a, "doc").empty());
  EXPECT_FALSE(appendNow(*a, "doc", bytes("a6")).shouldCompact) << "b holds the lock now";
  // b never compacts; its next transaction after compactionClaim lets go.
  std::this_thread::sleep_for(std::chrono::milliseconds(400));
  appendNow(*b, "other", bytes("x"));
  EXPECT_TRUE(appendNow(*a, "doc", bytes("a7")).shouldCompact) << "b's claim expired";
  // A hub that goes away (its session ends) lets go at once.
  a.reset();
  EXPECT_TRUE(appendNow(*b, "doc", bytes("b8")).shouldCompact);
}

// The server stops: writes fail with a clear error and the store says it is
// unhealthy; when the server is back, the store reconnects and nothing
// acknowledged is missing.
TEST_F(PostgresStoreTest, WritesFailWhileTheServerIsDownAndResumeAfter) {
  auto store = open();
  ASSERT_TRUE(appendNow(*store, "doc", bytes("before")).status.ok());
  gServer->stop();
  AppendResult r = appendNow(*store, "doc", bytes("while down"));
  EXPECT_EQ(r.status.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status.message().find("PostgreSQL"), std::string::npos) << r.status.message();
  EXPECT_FALSE(store->health().ok());
  EXPECT_EQ(store->stats().failedCommits, 1u);
  Status started = gServer->start();
  ASSERT_TRUE(started.ok()) << started.message();
  r = appendNow(*store, "doc", bytes("after"));
  EXPECT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(store->health().ok());
  EXPECT_EQ(load(*store, "doc"), (Updates{bytes("before"), bytes("after")}));
}

// Behind a load balancer a store that said unhealthy gets no writes (the
// balancer sends its hub no clients): asking for its health makes it try an
// empty transaction, so it becomes healthy again without a write.
TEST_F(PostgresStoreTest, HealthRecoversWithoutAWriteWhenAsked) {
  auto store = open();
  ASSERT_TRUE(appendNow(*store, "doc", bytes("before")).status.ok());
  gServer->stop();
  EXPECT_FALSE(appendNow(*store, "doc", bytes("while down")).status.ok());
  EXPECT_FALSE(store->health().ok());
  Status started = gServer->start();
  ASSERT_TRUE(started.ok()) << started.message();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!store->health().ok() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_TRUE(store->health().ok()) << store->health().message();
  Store::Stats st = store->stats();
  EXPECT_EQ(st.failedCommits, 1u) << "probes are not counted";
  EXPECT_EQ(st.appends, 1u);
  EXPECT_EQ(load(*store, "doc"), (Updates{bytes("before")}));
}

// A server that stops answering but keeps its connections open (frozen,
// or a network gone quiet): the write waits, nothing fails, but health says
// so once the wait passes stallLimit, so a load balancer takes the hub out.
// Thawed, the write commits and health recovers.
TEST_F(PostgresStoreTest, HealthFailsWhileAWriteWaitsForAFrozenServer) {
  StoreOptions o = options();
  o.stallLimit = std::chrono::milliseconds(300);
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(o, &store).ok());
  ASSERT_TRUE(appendNow(*store, "doc", bytes("before")).status.ok());
  gServer->freeze();
  std::promise<AppendResult> done;
  store->append("doc", bytes("while frozen"), [&](const AppendResult& r) { done.set_value(r); });
  auto result = done.get_future();
  EXPECT_TRUE(store->health().ok()) << "a wait shorter than stallLimit is not a failure";
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Status health = store->health();
  EXPECT_EQ(result.wait_for(std::chrono::seconds(0)), std::future_status::timeout) << "the write waits";
  EXPECT_FALSE(health.ok());
  EXPECT_NE(health.message().find("has not answered"), std::string::npos) << health.message();
  gServer->thaw();
  ASSERT_EQ(result.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_TRUE(result.get().status.ok());
  EXPECT_TRUE(store->health().ok()) << store->health().message();
  EXPECT_EQ(load(*store, "doc"), (Updates{bytes("before"), bytes("while frozen")}));
}

// With no writes at all, asking for health now and then still finds a frozen
// server: the store runs an empty transaction when it has not heard from the
// server for stallLimit, and that one's wait fails health.
TEST_F(PostgresStoreTest, HealthFindsAFrozenServerWithoutWrites) {
  StoreOptions o = options();
  o.stallLimit = std::chrono::milliseconds(200);
  std::unique_ptr<Store> store;
  ASSERT_TRUE(Store::Open(o, &store).ok());
  ASSERT_TRUE(appendNow(*store, "doc", bytes("before")).status.ok());
  gServer->freeze();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (store->health().ok() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  Status health = store->health();
  gServer->thaw();
  EXPECT_FALSE(health.ok()) << "health stayed ok for 5 s of a frozen server";
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!store->health().ok() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_TRUE(store->health().ok()) << store->health().message();
  EXPECT_EQ(store->stats().failedCommits, 0u);
}

TEST_F(PostgresStoreTest, SizeLimitIsSqliteOnly) {
  auto store = open();
  Status got;
  store->setMaxDatabaseBytes(1, [&](Status s) { got = s; });
  EXPECT_EQ(got.code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace roundtable::store

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::unique_ptr<roundtable::testing::PgServer> server;
  auto started = std::chrono::steady_clock::now();
  roundtable::Status s = roundtable::testing::PgServer::Start(&server);
  if (s.ok()) {
    roundtable::store::gServer = server.get();
    std::printf("[ postgres ] server started in %.2f s\n",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  } else {
    roundtable::store::gServerError = s.message();
    std::fprintf(stderr, "cannot start PostgreSQL for the tests: %s\n", s.message().c_str());
  }
  int rc = RUN_ALL_TESTS();
  server.reset();
  return rc;
}
