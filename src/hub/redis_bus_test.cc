#include "hub/redis_bus.h"

#include <gtest/gtest.h>

namespace roundtable::hub {
namespace {

TEST(RedisUrl, ParsesHostPortAndUnixSockets) {
  RedisTarget t;
  ASSERT_TRUE(parseRedisUrl("redis://localhost", &t).ok());
  EXPECT_EQ(t.host, "localhost");
  EXPECT_EQ(t.port, 6379);
  EXPECT_EQ(t.db, 0);
  EXPECT_TRUE(t.password.empty());
  ASSERT_TRUE(parseRedisUrl("redis://10.0.0.5:7000/", &t).ok());
  EXPECT_EQ(t.host, "10.0.0.5");
  EXPECT_EQ(t.port, 7000);
  ASSERT_TRUE(parseRedisUrl("redis://[::1]:7001", &t).ok());
  EXPECT_EQ(t.host, "::1");
  EXPECT_EQ(t.port, 7001);
  EXPECT_EQ(t.describe(), "Redis at [::1]:7001");
  ASSERT_TRUE(parseRedisUrl("unix:///run/redis/redis.sock", &t).ok());
  EXPECT_EQ(t.unixSocket, "/run/redis/redis.sock");
  EXPECT_TRUE(t.host.empty());
  EXPECT_EQ(t.describe(), "Redis at unix:/run/redis/redis.sock");
}

TEST(RedisUrl, ParsesUserPasswordAndDatabase) {
  RedisTarget t;
  // redis-cli -u's form; the userinfo is percent-decoded.
  ASSERT_TRUE(parseRedisUrl("redis://:s%40cr%3At@cache:6380/3", &t).ok());
  EXPECT_EQ(t.host, "cache");
  EXPECT_EQ(t.port, 6380);
  EXPECT_EQ(t.user, "");
  EXPECT_EQ(t.password, "s@cr:t");
  EXPECT_EQ(t.db, 3);
  ASSERT_TRUE(parseRedisUrl("redis://ro%2Bundtable:pw@cache/12", &t).ok());
  EXPECT_EQ(t.user, "ro+undtable");
  EXPECT_EQ(t.password, "pw");
  EXPECT_EQ(t.db, 12);
  EXPECT_EQ(t.describe(), "Redis at cache:6379 (database 12) as user 'ro+undtable'");
  EXPECT_EQ(t.describe().find("pw"), std::string::npos);
  // An unescaped @ or / in the password: the last @ ends it.
  ASSERT_TRUE(parseRedisUrl("redis://u:p@ss/w@cache", &t).ok());
  EXPECT_EQ(t.password, "p@ss/w");
  EXPECT_EQ(t.host, "cache");
  // A user alone: the password comes from --bus-password-file.
  ASSERT_TRUE(parseRedisUrl("redis://alice@cache", &t).ok());
  EXPECT_EQ(t.user, "alice");
  EXPECT_EQ(t.password, "");
  ASSERT_TRUE(parseRedisUrl("unix://:pw@/run/redis.sock?db=2", &t).ok());
  EXPECT_EQ(t.unixSocket, "/run/redis.sock");
  EXPECT_EQ(t.password, "pw");
  EXPECT_EQ(t.db, 2);
  // A unix:// path with an @ in it is a path, not a user.
  ASSERT_TRUE(parseRedisUrl("unix:///tmp/a@/b.sock", &t).ok());
  EXPECT_EQ(t.unixSocket, "/tmp/a@/b.sock");
  EXPECT_EQ(t.password, "");
}

TEST(RedisUrl, RefusesMalformedUrlsWithoutShowingThePassword) {
  RedisTarget t;
  for (const char* bad :
       {"http://x", "redis://", "redis://:6379", "redis://h:0", "redis://h:70000", "redis://h:12x", "redis://h:",
        "redis://h/x", "redis://h/-1", "redis://h/1234567890", "redis://h?db=1", "redis://::1", "redis://[::1",
        "redis://[::1]x", "unix://relative.sock", "unix://", "unix:///s?db=x", "unix:///s?timeout=1",
        "redis://:%zzsecret@h", "unix://:secret@relative"}) {
    Status s = parseRedisUrl(bad, &t);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("expected redis://[[user]:password@]host[:port][/db]"), std::string::npos)
        << s.message();
    EXPECT_EQ(s.message().find("secret"), std::string::npos) << s.message();
  }
  std::string longPassword = "redis://:" + std::string(1025, 'p') + "@h";
  EXPECT_FALSE(parseRedisUrl(longPassword, &t).ok());
  EXPECT_FALSE(parseRedisUrl("redis://h/" + std::string(5000, '1'), &t).ok());
}

}  // namespace
}  // namespace roundtable::hub
