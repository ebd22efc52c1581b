#include "websocket/handshake.h"

#include <gtest/gtest.h>

namespace roundtable::websocket {
namespace {

TEST(HandshakeTest, AcceptKeyOfRfc6455Example) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(acceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HandshakeTest, ClientKeyMustBeSixteenBytesOfBase64) {
  EXPECT_TRUE(isValidClientKey("dGhlIHNhbXBsZSBub25jZQ=="));
  EXPECT_FALSE(isValidClientKey(""));
  EXPECT_FALSE(isValidClientKey("dGhlIHNhbXBsZSBub25jZQ"));
  EXPECT_FALSE(isValidClientKey("dGhlIHNhbXBsZSBub25jZQ=!"));
  EXPECT_FALSE(isValidClientKey("dGhlIHNhbXBsZSBub25j*Q=="));
  EXPECT_FALSE(isValidClientKey("dGhlIHNhbXBsZSBub25jZQ==dGhl"));
}

}  // namespace
}  // namespace roundtable::websocket
