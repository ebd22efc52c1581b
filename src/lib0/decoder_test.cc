#include "lib0/decoder.h"

#include <gtest/gtest.h>

#include <cmath>

#include "lib0/encoder.h"
#include "lib0/hex_for_tests.h"

namespace roundtable::lib0 {
namespace {

using testhex::fromHex;

TEST(DecoderTest, ReadsWhatEncoderWrites) {
  Encoder e;
  e.writeUint8(7);
  e.writeVarUint(300);
  e.writeVarUint(9007199254740991ULL);
  e.writeVarInt(-64);
  e.writeVarInt(-0.0);
  e.writeVarInt(-9007199254740991.0);
  e.writeVarString("h\xC3\xA9llo");
  const uint8_t raw[] = {1, 2};
  e.writeVarUint8Array(raw);
  e.writeUint8Array(raw);
  e.writeFloat32(0.5f);
  e.writeFloat64(1.1);
  e.writeBigInt64(INT64_MIN);

  Decoder d(e.data());
  EXPECT_EQ(d.readUint8(), 7);
  EXPECT_EQ(d.readVarUint(), 300u);
  EXPECT_EQ(d.readVarUint(), 9007199254740991ULL);
  EXPECT_EQ(d.readVarInt(), -64);
  const double negZero = d.readVarInt();
  EXPECT_EQ(negZero, 0);
  EXPECT_TRUE(std::signbit(negZero));
  EXPECT_EQ(d.readVarInt(), -9007199254740991.0);
  EXPECT_EQ(d.readVarString(), "h\xC3\xA9llo");
  auto arr = d.readVarUint8Array();
  ASSERT_EQ(arr.size(), 2u);
  EXPECT_EQ(arr[1], 2);
  EXPECT_EQ(d.readUint8Array(2).size(), 2u);
  EXPECT_EQ(d.readFloat32(), 0.5f);
  EXPECT_EQ(d.readFloat64(), 1.1);
  EXPECT_EQ(d.readBigInt64(), INT64_MIN);
  EXPECT_FALSE(d.hasContent());
  EXPECT_EQ(d.remaining(), 0u);
  EXPECT_EQ(d.position(), e.size());
  EXPECT_THROW(d.readUint8(), DecodeError);
}

TEST(DecoderTest, AcceptsNonCanonicalVarUint) {
  auto bytes = fromHex("80 80 00");  // lib0 reads 0
  Decoder d(bytes);
  EXPECT_EQ(d.readVarUint(), 0u);
}

TEST(DecoderTest, TruncatedInputThrows) {
  const char* cases[] = {"", "80", "ff ff", "ac"};
  for (const char* hex : cases) {
    auto bytes = fromHex(hex);
    Decoder a(bytes);
    EXPECT_THROW(a.readVarUint(), DecodeError) << hex;
    Decoder b(bytes);
    EXPECT_THROW(b.readVarInt(), DecodeError) << hex;
  }
  auto three = fromHex("01 02 03");
  EXPECT_THROW(Decoder(three).readFloat32(), DecodeError);
  EXPECT_THROW(Decoder(three).readFloat64(), DecodeError);
  EXPECT_THROW(Decoder(three).readBigInt64(), DecodeError);
  EXPECT_THROW(Decoder(three).readUint8Array(4), DecodeError);
  auto shortStr = fromHex("03 61 62");
  EXPECT_THROW(Decoder(shortStr).readVarString(), DecodeError);
}

TEST(DecoderTest, OutOfRangeAndOverlongThrow) {
  auto tooBig = fromHex("80 80 80 80 80 80 80 10");  // 2^53
  EXPECT_THROW(Decoder(tooBig).readVarUint(), DecodeError);
  auto tooBigInt = fromHex("80 80 80 80 80 80 80 20");  // 2^53 as varInt (6 + 7*6 + 5)
  EXPECT_THROW(Decoder(tooBigInt).readVarInt(), DecodeError);
  auto huge = fromHex("ff ff ff ff ff ff ff ff ff 01");
  EXPECT_THROW(Decoder(huge).readVarUint(), DecodeError);
  auto overlong = fromHex("80 80 80 80 80 80 80 80 80 80 00");
  EXPECT_THROW(Decoder(overlong).readVarUint(), DecodeError);
}

TEST(DecoderTest, HugeLengthThrowsWithoutAllocating) {
  // varUint 2^40 followed by 3 bytes.
  auto bytes = fromHex("80 80 80 80 80 20 61 62 63");
  EXPECT_THROW(Decoder(bytes).readVarUint8Array(), DecodeError);
  EXPECT_THROW(Decoder(bytes).readVarString(), DecodeError);
  Decoder d(bytes);
  EXPECT_THROW(d.readUint8Array(SIZE_MAX), DecodeError);
}

TEST(DecoderTest, VarStringValidatesUtf8) {
  EXPECT_EQ(Decoder(fromHex("04 ef bb bf 78")).readVarString(), "\xEF\xBB\xBFx");  // BOM kept
  EXPECT_EQ(Decoder(fromHex("04 f0 9f 98 80")).readVarString(), "\xF0\x9F\x98\x80");
  const char* bad[] = {
      "01 80",           // stray continuation
      "02 c0 80",        // overlong
      "03 ed a0 80",     // surrogate
      "02 e2 82",        // truncated sequence
      "04 f4 90 80 80",  // above U+10FFFF
      "01 ff",
  };
  for (const char* hex : bad) {
    auto bytes = fromHex(hex);
    Decoder d(bytes);
    EXPECT_THROW(d.readVarString(), DecodeError) << hex;
  }
}

TEST(DecoderTest, ErrorMessageNamesTheRead) {
  auto bytes = fromHex("05 61");
  try {
    Decoder(bytes).readVarUint8Array();
    FAIL();
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("varUint8Array"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace roundtable::lib0
