#include "p2p/room_signaling.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib0/hex_for_tests.h"
#include "lib0/json.h"
#include "p2p/room_key_for_tests.h"

namespace roundtable::p2p {
namespace {

// What a relay hands a subscriber: the publish, with y-webrtc's server's "clients".
std::vector<uint8_t> sealedOf(const std::string& publish) {
  std::string topic;
  std::vector<uint8_t> sealed;
  EXPECT_TRUE(readPublish(publish.substr(0, publish.size() - 1) + ",\"clients\":2}", &topic, &sealed).ok());
  EXPECT_EQ(topic, "room");
  return sealed;
}

TEST(RoomSignaling, Base64AsBtoaAndAtob) {
  // RFC 4648's test vectors.
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"}, {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(toBase64(lib0::testhex::asBytes(plain)), encoded);
    std::vector<uint8_t> out;
    ASSERT_TRUE(fromBase64(encoded, &out).ok()) << encoded;
    EXPECT_EQ(out, lib0::testhex::asBytes(plain));
  }
  std::vector<uint8_t> out;
  for (std::string bad : {"Zg=", "Zg", "Z===", "Zm9v!g==", "Zm=v", "Zm9-", "=Zm9"}) {
    EXPECT_FALSE(fromBase64(bad, &out).ok()) << bad;
    EXPECT_TRUE(out.empty());
  }
}

TEST(RoomSignaling, SubscribeAndPublishAsYWebrtcWritesThem) {
  const std::string topics[] = {"a", "b"};
  EXPECT_EQ(subscribeMessage(topics), R"({"type":"subscribe","topics":["a","b"]})");
  const std::string publish = publishMessage(testRoomKey(), "room", RoomSignal::announce("hub"));
  const lib0::Value v = lib0::parseJSON(publish);
  EXPECT_EQ(v.asObject().get("type")->asString(), "publish");
  EXPECT_EQ(v.asObject().get("topic")->asString(), "room");
  lib0::Value opened;
  std::vector<uint8_t> sealed;
  ASSERT_TRUE(fromBase64(v.asObject().get("data")->asString(), &sealed).ok());
  ASSERT_TRUE(decryptAny(testRoomKey(), sealed, &opened).ok());
  EXPECT_EQ(lib0::toJSON(opened), R"({"type":"announce","from":"hub"})");
}

TEST(RoomSignaling, ReadsWhatYWebrtcActsOnAndIgnoresTheRest) {
  std::optional<RoomSignal> s;
  // An announce from another peer.
  ASSERT_TRUE(openRoomSignal(testRoomKey(), sealedOf(publishMessage(testRoomKey(), "room", RoomSignal::announce("b"))), "hub", &s).ok());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, RoomSignal::Type::kAnnounce);
  EXPECT_EQ(s->from, "b");
  // Our own announce, as the relay echoes it: ignored.
  ASSERT_TRUE(openRoomSignal(testRoomKey(), sealedOf(publishMessage(testRoomKey(), "room", RoomSignal::announce("hub"))), "hub", &s).ok());
  EXPECT_FALSE(s);
  // A signal for us, and one for another peer.
  lib0::Value::Object offer;
  offer.set("type", "offer");
  offer.set("sdp", "v=0\r\n");
  const std::string forUs = publishMessage(testRoomKey(), "room", RoomSignal::signalTo("b", "hub", 12.5, lib0::Value(offer)));
  ASSERT_TRUE(openRoomSignal(testRoomKey(), sealedOf(forUs), "hub", &s).ok());
  ASSERT_TRUE(s);
  EXPECT_EQ(s->type, RoomSignal::Type::kSignal);
  EXPECT_EQ(s->to, "hub");
  EXPECT_EQ(s->token, 12.5);
  EXPECT_EQ(s->signal.asObject().get("sdp")->asString(), "v=0\r\n");
  const std::string forC = publishMessage(testRoomKey(), "room", RoomSignal::signalTo("b", "c", std::nullopt, lib0::Value(offer)));
  ASSERT_TRUE(openRoomSignal(testRoomKey(), sealedOf(forC), "hub", &s).ok());
  EXPECT_FALSE(s);
}

TEST(RoomSignaling, RefusesMalformedRelayAndRoomMessages) {
  std::string topic;
  std::vector<uint8_t> sealed;
  EXPECT_FALSE(readPublish("not json", &topic, &sealed).ok());
  EXPECT_FALSE(readPublish("[1]", &topic, &sealed).ok());
  EXPECT_FALSE(readPublish(R"({"type":"publish","topic":"room","data":"@@@@"})", &topic, &sealed).ok());
  EXPECT_FALSE(readPublish(std::string(100000, '[') + std::string(100000, ']'), &topic, &sealed).ok());
  // A pong, or a publish without string data (a room without a password): nothing.
  ASSERT_TRUE(readPublish(R"({"type":"pong"})", &topic, &sealed).ok());
  EXPECT_TRUE(topic.empty());
  ASSERT_TRUE(readPublish(R"({"type":"publish","topic":"room","data":{"type":"announce"}})", &topic, &sealed).ok());
  EXPECT_TRUE(sealed.empty());
  std::optional<RoomSignal> s;
  auto sealedValue = [](const char* json) { return encryptAny(testRoomKey(), lib0::parseJSON(json)); };
  EXPECT_FALSE(openRoomSignal(testRoomKey(), sealedValue(R"({"type":"announce"})"), "hub", &s).ok());
  EXPECT_FALSE(openRoomSignal(testRoomKey(), sealedValue(R"({"type":"signal","from":"b"})"), "hub", &s).ok());
  EXPECT_FALSE(openRoomSignal(testRoomKey(), sealedValue(R"({"type":"signal","from":"b","to":"hub","signal":"x"})"), "hub", &s).ok());
  EXPECT_FALSE(openRoomSignal(testRoomKey(), encrypt(testRoomKey(), lib0::testhex::asBytes("garbage")), "hub", &s).ok());
  EXPECT_FALSE(openRoomSignal(RoomKey::derive("other", "room"), sealedValue(R"({"type":"announce","from":"b"})"), "hub", &s).ok());
  EXPECT_FALSE(s);
  // Unknown types from others are ignored, as y-webrtc does.
  ASSERT_TRUE(openRoomSignal(testRoomKey(), sealedValue(R"({"type":"hello","from":"b"})"), "hub", &s).ok());
  EXPECT_FALSE(s);
}

}  // namespace
}  // namespace roundtable::p2p
