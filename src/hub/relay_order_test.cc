// RelayOrder: the rule that a room relays nothing before the store committed
// it and everything in commit order, driven through the orders in which the
// store reports commits (late, batched, out of order, inline before append
// returns, failed). The Node crash tests (hub_crash, hub_persist) check the
// same rule end to end by killing the hub; these check each order on its own.
#include "hub/relay_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace roundtable::hub {
namespace {

SharedBytes msg(std::string_view text) { return share(Bytes(text.begin(), text.end())); }
std::string text(const SharedBytes& bytes) { return bytes ? std::string(bytes->begin(), bytes->end()) : "(null)"; }

std::vector<std::string> texts(const std::vector<Relay>& relays) {
  std::vector<std::string> out;
  for (auto& r : relays) out.push_back(text(r.bytes));
  return out;
}

using Texts = std::vector<std::string>;

// Waiters that write down their name (and any error) when answered.
struct Answers {
  std::vector<std::string> got;
  RelayOrder::Waiter waiter(std::string name) {
    return [this, name](Status s) { got.push_back(s.ok() ? name : name + ": " + s.message()); };
  }
  void answer(std::vector<RelayOrder::Waiter> waiters, Status s = Status::Ok()) {
    for (auto& w : waiters) w(s);
  }
};

TEST(RelayOrder, NothingIsReleasedBeforeItsCommit) {
  RelayOrder order;
  EXPECT_TRUE(order.settled());
  EXPECT_EQ(order.holdUpdate(1, msg("a")), 1u);
  EXPECT_EQ(order.holdUpdate(2, msg("b")), 2u);
  EXPECT_EQ(order.holdUpdate(1, msg("c")), 3u);
  EXPECT_FALSE(order.settled());
  EXPECT_EQ(order.held(), 3u);

  EXPECT_EQ(texts(order.commit(2).relays), (Texts{"a", "b"}));
  EXPECT_EQ(order.held(), 1u);
  EXPECT_FALSE(order.settled());
  EXPECT_EQ(texts(order.commit(3).relays), (Texts{"c"}));
  EXPECT_EQ(order.held(), 0u);
  EXPECT_TRUE(order.settled());
  EXPECT_EQ(order.committed(), 3u);
}

// A room reading the store can meet its own update there before the store
// reported it committed: the room asks whether it holds it, and does not
// relay it a second time.
TEST(RelayOrder, TellsWhetherAnUpdateIsHeld) {
  RelayOrder order;
  order.holdUpdate(1, msg("a"));
  order.holdReply(2, msg("r"));
  EXPECT_TRUE(order.holdsUpdate(*msg("a")));
  EXPECT_FALSE(order.holdsUpdate(*msg("b")));
  EXPECT_FALSE(order.holdsUpdate(*msg("r"))) << "a reply is not an update";
  order.commit(1);
  EXPECT_FALSE(order.holdsUpdate(*msg("a"))) << "released: no longer held";
}

TEST(RelayOrder, AnUpdateGoesToEveryoneButItsSender) {
  RelayOrder order;
  order.holdUpdate(7, msg("from 7"));
  order.holdUpdate(0, msg("from nobody"));  // an edit by the hub, or one the sender needs back
  std::vector<Relay> out = order.commit(2).relays;
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].to, 0u);
  EXPECT_EQ(out[0].from, 7u);
  EXPECT_EQ(out[1].to, 0u);
  EXPECT_EQ(out[1].from, 0u);
}

// One report may cover several updates (a group commit, or a success that
// overtook the reports of earlier ones); reports can come late or repeat.
TEST(RelayOrder, BatchedLateAndRepeatedReports) {
  RelayOrder order;
  for (std::string t : {"a", "b", "c", "d", "e"}) order.holdUpdate(1, msg(t));
  EXPECT_EQ(texts(order.commit(4).relays), (Texts{"a", "b", "c", "d"}));
  EXPECT_TRUE(order.commit(2).relays.empty());  // late: already released
  EXPECT_TRUE(order.commit(4).relays.empty());  // repeated
  EXPECT_EQ(order.committed(), 4u);
  EXPECT_EQ(texts(order.commit(5).relays), (Texts{"e"}));
  EXPECT_TRUE(order.settled());
}

TEST(RelayOrder, AReplyWaitsForTheUpdatesBeforeItAndNoLonger) {
  RelayOrder order;
  order.holdUpdate(1, msg("u1"));
  EXPECT_EQ(order.holdReply(2, msg("step2 for 2")), nullptr);  // carries u1: held
  order.holdUpdate(3, msg("u2"));

  // u2 is not committed, but the reply does not wait for it.
  std::vector<Relay> first = order.commit(1).relays;
  EXPECT_EQ(texts(first), (Texts{"u1", "step2 for 2"}));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[1].to, 2u);
  EXPECT_EQ(texts(order.commit(2).relays), (Texts{"u2"}));

  // Nothing pending: the reply is for now.
  EXPECT_EQ(text(order.holdReply(2, msg("step2 again"))), "step2 again");
  EXPECT_EQ(order.held(), 0u);
}

TEST(RelayOrder, AReplyStaysBehindAnUpdateCommittedWithIt) {
  RelayOrder order;
  order.holdUpdate(1, msg("u1"));
  order.holdUpdate(1, msg("u2"));
  EXPECT_EQ(order.holdReply(4, msg("r")), nullptr);
  order.holdUpdate(1, msg("u3"));
  EXPECT_EQ(texts(order.commit(1).relays), (Texts{"u1"}));
  EXPECT_EQ(texts(order.commit(3).relays), (Texts{"u2", "r", "u3"}));
}

// Store::append may commit inline and call back before it returns: the room
// holds the update first, so the report finds it. A reply or waiter
// registered after that (in the same handler) finds everything committed.
TEST(RelayOrder, InlineCommitsReportBeforeTheNextMessageIsRegistered) {
  RelayOrder order;
  Answers answers;
  RelayOrder::Seq seq = order.holdUpdate(1, msg("u1"));
  EXPECT_EQ(texts(order.commit(seq).relays), (Texts{"u1"}));  // reported from inside append
  EXPECT_EQ(text(order.holdReply(1, msg("step2"))), "step2");
  RelayOrder::Waiter now = order.wait(answers.waiter("edit"));
  ASSERT_TRUE(now);  // to answer now (once synced)
  now(Status::Ok());
  EXPECT_EQ(answers.got, (Texts{"edit"}));

  // A queued update whose report has not come back when the next one is
  // committed inline: the inline report releases both, the late one nothing.
  order.holdUpdate(1, msg("queued"));
  RelayOrder::Seq inlined = order.holdUpdate(2, msg("inline"));
  EXPECT_EQ(texts(order.commit(inlined).relays), (Texts{"queued", "inline"}));
  EXPECT_TRUE(order.commit(inlined - 1).relays.empty());
  EXPECT_TRUE(order.settled());
}

TEST(RelayOrder, WaitersAreAnsweredBySequence) {
  RelayOrder order;
  Answers answers;
  order.holdUpdate(0, msg("u1"));
  EXPECT_FALSE(order.wait(answers.waiter("A")));
  order.holdUpdate(0, msg("u2"));
  EXPECT_FALSE(order.wait(answers.waiter("B")));
  EXPECT_FALSE(order.wait(answers.waiter("C")));

  RelayOrder::Released first = order.commit(1);
  EXPECT_EQ(texts(first.relays), (Texts{"u1"}));
  answers.answer(std::move(first.waiters));
  EXPECT_EQ(answers.got, (Texts{"A"}));

  answers.answer(order.commit(2).waiters);
  EXPECT_EQ(answers.got, (Texts{"A", "B", "C"}));
}

// A commit fails after earlier ones succeeded: what was released stays
// released, everything held is dropped (the room disconnects its clients,
// which get the document again when they reconnect), the waiters not yet
// answered are handed back to be told, and nothing is released afterwards.
TEST(RelayOrder, AFailureMidwayDropsWhatIsHeldAndHandsBackTheWaiters) {
  RelayOrder order;
  Answers answers;
  order.holdUpdate(1, msg("u1"));
  order.holdUpdate(1, msg("u2"));
  EXPECT_FALSE(order.wait(answers.waiter("A")));
  order.holdUpdate(2, msg("u3"));
  EXPECT_EQ(order.holdReply(5, msg("r")), nullptr);
  EXPECT_FALSE(order.wait(answers.waiter("B")));
  order.holdUpdate(2, msg("u4"));

  // u1 and u2 were committed together; the batch with u3 fails.
  RelayOrder::Released committed = order.commit(2);
  EXPECT_EQ(texts(committed.relays), (Texts{"u1", "u2"}));
  answers.answer(std::move(committed.waiters));

  answers.answer(order.fail(), Status::FailedPrecondition("storing failed"));
  EXPECT_EQ(answers.got, (Texts{"A", "B: storing failed"}));
  EXPECT_TRUE(order.failed());
  EXPECT_FALSE(order.settled());
  EXPECT_EQ(order.held(), 0u);

  // A success reported after the failure (u4 was committed in a later
  // batch, say) releases nothing: the room has let its clients go.
  RelayOrder::Released late = order.commit(4);
  EXPECT_TRUE(late.relays.empty());
  EXPECT_TRUE(late.waiters.empty());
  // What the failed room still does holds nothing; a waiter comes straight back.
  EXPECT_EQ(order.holdUpdate(1, msg("u5")), 5u);
  EXPECT_EQ(order.held(), 0u);
  EXPECT_EQ(order.holdReply(5, msg("late reply")), nullptr);
  EXPECT_TRUE(order.wait(answers.waiter("C")));
  EXPECT_TRUE(order.fail().empty());
}

TEST(RelayOrder, AConnectionLeavesWhileItsMessagesAreHeld) {
  RelayOrder order;
  order.holdUpdate(7, msg("u1 from 7"));
  EXPECT_EQ(order.holdReply(7, msg("step2 for 7")), nullptr);
  EXPECT_EQ(order.holdReply(8, msg("step2 for 8")), nullptr);
  order.holdUpdate(8, msg("u2 from 8"));

  order.leave(7);
  EXPECT_EQ(order.held(), 3u);
  order.leave(0);  // no connection: drops nothing
  order.leave(9);  // nothing held for it
  EXPECT_EQ(order.held(), 3u);

  // 7's update still reaches the others; its reply is gone.
  EXPECT_EQ(texts(order.commit(2).relays), (Texts{"u1 from 7", "step2 for 8", "u2 from 8"}));
  order.leave(8);
  EXPECT_TRUE(order.settled());
}

// Random schedules of what a room and its store do: updates, replies and
// waiters registered, connections leaving, the store committing in order in
// random batches (some inline, from inside append), and its reports reaching
// the strand late, out of order or twice. After every step: nothing was
// released whose number was not reported committed, what is released is
// exactly what the reports allow, and the released stream is the held
// stream in order (less replies to connections that left).
TEST(RelayOrder, RandomSchedulesKeepTheRule) {
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };

    RelayOrder order;
    struct Item {
      std::string name;
      RelayOrder::Seq seq;  // released once this is committed
      ConnId to;            // a reply's connection
      bool waiter;
    };
    std::vector<Item> held;  // registered and not yet released, in order
    std::vector<std::string> expected, released, expectedAnswers, answered;
    std::vector<ConnId> live = {1, 2, 3};
    ConnId nextConn = 4;
    RelayOrder::Seq numbered = 0, storeCommitted = 0, reported = 0;
    std::vector<RelayOrder::Seq> reports;  // committed, not yet reported to the room
    std::map<std::string, RelayOrder::Seq> seqOf;
    int n = 0;

    // Everything registered at or below the reported commit, in order,
    // except replies to connections that left.
    auto expectUpTo = [&](RelayOrder::Seq upTo) {
      auto firstLater = std::find_if(held.begin(), held.end(), [&](const Item& i) { return i.seq > upTo; });
      for (auto it = held.begin(); it != firstLater; ++it) {
        if (it->waiter) {
          expectedAnswers.push_back(it->name);
        } else if (it->to == 0 || std::count(live.begin(), live.end(), it->to)) {
          expected.push_back(it->name);
        }
      }
      held.erase(held.begin(), firstLater);
    };
    auto report = [&](RelayOrder::Seq seq) {
      RelayOrder::Released out = order.commit(seq);
      for (auto& r : out.relays) {
        released.push_back(text(r.bytes));
        ASSERT_LE(seqOf[text(r.bytes)], std::max(reported, seq)) << text(r.bytes) << " relayed before its commit";
      }
      for (auto& w : out.waiters) w(Status::Ok());
      reported = std::max(reported, seq);
      expectUpTo(reported);
      ASSERT_EQ(released, expected);
      ASSERT_EQ(answered, expectedAnswers);
    };

    for (int step = 0; step < 200; ++step) {
      int what = static_cast<int>(rng() % 100);
      ConnId conn = live.empty() ? 0 : live[rng() % live.size()];
      std::string name = std::to_string(n++);  // each message and waiter by its own name
      if (what < 35) {
        RelayOrder::Seq seq = order.holdUpdate(chance(80) ? conn : 0, msg(name));
        ASSERT_EQ(seq, ++numbered);
        seqOf[name] = seq;
        held.push_back({name, seq, 0, false});
        // The store commits it inline when it has nothing else to do (the
        // reports of earlier commits may still be on their way): reported at once.
        if (storeCommitted == numbered - 1 && chance(30)) {
          storeCommitted = seq;
          report(seq);
        }
      } else if (what < 50 && conn != 0) {
        seqOf[name] = numbered;
        if (SharedBytes now = order.holdReply(conn, msg(name))) {
          ASSERT_EQ(reported, numbered) << "a reply went before the updates it follows";
          ASSERT_TRUE(held.empty());
          expected.push_back(text(now));
          released.push_back(text(now));
        } else {
          ASSERT_LT(reported, numbered) << "a reply was held with nothing to wait for";
          held.push_back({name, numbered, conn, false});
        }
      } else if (what < 58) {
        RelayOrder::Waiter now = order.wait([&answered, name](Status s) { answered.push_back(name); });
        if (now) {
          ASSERT_EQ(reported, numbered);
          expectedAnswers.push_back(name);
          now(Status::Ok());
        } else {
          held.push_back({name, numbered, 0, true});
        }
      } else if (what < 62 && conn != 0) {
        order.leave(conn);
        std::erase(live, conn);
        live.push_back(nextConn++);
      } else if (what < 82) {
        // A group commit: the store commits a batch of what it was given.
        if (storeCommitted < numbered) {
          storeCommitted += 1 + rng() % (numbered - storeCommitted);
          reports.push_back(storeCommitted);
        }
      } else if (!reports.empty()) {
        // A report reaches the strand: any of those in flight, maybe twice.
        size_t i = rng() % reports.size();
        RelayOrder::Seq seq = reports[i];
        if (!chance(10)) reports.erase(reports.begin() + static_cast<std::ptrdiff_t>(i));
        report(seq);
      }
      if (HasFatalFailure()) return;
      ASSERT_EQ(released, expected);
      ASSERT_EQ(order.settled(), reported == numbered);
    }
    // The store catches up and every report arrives.
    if (storeCommitted < numbered) reports.push_back(numbered);
    std::shuffle(reports.begin(), reports.end(), rng);
    for (RelayOrder::Seq seq : reports) report(seq);
    EXPECT_TRUE(order.settled());
    EXPECT_EQ(order.held(), 0u);
    EXPECT_TRUE(held.empty());
    EXPECT_EQ(released, expected);
    EXPECT_EQ(answered, expectedAnswers);
  }
}


TEST(RelayOrder, AStoreOnlyUpdateHoldsBackWhatFollowsAndRelaysNothing) {
  RelayOrder order;
  RelayOrder::Seq a = order.holdUpdate(1, msg("a"));
  RelayOrder::Seq stored = order.holdStoreOnly();
  EXPECT_FALSE(order.holdReply(2, msg("answer")));  // behind both
  RelayOrder::Seq b = order.holdUpdate(1, msg("b"));
  EXPECT_EQ(stored, a + 1);
  EXPECT_EQ(texts(order.commit(a).relays), Texts{"a"});
  EXPECT_TRUE(order.commit(stored).relays.size() == 1);  // the answer only
  EXPECT_EQ(texts(order.commit(b).relays), Texts{"b"});
  EXPECT_TRUE(order.settled());
}

}  // namespace
}  // namespace roundtable::hub
