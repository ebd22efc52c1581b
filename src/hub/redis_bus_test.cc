#include "hub/redis_bus.h"

#include <gtest/gtest.h>

namespace roundtable::hub {
namespace {

TEST(RedisUrl, ParsesHostPortAndUnixSockets) {
  RedisTarget t;
  ASSERT_TRUE(parseRedisUrl("redis://localhost", &t).ok());
  EXPECT_EQ(t.host, "localhost");
  EXPECT_EQ(t.port, 6379);
  ASSERT_TRUE(parseRedisUrl("redis://10.0.0.5:7000/", &t).ok());
  EXPECT_EQ(t.host, "10.0.0.5");
  EXPECT_EQ(t.port, 7000);
  ASSERT_TRUE(parseRedisUrl("unix:///run/redis/redis.sock", &t).ok());
  EXPECT_EQ(t.unixSocket, "/run/redis/redis.sock");
  EXPECT_TRUE(t.host.empty());
  EXPECT_EQ(t.describe(), "Redis at unix:/run/redis/redis.sock");
  for (const char* bad : {"http://x", "redis://", "redis://:6379", "redis://h:0", "redis://h:70000", "redis://h:12x",
                          "redis://user@h", "redis://h/1", "unix://relative.sock", "unix://"}) {
    Status s = parseRedisUrl(bad, &t);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("expected redis://host[:port]"), std::string::npos) << s.message();
  }
}

}  // namespace
}  // namespace roundtable::hub
