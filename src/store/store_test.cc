#include "store/store.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <future>
#include <iterator>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <gtest/gtest.h>

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

const char* syncName(SyncMode mode) {
  switch (mode) {
    case SyncMode::kEveryCommit: return "always";
    case SyncMode::kBackground: return "background";
    case SyncMode::kOff: return "off";
  }
  return "?";
}

// Waits (up to 10 s) for whenSynced's answer.
Status syncedNow(Store& store) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto answer = promise->get_future();
  store.whenSynced([promise](Status s) { promise->set_value(s); });
  if (answer.wait_for(std::chrono::seconds(10)) != std::future_status::ready) return Status::Internal("whenSynced never answered");
  return answer.get();
}

Updates load(Store& store, const std::string& doc) {
  Updates updates;
  Status s = store.load(doc, &updates);
  EXPECT_TRUE(s.ok()) << s.message();
  return updates;
}

class StoreTest : public ::testing::Test {
 protected:
  StoreOptions options() const {
    StoreOptions o;
    o.dir = tmp_.path() / "data";
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

TEST_F(StoreTest, CreatesThePrivateDataDirectory) {
  auto store = open();
  struct stat st;
  ASSERT_EQ(stat(options().dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_TRUE(fs::exists(options().dir / "roundtable.db"));
  EXPECT_TRUE(fs::exists(options().dir / "hub.lock"));
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

TEST_F(StoreTest, ASmallAppendToAnIdleStoreIsCommittedBeforeAppendReturns) {
  auto store = open();
  bool answered = false;
  std::thread::id answeredOn;
  store->append("doc", bytes("small"), [&](const AppendResult& r) {
    EXPECT_TRUE(r.status.ok()) << r.status.message();
    answered = true;
    answeredOn = std::this_thread::get_id();
  });
  EXPECT_TRUE(answered);
  EXPECT_EQ(answeredOn, std::this_thread::get_id());
  // A large one goes to the writer thread.
  std::promise<std::thread::id> bigOn;
  store->append("doc", std::vector<uint8_t>(100000, 'x'), [&](const AppendResult& r) {
    EXPECT_TRUE(r.status.ok()) << r.status.message();
    bigOn.set_value(std::this_thread::get_id());
  });
  EXPECT_NE(bigOn.get_future().get(), std::this_thread::get_id());
  store->flush();
  EXPECT_EQ(load(*store, "doc").size(), 2u);
  EXPECT_EQ(store->stats().commits, 2u);
}

// Under load, appends (here from one thread, as a room's all come from its
// strand) share transactions instead of committing one by one.

TEST_F(StoreTest, WithoutInlineAppendsEveryCommitIsTheWriterThreads) {
  StoreOptions o = options();
  o.inlineAppends = false;
  auto store = open(o);
  for (int i = 0; i < 3; ++i) {
    std::promise<std::thread::id> on;
    store->append("doc", bytes("u", i), [&](const AppendResult& r) {
      EXPECT_TRUE(r.status.ok()) << r.status.message();
      on.set_value(std::this_thread::get_id());
    });
    EXPECT_NE(on.get_future().get(), std::this_thread::get_id());
  }
  EXPECT_EQ(load(*store, "doc").size(), 3u);
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
    std::printf("[ group commit ] fsync %s: %llu appends from %d threads -> %llu commits, %.0f appends/s, "
                "max commit %.2f ms, mean %.2f ms\n",
                syncName(options.sync), (unsigned long long)appends, threads,
                (unsigned long long)st.commits, appends / seconds, st.maxCommitSeconds * 1e3,
                st.commitSecondsSum / st.commitSecondsCount * 1e3);
  }
}

TEST_F(StoreTest, GroupCommitBatchesAppendsFromManyThreads) {
  StoreOptions o = options();
  o.sync = SyncMode::kEveryCommit;
  groupCommitRun(o, 4, 1000, /*print=*/true);
}

TEST_F(StoreTest, GroupCommitWithBackgroundSync) {
  StoreOptions o = options();
  o.sync = SyncMode::kBackground;
  groupCommitRun(o, 4, 1000, /*print=*/true);
}

TEST_F(StoreTest, GroupCommitWithoutFsync) {
  StoreOptions o = options();
  o.sync = SyncMode::kOff;
  groupCommitRun(o, 4, 1000, /*print=*/true);
}

// Background sync: an append's `done` comes at its commit; whenSynced answers
// once an fsync that began after that commit has returned.
TEST_F(StoreTest, BackgroundSyncAnswersAfterAnFsyncOfTheCommits) {
  StoreOptions o = options();
  o.sync = SyncMode::kBackground;
  auto store = open(o);
  EXPECT_TRUE(syncedNow(*store).ok()) << "nothing committed: answered at once";
  // One commit at a time: the syncer is idle before each (everything earlier
  // is answered), so the answer must come after one more fsync.
  for (int i = 0; i < 20; ++i) {
    uint64_t before = store->stats().syncs;
    ASSERT_TRUE(appendNow(*store, "doc", bytes("one", i)).status.ok());
    ASSERT_TRUE(syncedNow(*store).ok());
    EXPECT_GT(store->stats().syncs, before) << "answered without an fsync after the commit";
  }
  // Many commits, each asking from its callback: every one is answered, and
  // commits share fsyncs.
  std::atomic<int> answers{0};
  for (int i = 0; i < 200; ++i) {
    store->append("doc", bytes("u", i), [&](const AppendResult& r) {
      ASSERT_TRUE(r.status.ok()) << r.status.message();
      store->whenSynced([&](Status s) {
        EXPECT_TRUE(s.ok()) << s.message();
        ++answers;
      });
    });
  }
  store->flush();
  EXPECT_TRUE(syncedNow(*store).ok());
  // syncedNow's answer can come at once, on this thread, while the sync
  // thread is still calling the others.
  for (int i = 0; i < 1000 && answers.load() < 200; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  EXPECT_EQ(answers.load(), 200);
  Store::Stats st = store->stats();
  EXPECT_LE(st.syncs, st.commits) << "at most one fsync per commit";
  EXPECT_EQ(load(*store, "doc").size(), 220u);
}

// The writer's automatic checkpoint is replaced by the sync thread's: the
// database file gets the data, the WAL does not keep everything.
TEST_F(StoreTest, BackgroundSyncCheckpoints) {
  StoreOptions o = options();
  o.sync = SyncMode::kBackground;
  auto store = open(o);
  std::vector<uint8_t> page(4000, 7);
  for (int i = 0; i < 3000; ++i) {
    page[0] = uint8_t(i);
    store->append("doc" + std::to_string(i % 10), page, nullptr);
    if (i % 100 == 0) store->flush();  // many commits, as from many clients
  }
  store->flush();
  ASSERT_TRUE(syncedNow(*store).ok());
  for (int i = 0; i < 100 && store->stats().checkpoints == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    appendNow(*store, "tick", bytes("t", i));
  }
  EXPECT_GE(store->stats().checkpoints, 1u);
  EXPECT_GT(fs::file_size(o.dir / "roundtable.db"), uint64_t(3000) * 4000 / 2) << "the data stayed in the WAL";
}

// Someone deletes the WAL under the hub: the commits still succeed (SQLite
// writes to the file it has open), but they cannot be fsynced, and the store
// says so and accepts nothing more, rather than promise what is not on disk.
TEST_F(StoreTest, AFailedFsyncIsReportedAndStopsWrites) {
  StoreOptions o = options();
  o.sync = SyncMode::kBackground;
  auto store = open(o);
  ASSERT_TRUE(appendNow(*store, "doc", bytes("before")).status.ok());
  ASSERT_TRUE(syncedNow(*store).ok());
  EXPECT_TRUE(store->health().ok());
  ASSERT_TRUE(fs::remove(o.dir / "roundtable.db-wal"));
  EXPECT_TRUE(appendNow(*store, "doc", bytes("unsynced")).status.ok()) << "committed, in the deleted file";
  Status synced = syncedNow(*store);
  EXPECT_FALSE(synced.ok());
  EXPECT_NE(synced.message().find("fsync"), std::string::npos) << synced.message();
  AppendResult after = appendNow(*store, "doc", bytes("after"));
  EXPECT_FALSE(after.status.ok());
  EXPECT_NE(after.status.message().find("fsync"), std::string::npos) << after.status.message();
  EXPECT_FALSE(syncedNow(*store).ok()) << "the failure is final";
  EXPECT_NE(store->health().message().find("fsync"), std::string::npos) << store->health().message();
}

// At the descriptor limit the WAL cannot be opened for its fsync. That loses
// nothing (no fsync failed), so it must not poison the store: the answer
// waits, and comes once descriptors are free again. (The process's real
// descriptors are left alone: the sanitizers' runtime needs some, and the
// hub's own EMFILE is exercised by tests/interop/hub_hostile.test.mjs.)
std::atomic<bool> gOutOfDescriptors{false};
int openUnlessOutOfDescriptors(const char* path, int flags) {
  if (gOutOfDescriptors) {
    errno = EMFILE;
    return -1;
  }
  return ::open(path, flags);
}

TEST_F(StoreTest, RunningOutOfDescriptorsDelaysTheFsyncAndBreaksNothing) {
  StoreOptions o = options();
  o.sync = SyncMode::kBackground;
  o.openWalForTesting = &openUnlessOutOfDescriptors;
  auto store = open(o);  // nothing committed yet, so the WAL has not been opened for an fsync
  gOutOfDescriptors = true;
  ASSERT_TRUE(appendNow(*store, "doc", bytes("before")).status.ok());

  auto promise = std::make_shared<std::promise<Status>>();
  auto answer = promise->get_future();
  store->whenSynced([promise](Status s) { promise->set_value(s); });
  EXPECT_EQ(answer.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout) << "answered without an fsync";
  EXPECT_TRUE(store->health().ok()) << store->health().message();
  EXPECT_GT(store->stats().syncRetries, 0u);

  gOutOfDescriptors = false;
  ASSERT_EQ(answer.wait_for(std::chrono::seconds(5)), std::future_status::ready);
  EXPECT_TRUE(answer.get().ok());
  EXPECT_TRUE(store->health().ok());
  EXPECT_TRUE(appendNow(*store, "doc", bytes("after")).status.ok());
  EXPECT_TRUE(syncedNow(*store).ok());
  EXPECT_EQ(load(*store, "doc"), (Updates{bytes("before"), bytes("after")}));
}





TEST_F(StoreTest, SecondOpenInTheSameProcessFails) {
  auto store = open();
  std::unique_ptr<Store> second;
  Status s = Store::Open(options(), &second);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "data directory " + options().dir.string() + " is in use by another roundtable hub (pid " +
                             std::to_string(getpid()) + "); stop it or pass --data DIR");
  EXPECT_EQ(second, nullptr);
  // The failed Open did not disturb the first store.
  EXPECT_TRUE(appendNow(*store, "doc", bytes("u")).status.ok());
}

// Runs `child` in a forked process; returns what it wrote to the pipe it was
// given, once it has exited.
std::string runChild(const std::function<void(int fd)>& child) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    child(fds[1]);
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) out.append(buf, size_t(n));
  close(fds[0]);
  int status;
  waitpid(pid, &status, 0);
  return out;
}

TEST_F(StoreTest, SecondOpenFromAnotherProcessFails) {
  auto store = open();
  StoreOptions o = options();
  std::string message = runChild([&](int fd) {
    std::unique_ptr<Store> second;
    Status s = Store::Open(o, &second);
    std::string text = s.ok() ? "opened" : s.message();
    [[maybe_unused]] ssize_t n = write(fd, text.data(), text.size());
  });
  EXPECT_EQ(message, "data directory " + o.dir.string() + " is in use by another roundtable hub (pid " +
                         std::to_string(getpid()) + "); stop it or pass --data DIR");
}

TEST_F(StoreTest, LockIsReleasedAfterDestruction) {
  open().reset();
  auto again = open();
  EXPECT_NE(again, nullptr);
}

TEST_F(StoreTest, LockIsReleasedWhenTheHolderIsKilled) {
  StoreOptions o = options();
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t pid = fork();
  if (pid == 0) {
    std::unique_ptr<Store> store;
    char c = Store::Open(o, &store).ok() ? 'y' : 'n';
    [[maybe_unused]] ssize_t n = write(fds[1], &c, 1);
    pause();
    _exit(0);
  }
  close(fds[1]);
  char c = 0;
  ASSERT_EQ(read(fds[0], &c, 1), 1);
  close(fds[0]);
  ASSERT_EQ(c, 'y');
  std::unique_ptr<Store> blocked;
  EXPECT_NE(Store::Open(o, &blocked).message().find("(pid " + std::to_string(pid) + ")"), std::string::npos);
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  // The dead hub's pid is still in hub.lock; it must not matter.
  auto store = open(o);
  EXPECT_NE(store, nullptr);
}

TEST_F(StoreTest, StalePidInTheLockFileDoesNotBlock) {
  fs::create_directories(options().dir);
  std::ofstream(options().dir / "hub.lock") << "999999\n";
  auto store = open();
  EXPECT_NE(store, nullptr);
}

TEST_F(StoreTest, FailedCommitReportsToEveryCallbackAndTheStoreRecovers) {
  auto store = open();
  ASSERT_TRUE(appendNow(*store, "a", bytes("seed")).status.ok());
  // Cap the file at its current size and hold the writer thread in the
  // callback of that change, so the next three appends form one batch.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  store->setMaxDatabaseBytes(1, [released](Status s) {
    EXPECT_TRUE(s.ok()) << s.message();
    released.wait();
  });
  std::vector<AppendResult> results;
  auto record = [&](const AppendResult& r) { results.push_back(r); };
  store->append("a", bytes("small"), record);
  store->append("b", std::vector<uint8_t>(200000, 'x'), record);  // does not fit
  store->append("a", bytes("small too"), record);
  release.set_value();
  store->flush();
  ASSERT_EQ(results.size(), 3u);
  for (const AppendResult& r : results) {
    EXPECT_EQ(r.status.code(), StatusCode::kResourceExhausted);
    EXPECT_NE(r.status.message().find("full"), std::string::npos) << r.status.message();
    EXPECT_EQ(r.logUpdates, 0u);
  }
  EXPECT_EQ(store->stats().failedCommits, 1u);
  EXPECT_EQ(store->health().code(), StatusCode::kResourceExhausted) << "writes are failing: unhealthy";
  EXPECT_EQ(load(*store, "a"), Updates{bytes("seed")});
  EXPECT_TRUE(load(*store, "b").empty());
  std::vector<std::string> names;
  ASSERT_TRUE(store->listDocs(&names).ok());
  EXPECT_EQ(names, std::vector<std::string>{"a"});  // "b" was rolled back

  // The condition clears: later appends succeed and log sizes are right.
  store->setMaxDatabaseBytes(0, nullptr);
  AppendResult r = appendNow(*store, "a", bytes("after"));
  EXPECT_TRUE(r.status.ok()) << r.status.message();
  EXPECT_TRUE(store->health().ok()) << "healthy again once a write succeeds";
  EXPECT_EQ(r.logUpdates, 2u);
  EXPECT_EQ(r.logBytes, 9u);
  EXPECT_EQ(appendNow(*store, "b", std::vector<uint8_t>(200000, 'x')).logUpdates, 1u);
  EXPECT_EQ(load(*store, "a"), (Updates{bytes("seed"), bytes("after")}));
}

TEST_F(StoreTest, CorruptDatabaseFailsToOpenWithAClearMessage) {
  fs::create_directories(options().dir);
  std::ofstream(options().dir / "roundtable.db") << std::string(8192, '\x5a');
  std::unique_ptr<Store> store;
  Status s = Store::Open(options(), &store);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find((options().dir / "roundtable.db").string()), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("not a database"), std::string::npos) << s.message();
  EXPECT_EQ(store, nullptr);
  // The failed Open released the directory.
  fs::remove(options().dir / "roundtable.db");
  EXPECT_NE(open(), nullptr);
}

void setUserVersion(const fs::path& db, int version, const char* extraSql = "") {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  std::string sql = std::string(extraSql) + "PRAGMA user_version = " + std::to_string(version) + ";";
  EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  sqlite3_close(raw);
}

TEST_F(StoreTest, DatabaseFromANewerVersionIsRefused) {
  open().reset();
  setUserVersion(options().dir / "roundtable.db", 99);
  std::unique_ptr<Store> store;
  Status s = Store::Open(options(), &store);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("newer roundtable (schema version 99"), std::string::npos) << s.message();
}

TEST_F(StoreTest, ForeignDatabaseIsRefused) {
  fs::create_directories(options().dir);
  setUserVersion(options().dir / "roundtable.db", 3, "CREATE TABLE photos (id INTEGER);");
  std::unique_ptr<Store> store;
  Status s = Store::Open(options(), &store);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("is not a roundtable database"), std::string::npos) << s.message();
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

TEST_F(StoreTest, EveryAcknowledgedAppendSurvivesSigkill) {
  std::random_device rd;
  unsigned seed = rd();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (int run = 0; run < 6; ++run) {
    StoreOptions o = options();
    o.dir = tmp_.path() / ("run" + std::to_string(run));
    o.sync = std::array{SyncMode::kEveryCommit, SyncMode::kBackground, SyncMode::kOff}[run % 3];
    // Run 0 kills the child at once or while it opens the database (maybe
    // mid-migration); the others once appends are flowing.
    bool early = run == 0;
    int delayMs = std::uniform_int_distribution<int>(0, early ? 100 : 300)(rng);
    SCOPED_TRACE("run " + std::to_string(run) + ", kill " + std::to_string(delayMs) + " ms after " +
                 (early ? "fork" : "the first ack") + ", fsync " + syncName(o.sync));

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
    std::printf("[ crash test ] run %d: killed %d ms after %s (fsync %s): %zu acknowledged, %zu stored\n", run,
                delayMs, early ? "fork" : "the first ack", syncName(o.sync), acked.size(),
                stored.size());
  }
}

// --- damage: a log is never loaded short or altered ---

// The doc names and updates the damage tests write: kDocs docs whose appends
// interleave (so that one page of the database holds rows of several), each
// update naming its doc and number.
constexpr int kDamageDocs = 5;
constexpr int kDamageUpdates = 400;
std::string damageDoc(int d) { return "doc" + std::to_string(d); }
std::vector<uint8_t> damageUpdate(int d, int i) {
  char head[32];
  std::snprintf(head, sizeof head, "doc%d-update%03d-", d, i);
  return bytes(std::string(head) + std::string(150, 'x'));
}

void writeDamageDocs(Store& store) {
  for (int i = 0; i < kDamageUpdates; ++i) {
    for (int d = 0; d < kDamageDocs; ++d) store.append(damageDoc(d), damageUpdate(d, i), nullptr);
  }
  store.flush();
}

Updates damageDocUpdates(int d) {
  Updates all;
  for (int i = 0; i < kDamageUpdates; ++i) all.push_back(damageUpdate(d, i));
  return all;
}

std::string readFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Overwrites `length` bytes of the file at `offset` with 0x5a.
void scribble(const fs::path& path, size_t offset, size_t length) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  ASSERT_TRUE(f.good());
  f.seekp(static_cast<std::streamoff>(offset));
  std::string junk(length, '\x5a');
  f.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  ASSERT_TRUE(f.good());
}

// Runs `sql` on the database with a connection of its own (the store closed).
void execRaw(const fs::path& db, const std::string& sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  sqlite3_close(raw);
}

// Numbers of the pages (1-based) of btree `name` of the given type ('leaf', 'internal').
std::vector<int64_t> btreePages(const fs::path& db, const std::string& name, const std::string& type) {
  std::vector<int64_t> pages;
  sqlite3* raw = nullptr;
  EXPECT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  std::string sql = "SELECT pageno FROM dbstat WHERE name = '" + name + "' AND pagetype = '" + type + "' ORDER BY pageno";
  sqlite3_stmt* st = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(raw, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
  while (st && sqlite3_step(st) == SQLITE_ROW) pages.push_back(sqlite3_column_int64(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(raw);
  return pages;
}

// Loads every damage doc: each is either whole and exact (Ok), or refused
// with FailedPrecondition naming it. Returns the refused ones.
std::vector<std::string> loadDamageDocs(Store& store) {
  std::vector<std::string> refused;
  for (int d = 0; d < kDamageDocs; ++d) {
    Updates got;
    Status s = store.load(damageDoc(d), &got);
    if (s.ok()) {
      EXPECT_EQ(got.size(), size_t(kDamageUpdates)) << damageDoc(d) << " loaded short";
      EXPECT_TRUE(got == damageDocUpdates(d)) << damageDoc(d) << " loaded altered";
    } else {
      EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << s.message();
      EXPECT_NE(s.message().find("document '" + damageDoc(d) + "' is damaged"), std::string::npos) << s.message();
      EXPECT_TRUE(got.empty());
      refused.push_back(damageDoc(d));
    }
  }
  return refused;
}

// The report: a damaged page of the primary-key index of `updates`
// made documents load silently short (before the checks, this damage loaded
// doc3 with 229 of its 400 updates and Ok). Now the doc whose entries were on
// the page is refused, and the others load whole.
TEST_F(StoreTest, DamagedIndexPageRefusesItsDocsInsteadOfLoadingThemShort) {
  fs::path db = options().dir / "roundtable.db";
  writeDamageDocs(*open());
  std::vector<int64_t> leaves = btreePages(db, "sqlite_autoindex_updates_1", "leaf");
  ASSERT_GE(leaves.size(), 3u);
  // The page header's cell count (2 bytes at offset 3) says half as many
  // entries as the page holds: SQLite reads the page as valid and never sees
  // the rest.
  size_t header = static_cast<size_t>(leaves[leaves.size() / 2] - 1) * 4096;
  std::string file = readFile(db);
  ASSERT_EQ(file[header], '\x0a') << "an index leaf page";
  unsigned cells = (uint8_t(file[header + 3]) << 8) | uint8_t(file[header + 4]);
  ASSERT_GE(cells, 10u);
  {
    std::fstream f(db, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(header + 3));
    char half[2] = {char((cells / 2) >> 8), char((cells / 2) & 0xff)};
    f.write(half, 2);
  }

  auto store = open();
  ASSERT_NE(store, nullptr);
  std::vector<std::string> refused = loadDamageDocs(*store);
  EXPECT_GE(refused.size(), 1u) << "the damage was not noticed";
  EXPECT_LT(refused.size(), size_t(kDamageDocs)) << "the docs not on the page load";
  EXPECT_EQ(store->damagedDocs(), refused);
  EXPECT_EQ(store->stats().damagedDocs, refused.size());
}

// A damaged row of `updates` (bytes of one update's data overwritten) fails
// its checksum: the doc is refused, the others load whole.
TEST_F(StoreTest, DamagedUpdateDataFailsItsChecksum) {
  fs::path db = options().dir / "roundtable.db";
  writeDamageDocs(*open());
  std::vector<uint8_t> known = damageUpdate(2, 50);
  std::string file = readFile(db);
  size_t at = file.find(std::string(known.begin(), known.begin() + 16));
  ASSERT_NE(at, std::string::npos);
  scribble(db, at + 20, 4);  // inside the 'x's: SQLite's own structure is intact

  auto store = open();
  std::vector<std::string> refused = loadDamageDocs(*store);
  EXPECT_EQ(refused, std::vector<std::string>{"doc2"});
  Updates got;
  Status s = store->load("doc2", &got);
  EXPECT_NE(s.message().find("update 50 fails its checksum"), std::string::npos) << s.message();
}

// A page of `updates` overwritten whole: SQLite reports the file corrupt
// while reading those docs, which becomes FailedPrecondition for each (no crash, no
// short copy); a doc whose rows are on other pages loads, and the store
// still takes appends to it.
TEST_F(StoreTest, CorruptTablePageRefusesTheDocsOnIt) {
  fs::path db = options().dir / "roundtable.db";
  Updates solo;
  {
    auto store = open();
    for (int i = 0; i < 20; ++i) {
      solo.push_back(bytes("solo" + std::to_string(i) + std::string(1000, 's')));
      store->append("solo", solo.back(), nullptr);
    }
    writeDamageDocs(*store);
  }
  std::string file = readFile(db);
  size_t at = file.find("doc2-update200-");
  ASSERT_NE(at, std::string::npos);
  scribble(db, at / 4096 * 4096, 4096);

  auto store = open();
  std::vector<std::string> refused = loadDamageDocs(*store);
  EXPECT_GE(refused.size(), 1u);
  EXPECT_EQ(load(*store, "solo"), solo);
  EXPECT_TRUE(appendNow(*store, "solo", bytes("more")).status.ok());
}

// Rows lost from the middle, the start or the end of a log (here deleted
// behind the store's back) are noticed against the doc's recorded seq range.
TEST_F(StoreTest, MissingRowsAnywhereInTheLogAreNoticed) {
  fs::path db = options().dir / "roundtable.db";
  {
    auto store = open();
    for (const char* doc : {"middle", "first", "last", "all", "whole"}) {
      for (int i = 0; i < 5; ++i) ASSERT_TRUE(appendNow(*store, doc, bytes("u", i)).status.ok());
    }
    ASSERT_TRUE(compactNow(*store, "whole", bytes("state")).ok());
    ASSERT_TRUE(appendNow(*store, "whole", bytes("after")).status.ok());
  }
  auto idOf = [](const char* doc) { return std::string("(SELECT id FROM docs WHERE name = '") + doc + "')"; };
  execRaw(db, "DELETE FROM updates WHERE doc_id = " + idOf("middle") + " AND seq = 2;"
              "DELETE FROM updates WHERE doc_id = " + idOf("first") + " AND seq = 0;"
              "DELETE FROM updates WHERE doc_id = " + idOf("last") + " AND seq = 4;"
              "DELETE FROM updates WHERE doc_id = " + idOf("all") + ";");
  auto store = open();
  std::map<std::string, std::string> expect = {{"middle", "updates 2..2 are missing"},
                                               {"first", "updates 0..0 are missing"},
                                               {"last", "updates 4..4 (the end of its log) are missing"},
                                               {"all", "updates 0..4 (the end of its log) are missing"}};
  for (const auto& [doc, why] : expect) {
    Updates got;
    Status s = store->load(doc, &got);
    EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition) << doc;
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
    EXPECT_TRUE(got.empty());
  }
  EXPECT_EQ(load(*store, "whole"), (Updates{bytes("state"), bytes("after")}));
  EXPECT_EQ(store->damagedDocs(), (std::vector<std::string>{"all", "first", "last", "middle"}));
  // Appends to a damaged doc keep their place after the recorded end: the
  // gap stays, and so does the refusal.
  ASSERT_TRUE(appendNow(*store, "last", bytes("late")).status.ok());
  Updates got;
  EXPECT_EQ(store->load("last", &got).code(), StatusCode::kFailedPrecondition);
  // Removing a damaged doc clears it.
  ASSERT_TRUE(removeNow(*store, "middle").ok());
  EXPECT_TRUE(load(*store, "middle").empty());
  EXPECT_EQ(store->damagedDocs(), (std::vector<std::string>{"all", "first", "last"}));
}

// A database of schema version 1 (no checksums, no recorded ranges) is
// migrated: its logs load as before, their ranges are recorded (so a lost
// row is noticed from now on), and new rows carry checksums.
TEST_F(StoreTest, Version1DatabaseIsMigrated) {
  fs::create_directories(options().dir);
  fs::path db = options().dir / "roundtable.db";
  execRaw(db,
          "CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
          "CREATE TABLE updates (doc_id INTEGER NOT NULL REFERENCES docs(id), seq INTEGER NOT NULL,"
          "  data BLOB NOT NULL, PRIMARY KEY (doc_id, seq));"
          "INSERT INTO docs VALUES (1, 'a'), (2, 'b');"
          "INSERT INTO updates VALUES (1, 0, 'a0'), (1, 1, 'a1'), (2, 7, 'state'), (2, 8, 'b8');"
          "PRAGMA application_id = 1381253681; PRAGMA user_version = 1;");
  {
    auto store = open();
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(load(*store, "a"), (Updates{bytes("a0"), bytes("a1")}));
    EXPECT_EQ(load(*store, "b"), (Updates{bytes("state"), bytes("b8")}));
    EXPECT_EQ(appendNow(*store, "b", bytes("b9")).logUpdates, 3u);
  }
  execRaw(db, "DELETE FROM updates WHERE doc_id = 1 AND seq = 1;");
  auto store = open();
  EXPECT_EQ(load(*store, "b"), (Updates{bytes("state"), bytes("b8"), bytes("b9")}));
  Updates got;
  EXPECT_EQ(store->load("a", &got).code(), StatusCode::kFailedPrecondition);
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &raw), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT (SELECT user_version FROM pragma_user_version),"
                                    " (SELECT count(*) FROM updates WHERE crc IS NULL),"
                                    " (SELECT count(*) FROM updates WHERE crc IS NOT NULL)", -1, &st, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int64(st, 0), 2);
  EXPECT_EQ(sqlite3_column_int64(st, 1), 3);  // a0, state, b8: written by version 1
  EXPECT_EQ(sqlite3_column_int64(st, 2), 1);  // b9
  sqlite3_finalize(st);
  sqlite3_close(raw);
}

}  // namespace
}  // namespace roundtable::store
