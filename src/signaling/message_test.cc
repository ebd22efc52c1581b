#include "signaling/message.h"

#include <gtest/gtest.h>

#include <string>

#include "lib0/json.h"

namespace roundtable::signaling {
namespace {

using Kind = Message::Kind;

Message parse(std::string_view text, bool isText = true) {
  Message m;
  Status s = parseMessage(text, isText, &m);
  EXPECT_TRUE(s.ok()) << s.message() << " for " << text;
  return m;
}

std::string refusal(std::string_view text, bool isText = true) {
  Message m;
  Status s = parseMessage(text, isText, &m);
  EXPECT_FALSE(s.ok()) << "accepted " << text;
  return s.message();
}

TEST(SignalingMessage, ReadsTheFourKinds) {
  Message sub = parse(R"({"type":"subscribe","topics":["a","b"]})");
  EXPECT_EQ(sub.kind, Kind::kSubscribe);
  EXPECT_EQ(sub.topics, (std::vector<std::string>{"a", "b"}));
  Message unsub = parse(R"( {"topics":["a"],"type":"unsubscribe"} )");
  EXPECT_EQ(unsub.kind, Kind::kUnsubscribe);
  EXPECT_EQ(unsub.topics, (std::vector<std::string>{"a"}));
  Message pub = parse(R"({"type":"publish","topic":"room","data":{"x":[1,2]}})");
  EXPECT_EQ(pub.kind, Kind::kPublish);
  EXPECT_EQ(pub.topic, "room");
  EXPECT_EQ(parse(R"({"type":"ping"})").kind, Kind::kPing);
}

TEST(SignalingMessage, IgnoresWhatYWebrtcsServerIgnores) {
  EXPECT_EQ(parse(R"({})").kind, Kind::kIgnored);
  EXPECT_EQ(parse(R"({"type":7})").kind, Kind::kIgnored);
  EXPECT_EQ(parse(R"({"type":"pong"})").kind, Kind::kIgnored);
  EXPECT_EQ(parse(R"({"type":"publish","topic":3})").kind, Kind::kIgnored);
  EXPECT_TRUE(parse(R"({"type":"subscribe"})").topics.empty());
  EXPECT_EQ(parse(R"({"type":"subscribe","topics":[1,"a",null,{"b":1}]})").topics, (std::vector<std::string>{"a"}));
}

TEST(SignalingMessage, RefusesWhatIsNotAJsonObject) {
  EXPECT_NE(refusal("not json").find("not JSON"), std::string::npos);
  refusal(R"({"type":"ping"} trailing)");
  refusal(R"(["type","ping"])");
  refusal(R"("ping")");
  refusal("");
  EXPECT_NE(refusal(R"({"type":"subscribe","topics":"a"})").find("array"), std::string::npos);
}

TEST(SignalingMessage, BinaryMessagesMustBeUtf8) {
  std::string bad = "{\"type\":\"publish\",\"topic\":\"t\",\"data\":\"\xff\"}";
  EXPECT_NE(refusal(bad, /*isText=*/false).find("UTF-8"), std::string::npos);
  EXPECT_EQ(parse(R"({"type":"ping"})", /*isText=*/false).kind, Kind::kPing);
}

// A publish nested 60,000 deep (about 120 KB) crashed the relay with a stack
// overflow while it re-serialised the message.
TEST(SignalingMessage, DeepNestingIsRefusedNotRecursedInto) {
  std::string deep = R"({"type":"publish","topic":"t","data":)" + std::string(60000, '[') + std::string(60000, ']') + "}";
  EXPECT_NE(refusal(deep).find("deep"), std::string::npos);
  std::string ok = R"({"type":"publish","topic":"t","data":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_EQ(parse(ok).kind, Kind::kPublish);
}

TEST(SignalingMessage, RelayedPublishIsTheMessageAsSentWithClientsLast) {
  std::string sent = R"({"type":"publish", "topic":"room","data":{"s":"\u00e9\ud83d\ude00","n":1.50}}  )";
  std::string relayed = relayedPublish(sent, 3);
  EXPECT_EQ(relayed, R"({"type":"publish", "topic":"room","data":{"s":"\u00e9\ud83d\ude00","n":1.50},"clients":3})");
  lib0::Value v = lib0::parseJSON(relayed);
  EXPECT_EQ(v.asObject().get("clients")->asNumber(), 3);
  EXPECT_EQ(*v.asObject().get("data"), *lib0::parseJSON(sent).asObject().get("data"));
}

TEST(SignalingMessage, RelayedClientsWinsOverTheSendersOwn) {
  std::string relayed = relayedPublish(R"({"type":"publish","clients":999,"topic":"t"})", 2);
  // JSON.parse keeps the last duplicate, as y-webrtc's server overwrites `clients`.
  EXPECT_EQ(lib0::parseJSON(relayed).asObject().get("clients")->asNumber(), 2);
  EXPECT_EQ(relayedPublish("{ }", 1), R"({ "clients":1})");
}

}  // namespace
}  // namespace roundtable::signaling
