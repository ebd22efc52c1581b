// Expected bytes come from y-protocols 1.0.6 / yjs 13.6.33 (Node 20):
//   const doc = new Y.Doc(); doc.clientID = 300; doc.getText('t').insert(0, 'hi')
//   const msg = f => { const e = encoding.createEncoder(); f(e); return hex(encoding.toUint8Array(e)) }
//   msg(e => { encoding.writeVarUint(e, 0); sync.writeSyncStep1(e, doc) })   // kStep1
//   msg(e => { encoding.writeVarUint(e, 0); sync.writeSyncStep2(e, doc) })   // kStep2
//   msg(e => { encoding.writeVarUint(e, 0); sync.writeUpdate(e, Y.encodeStateAsUpdate(doc)) })
//   msg(e => { encoding.writeVarUint(e, 2); auth.writePermissionDenied(e, 'no ✓') })
#include "sync/message.h"

#include <gtest/gtest.h>

#include "lib0/hex_for_tests.h"

namespace roundtable::sync {
namespace {

using lib0::testhex::fromHex;
using lib0::testhex::toHex;

std::string hexOf(std::span<const uint8_t> s) { return toHex(std::vector<uint8_t>(s.begin(), s.end())); }

constexpr const char* kStateVector = "01ac0202";
constexpr const char* kUpdate = "0101ac02000401017402686900";
constexpr const char* kStep1 = "00000401ac0202";
constexpr const char* kStep2 = "00010d0101ac02000401017402686900";
constexpr const char* kUpdateMsg = "00020d0101ac02000401017402686900";
constexpr const char* kAuth = "0200066e6f20e29c93";  // reason "no ✓"

TEST(MessageTest, EncodesAsYProtocols) {
  EXPECT_EQ(toHex(encodeSyncStep1(fromHex(kStateVector))), kStep1);
  EXPECT_EQ(toHex(encodeSyncStep2(fromHex(kUpdate))), kStep2);
  EXPECT_EQ(toHex(encodeUpdate(fromHex(kUpdate))), kUpdateMsg);
  EXPECT_EQ(toHex(encodeAwareness(fromHex("0102"))), "01020102");
  EXPECT_EQ(toHex(encodeQueryAwareness()), "03");
  EXPECT_EQ(toHex(encodeAuthPermissionDenied("no ✓")), kAuth);
  EXPECT_EQ(toHex(encodeAuthPermissionDenied("\xff")), "020003efbfbd");  // invalid byte -> U+FFFD
}

TEST(MessageTest, DecodesEachType) {
  Message m;
  std::vector<uint8_t> b = fromHex(kStep1);
  ASSERT_TRUE(decodeMessage(b, &m).ok());
  EXPECT_EQ(m.type, MessageType::kSync);
  EXPECT_EQ(m.sync, SyncType::kStep1);
  EXPECT_EQ(hexOf(m.payload), kStateVector);

  b = fromHex(kStep2);
  ASSERT_TRUE(decodeMessage(b, &m).ok());
  EXPECT_EQ(m.sync, SyncType::kStep2);
  EXPECT_EQ(hexOf(m.payload), kUpdate);

  b = fromHex(kUpdateMsg);
  ASSERT_TRUE(decodeMessage(b, &m).ok());
  EXPECT_EQ(m.sync, SyncType::kUpdate);
  EXPECT_EQ(hexOf(m.payload), kUpdate);

  b = fromHex("01020102");
  ASSERT_TRUE(decodeMessage(b, &m).ok());
  EXPECT_EQ(m.type, MessageType::kAwareness);
  EXPECT_EQ(hexOf(m.payload), "0102");
  EXPECT_EQ(m.payload.data(), b.data() + 2);  // a view, not a copy

  b = fromHex("03");
  ASSERT_TRUE(decodeMessage(b, &m).ok());
  EXPECT_EQ(m.type, MessageType::kQueryAwareness);
  EXPECT_TRUE(m.payload.empty());

  b = fromHex(kAuth);
  ASSERT_TRUE(decodeMessage(b, &m).ok());
  EXPECT_EQ(m.type, MessageType::kAuth);
  EXPECT_EQ(m.authReason, "no ✓");
}

TEST(MessageTest, EmptyPayloads) {
  Message m;
  std::vector<uint8_t> b = encodeSyncStep1({});
  EXPECT_EQ(toHex(b), "000000");
  ASSERT_TRUE(decodeMessage(b, &m).ok());
  EXPECT_TRUE(m.payload.empty());
  b = encodeAuthPermissionDenied("");
  ASSERT_TRUE(decodeMessage(b, &m).ok());
  EXPECT_EQ(m.authReason, "");
}

// The JavaScript readers never check for leftover bytes; neither does this.
TEST(MessageTest, TrailingBytesAreIgnored) {
  Message m;
  std::vector<uint8_t> b = fromHex(std::string(kStep1) + "ffff");
  ASSERT_TRUE(decodeMessage(b, &m).ok());
  EXPECT_EQ(hexOf(m.payload), kStateVector);
  b = fromHex("03ff");
  EXPECT_TRUE(decodeMessage(b, &m).ok());
}

TEST(MessageTest, RejectsUnknownTypes) {
  Message m;
  for (const char* hex : {"04", "7f", "8001", "0003", "000400", "020100", "0201"}) {
    std::vector<uint8_t> b = fromHex(hex);
    Status s = decodeMessage(b, &m);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << hex;
    EXPECT_NE(s.message().find("unknown"), std::string::npos) << hex << ": " << s.message();
  }
}

TEST(MessageTest, RejectsMalformed) {
  Message m;
  for (const char* hex : {
           "",                          // empty frame
           "80",                        // truncated varUint
           "ffffffffffffffffffff01",    // varUint above 2^53
           "0000",                      // step1 without a length
           "00000501ac0202",            // length past the end
           "00008080808080808080808001",// length varUint too long
           "01",                        // awareness without a length
           "02",                        // auth without a subtype
           "020002ff41",                // reason is not UTF-8
           "020002eda080",              // reason with an encoded surrogate
       }) {
    std::vector<uint8_t> b = fromHex(hex);
    EXPECT_EQ(decodeMessage(b, &m).code(), StatusCode::kInvalidArgument) << hex;
  }
}

TEST(MessageTest, EveryTruncationIsAnError) {
  for (const char* hex : {kStep1, kStep2, kUpdateMsg, kAuth, "01020102"}) {
    const std::vector<uint8_t> full = fromHex(hex);
    for (size_t n = 0; n < full.size(); ++n) {
      Message m;
      EXPECT_EQ(decodeMessage(std::span(full).first(n), &m).code(), StatusCode::kInvalidArgument)
          << hex << " cut at " << n;
    }
  }
}

}  // namespace
}  // namespace roundtable::sync
