// RoomCore: the hub's y-websocket behaviour for one document, checked with
// the CRDT as the client (the Node interop tests check it against the real
// y-websocket client).
#include "sync/room_core.h"

#include <gtest/gtest.h>

#include "lib0/encoder.h"
#include "roundtable/crdt/doc.h"
#include "sync/message.h"

namespace roundtable::sync {
namespace {

using crdt::Doc;
using crdt::DocOptions;

std::vector<uint8_t> textInsert(Doc& doc, const std::string& text) {
  std::vector<uint8_t> update;
  auto id = doc.onUpdate([&](std::span<const uint8_t> u, const void*) { update.assign(u.begin(), u.end()); });
  crdt::Text t = doc.getText("t");
  EXPECT_TRUE(t.insert(t.length(), text).ok());
  doc.off(id);
  return update;
}

std::string textOf(Doc& doc) { return doc.getText("t").toString(); }

Message decode(const std::vector<uint8_t>& bytes) {
  Message m;
  EXPECT_TRUE(decodeMessage(bytes, &m).ok());
  return m;
}

std::vector<uint8_t> awarenessUpdate(uint64_t client, uint64_t clock, const std::string& json) {
  lib0::Encoder enc;
  enc.writeVarUint(1);
  enc.writeVarUint(client);
  enc.writeVarUint(clock);
  enc.writeVarString(json);
  return enc.take();
}

TEST(RoomCore, OpenSendsStepOneAndKnownPresence) {
  RoomCore room;
  RoomEffects first = room.open(1);
  ASSERT_TRUE(first.status.ok());
  ASSERT_EQ(first.reply.size(), 1u);  // no presence yet
  Message m = decode(first.reply[0]);
  EXPECT_EQ(m.type, MessageType::kSync);
  EXPECT_EQ(m.sync, SyncType::kStep1);

  ASSERT_TRUE(room.handle(1, encodeAwareness(awarenessUpdate(77, 1, R"({"user":{"name":"Ada"}})")), 0).status.ok());
  RoomEffects second = room.open(2);
  ASSERT_EQ(second.reply.size(), 2u);
  EXPECT_EQ(decode(second.reply[1]).type, MessageType::kAwareness);
}

TEST(RoomCore, UpdatesAreReportedForPersistenceAndStepTwoCarriesThem) {
  RoomCore room;
  room.open(1);
  Doc alice(DocOptions{.clientId = 10});
  std::vector<uint8_t> update = textInsert(alice, "hello");
  RoomEffects fx = room.handle(1, encodeUpdate(update), 0);
  ASSERT_TRUE(fx.status.ok()) << fx.status.message();
  ASSERT_EQ(fx.docUpdates.size(), 1u);
  EXPECT_TRUE(fx.reply.empty());

  // The same update again changes nothing and so is not persisted again.
  EXPECT_TRUE(room.handle(1, encodeUpdate(update), 0).docUpdates.empty());

  // A new client asks with its (empty) state vector; the answer waits for durability.
  Doc bob(DocOptions{.clientId = 20});
  room.open(2);
  RoomEffects answer = room.handle(2, encodeSyncStep1(bob.encodeStateVector()), 0);
  ASSERT_TRUE(answer.status.ok());
  ASSERT_EQ(answer.durableReply.size(), 1u);
  Message step2 = decode(answer.durableReply[0]);
  ASSERT_EQ(step2.sync, SyncType::kStep2);
  ASSERT_TRUE(bob.applyUpdate(step2.payload).ok());
  EXPECT_EQ(textOf(bob), "hello");
}

TEST(RoomCore, MalformedMessagesAreErrorsAndChangeNothing) {
  RoomCore room;
  room.open(1);
  Doc alice(DocOptions{.clientId = 10});
  ASSERT_TRUE(room.handle(1, encodeUpdate(textInsert(alice, "kept")), 0).status.ok());
  std::vector<uint8_t> before = room.doc().encodeStateAsUpdate();

  std::vector<uint8_t> good = encodeUpdate(textInsert(alice, " more"));
  std::vector<std::vector<uint8_t>> bad = {
      {},                                   // empty frame
      {99},                                 // unknown message type
      {0, 7},                               // unknown sync type
      {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},  // overlong varint
      {0, 2, 0x80, 0x80, 0x80, 0x80, 0x08},  // update length beyond the message
      {1, 3, 1, 5},                         // truncated awareness
  };
  for (size_t cut = 1; cut < good.size(); ++cut) bad.emplace_back(good.begin(), good.begin() + cut);
  for (const auto& message : bad) {
    RoomEffects fx = room.handle(1, message, 0);
    EXPECT_FALSE(fx.status.ok()) << "message of " << message.size() << " bytes accepted";
    EXPECT_TRUE(fx.docUpdates.empty());
  }
  EXPECT_EQ(room.doc().encodeStateAsUpdate(), before);
}

TEST(RoomCore, PresenceFollowsConnectionsAndExpires) {
  RoomCore room;
  room.open(1);
  room.open(2);
  RoomEffects fx = room.handle(1, encodeAwareness(awarenessUpdate(77, 1, R"({"name":"Ada"})")), 1000);
  ASSERT_TRUE(fx.status.ok());
  EXPECT_FALSE(fx.awareness.empty());
  ASSERT_TRUE(room.handle(2, encodeAwareness(awarenessUpdate(88, 1, R"({"name":"Bo"})")), 1000).status.ok());
  EXPECT_EQ(room.awareness().size(), 2u);

  // Connection 1 leaves: its client 77 is announced gone, 88 stays.
  RoomEffects gone = room.close(1, 2000);
  ASSERT_FALSE(gone.awareness.empty());
  EXPECT_EQ(room.awareness().size(), 1u);
  EXPECT_FALSE(room.awareness().stateJSON(77).has_value());

  // 88 is not renewed: after the timeout it is removed too.
  EXPECT_TRUE(room.expireAwareness(20000, 30000).awareness.empty());
  EXPECT_FALSE(room.expireAwareness(31001, 30000).awareness.empty());
  EXPECT_EQ(room.awareness().size(), 0u);
}

TEST(RoomCore, QueryAwarenessAnswersWithEveryState) {
  RoomCore room;
  room.open(1);
  ASSERT_TRUE(room.handle(1, encodeAwareness(awarenessUpdate(5, 3, R"({"a":1})")), 0).status.ok());
  RoomEffects fx = room.handle(1, encodeQueryAwareness(), 0);
  ASSERT_EQ(fx.reply.size(), 1u);
  EXPECT_EQ(decode(fx.reply[0]).type, MessageType::kAwareness);
}

TEST(RoomCore, LoadRestoresStoredUpdates) {
  Doc alice(DocOptions{.clientId = 10});
  std::vector<std::vector<uint8_t>> stored = {textInsert(alice, "one "), textInsert(alice, "two")};
  RoomCore room;
  ASSERT_TRUE(room.load(stored).ok());
  EXPECT_EQ(textOf(room.doc()), "one two");
  RoomCore broken;
  EXPECT_FALSE(broken.load({{1, 2, 3}}).ok());
}

}  // namespace
}  // namespace roundtable::sync
