#include "bus/bus_message.h"

#include <gtest/gtest.h>

namespace roundtable::bus {
namespace {

std::vector<uint8_t> bytes(std::string_view s) { return {s.begin(), s.end()}; }

TEST(BusMessage, RoundTripsEveryKind) {
  std::vector<uint8_t> update = bytes("update bytes");
  BusMessage m;
  auto e = encodeBusMessage(BusKind::kUpdate, 0xfedcba9876543210ull, 1ull << 40, update);
  ASSERT_TRUE(decodeBusMessage(e, &m).ok());
  EXPECT_EQ(m.kind, BusKind::kUpdate);
  EXPECT_EQ(m.replica, 0xfedcba9876543210ull);
  EXPECT_EQ(m.seq, 1ull << 40);
  EXPECT_EQ(std::vector<uint8_t>(m.payload.begin(), m.payload.end()), update);

  e = encodeBusMessage(BusKind::kCommitted, 7, 0, {});
  ASSERT_TRUE(decodeBusMessage(e, &m).ok());
  EXPECT_EQ(m.kind, BusKind::kCommitted);
  EXPECT_EQ(m.seq, 0u);
  EXPECT_TRUE(m.payload.empty());

  e = encodeBusMessage(BusKind::kAwareness, 7, 0, update);
  ASSERT_TRUE(decodeBusMessage(e, &m).ok());
  EXPECT_EQ(m.kind, BusKind::kAwareness);
  EXPECT_EQ(m.payload.size(), update.size());

  e = encodeBusMessage(BusKind::kSignal, 7, 0, update);
  ASSERT_TRUE(decodeBusMessage(e, &m).ok());
  EXPECT_EQ(m.kind, BusKind::kSignal);
  EXPECT_EQ(m.payload.size(), update.size());

  e = encodeBusMessage(BusKind::kQuery, UINT64_MAX, 0, {});
  ASSERT_TRUE(decodeBusMessage(e, &m).ok());
  EXPECT_EQ(m.kind, BusKind::kQuery);
  EXPECT_EQ(m.replica, UINT64_MAX);
}

TEST(BusMessage, RefusesWhatIsNotOurs) {
  BusMessage m;
  auto refused = [&](std::vector<uint8_t> b, std::string_view why) {
    Status s = decodeBusMessage(b, &m);
    EXPECT_FALSE(s.ok());
    EXPECT_NE(s.message().find(why), std::string::npos) << s.message();
  };
  refused({}, "empty");
  refused({0, 1}, "unknown kind");
  refused({6, 1}, "unknown kind");
  refused({5, 1}, "empty payload");
  refused({1}, "replica");
  refused({1, 0, 1, 'x'}, "replica");                // replica 0
  refused({1, 1}, "seq");                            // truncated
  refused({1, 1, 0x80}, "seq");                      // a varuint cut short
  refused({1, 1, 0}, "empty payload");
  refused({3, 1}, "empty payload");
  refused({4, 1, 0}, "trailing");
  refused({2, 1, 0, 0}, "trailing");
  // An 11-byte varuint, and a 10th byte past 64 bits.
  refused({1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, "replica");
  refused({1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, "replica");
  std::vector<uint8_t> big(kMaxBusMessageBytes + 1, 1);
  refused(big, "at most");
}

TEST(BusMessage, Channels) {
  std::string doc;
  EXPECT_EQ(channelFor("plan-1"), "roundtable:doc:plan-1");
  EXPECT_TRUE(nameOfChannel("roundtable:doc:plan-1", &doc));
  EXPECT_EQ(doc, "plan-1");
  EXPECT_EQ(signalChannelFor("room"), "roundtable:signal:room");
  EXPECT_TRUE(nameOfChannel("roundtable:signal:room", &doc));
  EXPECT_EQ(doc, "room");
  EXPECT_FALSE(nameOfChannel("roundtable:doc:", &doc));
  EXPECT_FALSE(nameOfChannel("other:plan-1", &doc));
}

}  // namespace
}  // namespace roundtable::bus
