// Expected bytes come from lib0 0.2.120 (Node 20), e.g.
//   const e = encoding.createEncoder(); encoding.writeVarInt(e, -0)
//   Buffer.from(encoding.toUint8Array(e)).toString('hex')   // '40'
#include "lib0/encoder.h"

#include <gtest/gtest.h>

#include <cmath>

#include "lib0/hex_for_tests.h"

namespace roundtable::lib0 {
namespace {

using testhex::toHex;

template <typename F>
std::string written(F f) {
  Encoder e;
  f(e);
  return toHex(e.data());
}

TEST(EncoderTest, VarUint) {
  const std::pair<uint64_t, const char*> cases[] = {
      {0, "00"},           {127, "7f"},  {128, "8001"}, {300, "ac02"}, {4294967295ULL, "ffffffff0f"},
      {16383, "ff7f"},     {16384, "808001"},  // the last two-byte value, the first of three
      {9007199254740991ULL, "ffffffffffffff0f"},
  };
  for (const auto& c : cases) EXPECT_EQ(written([&](Encoder& e) { e.writeVarUint(c.first); }), c.second) << c.first;
}

TEST(EncoderTest, VarInt) {
  const std::pair<double, const char*> cases[] = {
      {0, "00"},
      {-0.0, "40"},
      {1, "01"},
      {-1, "41"},
      {63, "3f"},
      {64, "8001"},
      {-64, "c001"},
      {300, "ac04"},
      {-300, "ec04"},
      {8191, "bf7f"},  // the last two-byte value, the first of three
      {8192, "808001"},
      {-8192, "c08001"},
      {2147483647, "bfffffff0f"},
      {-2147483648.0, "c080808010"},
      {9007199254740991.0, "bfffffffffffff1f"},
      {-9007199254740991.0, "ffffffffffffff1f"},
  };
  for (const auto& c : cases) EXPECT_EQ(written([&](Encoder& e) { e.writeVarInt(c.first); }), c.second) << c.first;
}

TEST(EncoderTest, VarString) {
  EXPECT_EQ(written([](Encoder& e) { e.writeVarString(""); }), "00");
  EXPECT_EQ(written([](Encoder& e) { e.writeVarString("hi"); }), "026869");
  EXPECT_EQ(written([](Encoder& e) { e.writeVarString("\xC3\xA9"); }), "02c3a9");
  EXPECT_EQ(written([](Encoder& e) { e.writeVarString("\xF0\x9F\x98\x80"); }), "04f09f9880");
  EXPECT_EQ(written([](Encoder& e) { e.writeVarString("\xEF\xBB\xBFx"); }), "04efbbbf78");
  // Lone surrogates (WTF-8) become U+FFFD, as TextEncoder does: 'a\ud800b', '\udc00'.
  EXPECT_EQ(written([](Encoder& e) { e.writeVarString("a\xED\xA0\x80" "b"); }), "0561efbfbd62");
  EXPECT_EQ(written([](Encoder& e) { e.writeVarString("\xED\xB0\x80"); }), "03efbfbd");
  // A generalized-UTF-8 pair is what JavaScript sees as a valid pair.
  EXPECT_EQ(written([](Encoder& e) { e.writeVarString("\xED\xA0\xBD\xED\xB8\x80"); }), "04f09f9880");
}

TEST(EncoderTest, FixedWidth) {
  EXPECT_EQ(written([](Encoder& e) { e.writeFloat32(1.5f); }), "3fc00000");
  EXPECT_EQ(written([](Encoder& e) { e.writeFloat64(-2.25); }), "c002000000000000");
  EXPECT_EQ(written([](Encoder& e) { e.writeBigInt64(-2); }), "fffffffffffffffe");
  EXPECT_EQ(written([](Encoder& e) { e.writeBigInt64(0x0102030405060708LL); }), "0102030405060708");
}

TEST(EncoderTest, ArraysAndBufferManagement) {
  Encoder e;
  const uint8_t bytes[] = {1, 2, 3};
  e.writeVarUint8Array(bytes);
  e.writeUint8Array(bytes);
  e.writeUint8(0xff);
  EXPECT_EQ(e.size(), 8u);
  EXPECT_EQ(toHex(e.data()), "03010203010203ff");
  std::vector<uint8_t> taken = e.take();
  EXPECT_EQ(taken.size(), 8u);
  EXPECT_EQ(e.size(), 0u);
  e.writeUint8(7);
  EXPECT_EQ(toHex(e.data()), "07");
  e.clear();
  EXPECT_EQ(e.size(), 0u);
}

}  // namespace
}  // namespace roundtable::lib0
