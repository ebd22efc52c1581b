// Expected bytes come from lib0 0.2.120 (Node 20), e.g.
//   const e = new encoding.IntDiffOptRleEncoder(); [1, 2, 3, 2].forEach(v => e.write(v))
//   Buffer.from(e.toUint8Array()).toString('hex')   // '030142'
#include "lib0/rle.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "lib0/hex_for_tests.h"

namespace roundtable::lib0 {
namespace {

using testhex::fromHex;
using testhex::toHex;

TEST(Rle, IntDiffOptRleWritesLib0Bytes) {
  auto enc = [](std::vector<int64_t> vals) {
    IntDiffOptRleEncoder e;
    for (int64_t v : vals) e.write(v);
    return toHex(e.take());
  };
  EXPECT_EQ(enc({1, 2, 3, 2}), "030142");
  EXPECT_EQ(enc({0, 0, 5, 4, 3, 100000}), "01000a4100bab418");
  EXPECT_EQ(enc({}), "");
}

TEST(Rle, UintOptRleWritesLib0Bytes) {
  auto enc = [](std::vector<uint64_t> vals) {
    UintOptRleEncoder e;
    for (uint64_t v : vals) e.write(v);
    return toHex(e.take());
  };
  EXPECT_EQ(enc({1, 2, 3, 3, 3}), "01024301");
  EXPECT_EQ(enc({0, 0, 7, 300, 300}), "400007ec0400");  // a run of 0 is -0
  EXPECT_EQ(enc({4000000000u, 4000000000u}), "c0a0d9e61d00");
}

// What an update encoder writes for a column: its length, then the column.
TEST(Rle, AppendToWritesTheColumnWithItsLength) {
  auto check = [](auto fill) {
    auto a = fill();
    auto b = fill();
    Encoder expected;
    expected.writeVarUint8Array(a.take());
    Encoder out;
    out.writeUint8(0xAB);  // after what is already there
    b.appendTo(out);
    EXPECT_EQ(toHex(out.data()), "ab" + toHex(expected.data()));
  };
  const std::vector<int64_t> values = {0, 0, 5, 4, 3, 100000, 100000, 63, 64, 8191, 8192, 16383, 16384, int64_t{1} << 52};
  check([&] {
    IntDiffOptRleEncoder e;
    for (int64_t v : values) e.write(v);
    return e;
  });
  check([&] {
    UintOptRleEncoder e;
    for (int64_t v : values) e.write(static_cast<uint64_t>(v));
    return e;
  });
  check([&] {
    RleEncoder e;
    for (int64_t v : values) e.write(static_cast<uint8_t>(v));
    return e;
  });
  check([&] {
    StringEncoder e;
    e.writeAscii("plan");
    e.write("\xed\xa0\xbd");  // a lone high surrogate, joined with the next string's low one
    e.write("\xed\xb8\x80 review");
    e.writeAscii(std::string(300, 'x'));
    return e;
  });
}

TEST(Rle, RleLeavesTheLastRunOpen) {
  RleEncoder e;
  for (uint8_t v : {5, 5, 5, 6, 0, 0}) e.write(v);
  EXPECT_EQ(toHex(e.take()), "0502060000");
  const auto bytes = fromHex("0502060000");
  RleDecoder d(bytes);
  for (uint8_t v : {5, 5, 5, 6, 0, 0, 0, 0, 0}) EXPECT_EQ(d.read(), v);  // the last value forever
}

TEST(Rle, StringEncoderJoinsSurrogatesAsJavaScriptDoes) {
  StringEncoder e;
  // WTF-8: "\ud83d" and "\ude00x" are lone surrogates that join into one emoji.
  for (std::string s : {std::string("ab"), std::string(), std::string("\xC3\xA9\xF0\x9F\x98\x80"), std::string("\xED\xA0\xBD"),
                        std::string("\xED\xB8\x80x"), std::string(30, 'a')}) {
    if (s.size() == 30)
      for (size_t i = 1; i < 30; i += 2) s[i] = 'b';
    e.write(s);
  }
  const std::vector<uint8_t> bytes = e.take();
  EXPECT_EQ(toHex(bytes),
            "2b6162c3a9f09f9880f09f98807861626162616261626162616261626162616261626162616261626162616202000301021e");
  // Reading slices the joined emoji apart again.
  StringDecoder d(bytes);
  EXPECT_EQ(d.read(), "ab");
  EXPECT_EQ(d.read(), "");
  EXPECT_EQ(d.read(), "\xC3\xA9\xF0\x9F\x98\x80");
  EXPECT_EQ(d.read(), "\xED\xA0\xBD");
  EXPECT_EQ(d.read(), "\xED\xB8\x80x");
  EXPECT_EQ(d.read().size(), 30u);
  // Past the text: the length run repeats nothing more; the column is exhausted.
  EXPECT_THROW(d.read(), DecodeError);
}

TEST(Rle, StringEncoderAsciiWritesTheSameBytes) {
  // writeAscii skips the scans; the column must not change, alone or mixed
  // with strings that need them (a lone surrogate before ASCII stays lone).
  const std::vector<std::string> strings = {"ab", "", "\xC3\xA9", "\xED\xA0\xBD", "x", std::string(40, 'q')};
  StringEncoder scanned;
  for (const std::string& s : strings) scanned.write(s);
  StringEncoder mixed;
  for (const std::string& s : strings) {
    const bool ascii = std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
    if (ascii)
      mixed.writeAscii(s);
    else
      mixed.write(s);
  }
  EXPECT_EQ(toHex(mixed.take()), toHex(scanned.take()));
  StringEncoder asciiOnly;
  asciiOnly.writeAscii("hello");
  asciiOnly.writeAscii(" world");
  StringEncoder asciiScanned;
  asciiScanned.write("hello");
  asciiScanned.write(" world");
  EXPECT_EQ(toHex(asciiOnly.take()), toHex(asciiScanned.take()));
}

TEST(Rle, DecodersReadWhatEncodersWrite) {
  IntDiffOptRleEncoder ie;
  UintOptRleEncoder ue;
  std::vector<int64_t> ints = {0, 0, 0, 7, 8, 9, 10, -3, 1LL << 40, (1LL << 40) + 2, 5, 5};
  for (int64_t v : ints) ie.write(v);
  for (int64_t v : ints) ue.write(static_cast<uint64_t>(v < 0 ? -v : v));
  const auto ib = ie.take();
  const auto ub = ue.take();
  IntDiffOptRleDecoder id(ib);
  UintOptRleDecoder ud(ub);
  for (int64_t v : ints) {
    EXPECT_EQ(id.read(), v);
    EXPECT_EQ(ud.read(), static_cast<uint64_t>(v < 0 ? -v : v));
  }
}

TEST(Rle, HugeRunsCostNothingUntilRead) {
  // 7 repeated 2^50 times in four bytes.
  Encoder e;
  e.writeVarIntParts(7, true);
  e.writeVarUint(uint64_t{1} << 50);
  const auto bytes = e.take();
  UintOptRleDecoder d(bytes);
  for (int i = 0; i < 1000; i++) EXPECT_EQ(d.read(), 7u);
}

}  // namespace
}  // namespace roundtable::lib0
