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

std::vector<uint8_t> awarenessFlood(uint64_t first, size_t n, const std::string& json) {
  lib0::Encoder enc;
  enc.writeVarUint(n);
  for (size_t i = 0; i < n; ++i) {
    enc.writeVarUint(first + i);
    enc.writeVarUint(1);
    enc.writeVarString(json);
  }
  return encodeAwareness(enc.take());
}

TEST(RoomCore, OneConnectionCannotLockOthersOutOfAwareness) {
  RoomCore room;
  room.open(1);
  RoomEffects flood = room.handle(1, awarenessFlood(1, 10000, R"({"bot":true})"), 0);
  ASSERT_TRUE(flood.status.ok()) << flood.status.message();  // not closed: the excess is dropped
  EXPECT_EQ(flood.awarenessDropped, 10000u - AwarenessLimits{}.maxClientsPerConnection);
  EXPECT_EQ(room.awareness().size(), AwarenessLimits{}.maxClientsPerConnection);
  // A real client's first update is taken and relayed.
  room.open(2);
  RoomEffects real = room.handle(2, encodeAwareness(awarenessUpdate(4242, 1, R"({"user":"Ada"})")), 0);
  ASSERT_TRUE(real.status.ok()) << real.status.message();
  EXPECT_FALSE(real.awareness.empty());
  EXPECT_EQ(real.awarenessDropped, 0u);
  // The flooder leaves: its ids are removed, the real client stays.
  RoomEffects gone = room.close(1, 10);
  EXPECT_FALSE(gone.awareness.empty());
  EXPECT_EQ(room.awareness().size(), 1u);
  EXPECT_EQ(room.awareness().clientsWithState(), std::vector<uint64_t>{4242});
}

TEST(RoomCore, AJoinersSnapshotStaysWithinTheAwarenessByteBudget) {
  // 1,200 states of 60 KB (72 MB) from 20 connections: the snapshot sent on
  // open is held to the byte budget, which the hub keeps under a quarter of
  // its per-connection queue limit.
  RoomCore room;
  const std::string big = R"({"pad":")" + std::string(60000, 'x') + "\"}";
  size_t dropped = 0;
  for (ConnId conn = 1; conn <= 20; ++conn) {
    room.open(conn);
    RoomEffects fx = room.handle(conn, awarenessFlood(conn * 1000, 60, big), 0);
    ASSERT_TRUE(fx.status.ok()) << fx.status.message();
    dropped += fx.awarenessDropped;
  }
  const size_t budget = AwarenessLimits{}.maxTotalStateBytes;
  EXPECT_LE(room.awareness().stateBytes(), budget);
  EXPECT_GT(dropped, 1000u);
  RoomEffects joined = room.open(99);
  size_t bytes = 0;
  for (const auto& m : joined.reply) bytes += m.size();
  EXPECT_LE(bytes, budget + 64);
  EXPECT_LE(budget, (64u << 20) / 4);  // the hub's default --max-queued-bytes
}

TEST(RoomCore, ConnectionRemovesTheClientItBroughtBack) {
  // A client that left and returns (y-websocket reconnecting with the same
  // clientID) counts as "updated" in y-protocols, not "added"; the
  // y-websocket server then does not remove it when that connection closes.
  // Here the connection that gave it a state again owns it.
  RoomCore room;
  room.open(1);
  ASSERT_TRUE(room.handle(1, encodeAwareness(awarenessUpdate(7, 1, "{}")), 0).status.ok());
  room.close(1, 1);
  room.open(2);
  ASSERT_TRUE(room.handle(2, encodeAwareness(awarenessUpdate(7, 2, "{}")), 2).status.ok());
  EXPECT_EQ(room.awareness().size(), 1u);
  EXPECT_FALSE(room.close(2, 3).awareness.empty());
  EXPECT_EQ(room.awareness().size(), 0u);
}


// --- Document limits -------------------------------------------------------

TEST(RoomCore, AnUpdatePastTheSizeLimitIsRefusedWhole) {
  RoomCore room({}, DocumentLimits{.maxBytes = 1000, .maxPendingBytes = 1000});
  room.open(1);
  Doc alice(DocOptions{.clientId = 10});
  ASSERT_TRUE(room.handle(1, encodeUpdate(textInsert(alice, std::string(600, 'a'))), 0).status.ok());

  RoomEffects refused = room.handle(1, encodeUpdate(textInsert(alice, std::string(600, 'b'))), 0);
  EXPECT_EQ(refused.status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(refused.status.message().find("size limit of 1000 bytes"), std::string::npos) << refused.status.message();
  EXPECT_TRUE(refused.docUpdates.empty());
  EXPECT_TRUE(refused.storeOnly.empty());
  EXPECT_EQ(textOf(room.doc()), std::string(600, 'a'));

  // What fits still does; a new client syncs the document as it was accepted.
  Doc bob(DocOptions{.clientId = 20});
  ASSERT_TRUE(room.handle(1, encodeUpdate(textInsert(bob, "ok")), 0).status.ok());
  EXPECT_EQ(room.doc().getText("t").length(), 602u);
}

TEST(RoomCore, DeletingMakesRoomAgain) {
  // The size is an upper bound that grows with each update; when an update
  // would pass the limit it is measured exactly, and deleted (collected)
  // content no longer counts.
  RoomCore room({}, DocumentLimits{.maxBytes = 1000, .maxPendingBytes = 1000});
  room.open(1);
  Doc alice(DocOptions{.clientId = 10});
  ASSERT_TRUE(room.handle(1, encodeUpdate(textInsert(alice, std::string(600, 'a'))), 0).status.ok());
  std::vector<uint8_t> removal;
  auto id = alice.onUpdate([&](std::span<const uint8_t> u, const void*) { removal.assign(u.begin(), u.end()); });
  ASSERT_TRUE(alice.getText("t").erase(0, 600).ok());
  alice.off(id);
  ASSERT_TRUE(room.handle(1, encodeUpdate(removal), 0).status.ok());
  RoomEffects fx = room.handle(1, encodeUpdate(textInsert(alice, std::string(600, 'b'))), 0);
  ASSERT_TRUE(fx.status.ok()) << fx.status.message();
  EXPECT_EQ(textOf(room.doc()), std::string(600, 'b'));
}

TEST(RoomCore, StoredUpdatesCountTowardTheLimitAndLoadWhole) {
  Doc alice(DocOptions{.clientId = 10});
  std::vector<std::vector<uint8_t>> stored = {textInsert(alice, std::string(900, 'a'))};
  RoomCore room({}, DocumentLimits{.maxBytes = 1000, .maxPendingBytes = 1000});
  ASSERT_TRUE(room.load(stored).ok());
  room.open(1);
  EXPECT_EQ(room.handle(1, encodeUpdate(textInsert(alice, std::string(200, 'b'))), 0).status.code(),
            StatusCode::kResourceExhausted);
  // A lower limit than the stored document refuses what comes next, and still serves it.
  RoomCore smaller({}, DocumentLimits{.maxBytes = 100, .maxPendingBytes = 100});
  ASSERT_TRUE(smaller.load(stored).ok());
  EXPECT_EQ(textOf(smaller.doc()), std::string(900, 'a'));
}

TEST(RoomCore, AnUpdateWaitingForDependenciesIsStoredNotRelayed) {
  Doc alice(DocOptions{.clientId = 10});
  std::vector<uint8_t> first = textInsert(alice, "a");
  std::vector<uint8_t> second = textInsert(alice, "b");  // depends on `first`

  RoomCore room;
  room.open(1);
  RoomEffects early = room.handle(1, encodeUpdate(second), 0);
  ASSERT_TRUE(early.status.ok());
  EXPECT_TRUE(early.docUpdates.empty());  // nothing changed that anyone can see
  EXPECT_EQ(early.storeOnly, second);     // but a restart must find it
  EXPECT_GT(room.doc().pendingBytes(), 0u);

  // The same again changes nothing, so is not stored again.
  EXPECT_TRUE(room.handle(1, encodeUpdate(second), 0).storeOnly.empty());

  // After a restart (the stored log is what was stored), the dependency
  // arrives and both apply.
  RoomCore restarted;
  ASSERT_TRUE(restarted.load({early.storeOnly}).ok());
  restarted.open(1);
  RoomEffects late = restarted.handle(1, encodeUpdate(first), 0);
  ASSERT_TRUE(late.status.ok());
  EXPECT_TRUE(late.storeOnly.empty());
  ASSERT_EQ(late.docUpdates.size(), 1u);
  EXPECT_EQ(textOf(restarted.doc()), "ab");
  EXPECT_EQ(restarted.doc().pendingBytes(), 0u);
}

TEST(RoomCore, PastThePendingBoundTheWaitingPartIsRefusedAndTheRestKept) {
  Doc alice(DocOptions{.clientId = 10});
  textInsert(alice, "a");  // never sent
  std::vector<uint8_t> waits = textInsert(alice, std::string(300, 'b'));
  Doc carol(DocOptions{.clientId = 30});
  std::vector<uint8_t> applies = textInsert(carol, "c");
  std::vector<uint8_t> both;
  ASSERT_TRUE(crdt::mergeUpdates({applies, waits}, &both).ok());

  RoomCore room({}, DocumentLimits{.maxBytes = 1u << 20, .maxPendingBytes = 100});
  room.open(1);
  RoomEffects fx = room.handle(1, encodeUpdate(both), 0);
  EXPECT_EQ(fx.status.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(fx.status.message().find("missing dependencies"), std::string::npos) << fx.status.message();
  ASSERT_EQ(fx.docUpdates.size(), 1u);  // carol's part integrated: persisted and relayed
  EXPECT_EQ(textOf(room.doc()), "c");
  EXPECT_EQ(room.doc().pendingBytes(), 0u);
  EXPECT_TRUE(fx.storeOnly.empty());

  // What waited before such an update still waits.
  Doc dave(DocOptions{.clientId = 40});
  textInsert(dave, "d");
  std::vector<uint8_t> small = textInsert(dave, "e");
  ASSERT_TRUE(room.handle(1, encodeUpdate(small), 0).status.ok());
  size_t waiting = room.doc().pendingBytes();
  ASSERT_GT(waiting, 0u);
  EXPECT_EQ(room.handle(1, encodeUpdate(waits), 0).status.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(room.doc().pendingBytes(), waiting);
}

}  // namespace
}  // namespace roundtable::sync
