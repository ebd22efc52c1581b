#include "hub/connection_limiter.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace roundtable::hub {
namespace {

TEST(ConnectionLimiter, RefusesPastTheLimitWhenNoConnectionWaits) {
  auto limiter = std::make_shared<ConnectionLimiter>(2);
  ConnectionToken a, b, c;
  EXPECT_TRUE(limiter->tryAcquire("1.2.3.4", &a));
  EXPECT_TRUE(limiter->tryAcquire("1.2.3.4", &b));
  EXPECT_FALSE(limiter->tryAcquire("1.2.3.4", &c));
  ConnectionToken other;
  EXPECT_TRUE(limiter->tryAcquire("5.6.7.8", &other)) << "limits are per address";
  EXPECT_EQ(limiter->total(), 3u);
}

TEST(ConnectionLimiter, ANewConnectionDisplacesTheOldestThatNeverCompletedARequest) {
  auto limiter = std::make_shared<ConnectionLimiter>(3);
  std::vector<std::string> evicted;
  ConnectionToken servedIdle, fresh1, fresh2, next;
  ASSERT_TRUE(limiter->tryAcquire("127.0.0.1", &servedIdle));
  ASSERT_TRUE(limiter->tryAcquire("127.0.0.1", &fresh1));
  ASSERT_TRUE(limiter->tryAcquire("127.0.0.1", &fresh2));
  servedIdle.waiting(/*served=*/true, [&] { evicted.push_back("servedIdle"); });
  fresh1.waiting(/*served=*/false, [&] { evicted.push_back("fresh1"); });
  fresh2.waiting(/*served=*/false, [&] { evicted.push_back("fresh2"); });

  EXPECT_TRUE(limiter->tryAcquire("127.0.0.1", &next));
  EXPECT_EQ(evicted, std::vector<std::string>{"fresh1"});
  fresh1 = ConnectionToken();  // the evicted connection closes

  ConnectionToken next2, next3;
  EXPECT_TRUE(limiter->tryAcquire("127.0.0.1", &next2));
  fresh2 = ConnectionToken();
  EXPECT_TRUE(limiter->tryAcquire("127.0.0.1", &next3)) << "then the idle keep-alive connection";
  EXPECT_EQ(evicted, (std::vector<std::string>{"fresh1", "fresh2", "servedIdle"}));
  EXPECT_EQ(limiter->evictions(), 3u);
}

TEST(ConnectionLimiter, BusyConnectionsAreNeverDisplaced) {
  auto limiter = std::make_shared<ConnectionLimiter>(1);
  bool evicted = false;
  ConnectionToken a, b;
  ASSERT_TRUE(limiter->tryAcquire("h", &a));
  a.waiting(false, [&] { evicted = true; });
  a.busy();  // its request arrived
  EXPECT_FALSE(limiter->tryAcquire("h", &b));
  EXPECT_FALSE(evicted);
}

TEST(ConnectionLimiter, AClosedConnectionFreesItsSlotAndItsWaitingEntry) {
  auto limiter = std::make_shared<ConnectionLimiter>(1);
  {
    ConnectionToken a;
    ASSERT_TRUE(limiter->tryAcquire("h", &a));
    a.waiting(false, [] { FAIL() << "a closed connection was evicted"; });
    ConnectionToken moved = std::move(a);  // the token moves with its connection
  }
  EXPECT_EQ(limiter->total(), 0u);
  ConnectionToken b, c;
  EXPECT_TRUE(limiter->tryAcquire("h", &b));
  EXPECT_FALSE(limiter->tryAcquire("h", &c));
  EXPECT_EQ(limiter->evictions(), 0u);
}

}  // namespace
}  // namespace roundtable::hub
