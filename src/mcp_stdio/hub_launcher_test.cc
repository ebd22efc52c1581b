#include "mcp_stdio/hub_launcher.h"

#include <gtest/gtest.h>

namespace roundtable::mcp_stdio {
namespace {

TEST(HubUrl, ReadsSchemeHostAndPort) {
  HubAddress hub;
  ASSERT_TRUE(parseHubUrl("https://roundtable.example.com", &hub).ok());
  EXPECT_TRUE(hub.remote);
  EXPECT_TRUE(hub.tls);
  EXPECT_EQ(hub.host, "roundtable.example.com");
  EXPECT_EQ(hub.port, 443);
  EXPECT_EQ(hub.hostHeader(), "roundtable.example.com");
  EXPECT_EQ(hub.describe(), "https://roundtable.example.com");

  ASSERT_TRUE(parseHubUrl("http://127.0.0.1:4141/", &hub).ok());
  EXPECT_FALSE(hub.tls);
  EXPECT_EQ(hub.port, 4141);
  EXPECT_EQ(hub.hostHeader(), "127.0.0.1:4141");

  ASSERT_TRUE(parseHubUrl("http://[::1]:8080", &hub).ok());
  EXPECT_EQ(hub.host, "::1");
  EXPECT_EQ(hub.hostHeader(), "[::1]:8080");
  ASSERT_TRUE(parseHubUrl("http://review.test", &hub).ok());
  EXPECT_EQ(hub.port, 80);
}

TEST(HubUrl, RefusesWhatItCannotUse) {
  HubAddress hub;
  for (const char* url : {"", "roundtable.example.com", "ftp://x", "https://", "https://:443", "https://x/prefix",
                          "https://x?a=1", "https://u:p@x", "http://x:0", "http://x:65536", "http://x:12a",
                          "http://x:", "http://[::1", "http://[::1]x", "http://a b"}) {
    EXPECT_FALSE(parseHubUrl(url, &hub).ok()) << url;
  }
}

TEST(HubUrl, LocalHubIsNamedByAddress) {
  HubAddress hub;
  hub.port = 4242;
  EXPECT_FALSE(hub.remote);
  EXPECT_EQ(hub.describe(), "127.0.0.1:4242");
  EXPECT_EQ(hub.hostHeader(), "127.0.0.1:4242");
}

}  // namespace
}  // namespace roundtable::mcp_stdio
