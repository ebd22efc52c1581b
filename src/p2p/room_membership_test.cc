#include "p2p/room_membership.h"

#include <gtest/gtest.h>

namespace roundtable::p2p {
namespace {

using Action = RoomMembership::Action;

lib0::Value sdp(const char* type) {
  lib0::Value::Object o;
  o.set("type", type).set("sdp", "v=0\r\n");
  return lib0::Value(std::move(o));
}

lib0::Value candidate() {
  lib0::Value::Object c;
  c.set("candidate", "candidate:1 1 udp 1 127.0.0.1 9 typ host").set("sdpMLineIndex", 0).set("sdpMid", "0");
  lib0::Value::Object o;
  o.set("type", "candidate").set("candidate", lib0::Value(std::move(c)));
  return lib0::Value(std::move(o));
}

TEST(RoomMembership, AnAnnounceIsAnsweredWithAnOfferOnce) {
  RoomMembership room("hub", {});
  auto a = room.onRoomSignal(RoomSignal::announce("browser"));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, Action::kConnect);
  EXPECT_EQ(a[0].peer, "browser");
  EXPECT_TRUE(a[0].initiator);
  EXPECT_TRUE(a[0].signal.isUndefined());
  // y-webrtc announces again (reconnects, closed connections): the
  // connection stays the one there is.
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::announce("browser")).empty());
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::announce("hub")).empty()) << "our own announce, relayed back";
}

TEST(RoomMembership, AnAnswerOnlyPeerAnnouncesBackAndAnswersTheOfferThatFollows) {
  RoomMembership room("hub", {.maxConns = 1, .initiate = false});
  auto a = room.onRoomSignal(RoomSignal::announce("browser"));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, Action::kAnnounce);
  EXPECT_EQ(room.size(), 0u) << "no connection until the browser offers";
  a = room.onRoomSignal(RoomSignal::signalTo("browser", "hub", 7.25, sdp("offer")));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, Action::kConnect);
  EXPECT_FALSE(a[0].initiator);
  // Connected (and at the limit): announces are not answered.
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::announce("browser")).empty());
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::announce("other")).empty());
  room.closed("browser");
  EXPECT_EQ(room.onRoomSignal(RoomSignal::announce("other")).size(), 1u);
}

TEST(RoomMembership, AnOfferMakesAnAnsweringConnectionAndLaterSignalsFollowIt) {
  RoomMembership room("hub", {});
  auto a = room.onRoomSignal(RoomSignal::signalTo("browser", "hub", 5.5, sdp("offer")));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, Action::kConnect);
  EXPECT_FALSE(a[0].initiator);
  EXPECT_EQ(a[0].signal, sdp("offer"));
  auto b = room.onRoomSignal(RoomSignal::signalTo("browser", "hub", 5.5, candidate()));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].kind, Action::kDeliver);
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::signalTo("browser", "someone-else", 5.5, candidate())).empty());
}

TEST(RoomMembership, StaleSignalsMakeNoConnection) {
  RoomMembership room("hub", {});
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::signalTo("browser", "hub", 1, candidate())).empty());
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::signalTo("browser", "hub", 1, sdp("answer"))).empty());
  EXPECT_EQ(room.size(), 0u);
}

TEST(RoomMembership, GlareTheLargerTokenWins) {
  RoomMembership room("hub", {});
  ASSERT_EQ(room.onRoomSignal(RoomSignal::announce("browser")).size(), 1u);
  std::optional<double> ours = room.signalToken("browser", 1000, 0.25);
  ASSERT_EQ(ours, 1000.25);
  EXPECT_EQ(room.signalToken("browser", 2000, 0.5), 1000.25) << "set once";
  // The browser's offer is older: ignored; ours goes on.
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::signalTo("browser", "hub", 999.0, sdp("offer"))).empty());
  // A newer one wins: our offering connection is replaced by an answering one.
  auto a = room.onRoomSignal(RoomSignal::signalTo("browser", "hub", 1000.5, sdp("offer")));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, Action::kReplace);
  EXPECT_EQ(a[0].signal, sdp("offer"));
  // As in y-webrtc, an offer with no token is taken.
  RoomMembership other("hub", {});
  ASSERT_EQ(other.onRoomSignal(RoomSignal::announce("b")).size(), 1u);
  ASSERT_TRUE(other.signalToken("b", 1, 0));
  EXPECT_EQ(other.onRoomSignal(RoomSignal::signalTo("b", "hub", std::nullopt, sdp("offer")))[0].kind, Action::kReplace);
}

TEST(RoomMembership, AnAnswerSettlesGlareAndTheTokenIsMadeAgain) {
  RoomMembership room("hub", {});
  ASSERT_EQ(room.onRoomSignal(RoomSignal::announce("browser")).size(), 1u);
  ASSERT_EQ(room.signalToken("browser", 1000, 0.1), 1000.1);
  auto a = room.onRoomSignal(RoomSignal::signalTo("browser", "hub", 7, sdp("answer")));
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].kind, Action::kDeliver);
  EXPECT_EQ(room.signalToken("browser", 3000, 0.2), 3000.2);
}

TEST(RoomMembership, TheConnectionLimitHoldsAndClosedConnectionsFreeIt) {
  RoomMembership room("hub", {.maxConns = 2});
  EXPECT_EQ(room.onRoomSignal(RoomSignal::announce("a")).size(), 1u);
  EXPECT_EQ(room.onRoomSignal(RoomSignal::signalTo("b", "hub", 1, sdp("offer"))).size(), 1u);
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::announce("c")).empty());
  EXPECT_TRUE(room.onRoomSignal(RoomSignal::signalTo("d", "hub", 1, sdp("offer"))).empty());
  room.closed("a");
  EXPECT_FALSE(room.connected("a"));
  EXPECT_EQ(room.onRoomSignal(RoomSignal::announce("c")).size(), 1u);
  EXPECT_FALSE(room.signalToken("a", 1, 0).has_value());
}

}  // namespace
}  // namespace roundtable::p2p
