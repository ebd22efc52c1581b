#include "hub/turn_credentials.h"

#include <gtest/gtest.h>

namespace roundtable::hub {
namespace {

using std::chrono::seconds;
using std::chrono::system_clock;

// Expected values computed independently with Python's hmac and base64
// modules: base64(HMAC-SHA1(secret, username)), as coturn checks them.
TEST(TurnCredentials, UsernameCarriesExpiryAndPasswordIsHmac) {
  TurnCredentials c = makeTurnCredentials("north-wind", "roundtable", system_clock::time_point(seconds(1700000000)), seconds(3600));
  EXPECT_EQ(c.username, "1700003600:roundtable");
  EXPECT_EQ(c.credential, "6YYanODkbT4GsKB+do1RtqcYz+M=");
}

TEST(TurnCredentials, EmptySecretStillGivesWellFormedCredentials) {
  TurnCredentials c = makeTurnCredentials("", "alice", system_clock::time_point(), seconds(86400));
  EXPECT_EQ(c.username, "86400:alice");
  EXPECT_EQ(c.credential, "mqQrnEPjirNIkGBNu03Na5NMIT8=");
}

TEST(TurnCredentials, LaterRequestsGetLaterExpiries) {
  auto t = system_clock::time_point(seconds(1000));
  EXPECT_NE(makeTurnCredentials("s", "u", t, seconds(60)).credential,
            makeTurnCredentials("s", "u", t + seconds(1), seconds(60)).credential);
}

}  // namespace
}  // namespace roundtable::hub
