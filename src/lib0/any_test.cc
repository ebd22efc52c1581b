// Expected bytes come from lib0 0.2.120 in Node 20:
//   const any = v => { const e = encoding.createEncoder(); encoding.writeAny(e, v)
//                      return Buffer.from(encoding.toUint8Array(e)).toString('hex') }
#include "lib0/any.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "lib0/hex_for_tests.h"

namespace roundtable::lib0 {
namespace {

using testhex::fromHex;
using testhex::toHex;

std::string anyHex(const Value& v) {
  Encoder e;
  writeAny(e, v);
  return toHex(e.data());
}

Value readHex(std::string_view hex) {
  const auto bytes = fromHex(hex);
  Decoder d(bytes);
  Value v = readAny(d);
  EXPECT_FALSE(d.hasContent()) << hex;
  return v;
}

TEST(AnyTest, NumberClassification) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::pair<double, const char*> cases[] = {
      {-2147483648.0, "7ccf000000"},  // -(2**31): float32
      {2147483648.0, "7c4f000000"},   // 2**31
      {1099511627776.0, "7c53800000"},  // 2**40
      {inf, "7c7f800000"},
      {-inf, "7cff800000"},
      {0.5, "7c3f000000"},
      {2147483649.0, "7b41e0000000200000"},  // 2**31+1: float64
      {1.1, "7b3ff199999999999a"},
      {std::nan(""), "7b7ff8000000000000"},
      {5.0, "7d05"},
      {-0.0, "7d40"},
      {2147483647.0, "7dbfffffff0f"},
      {-2147483647.0, "7dffffffff0f"},
      {1e300, "7b7e37e43c8800759c"},
  };
  for (auto [v, hex] : cases) EXPECT_EQ(anyHex(Value(v)), hex) << v;
}

TEST(AnyTest, ReceivedFloat64IsReencodedCanonically) {
  // A float64 5.0 reads as the number 5 and is written back as a varInt.
  EXPECT_EQ(anyHex(readHex("7b4014000000000000")), "7d05");
}

TEST(AnyTest, OtherScalars) {
  EXPECT_EQ(anyHex(Value("a\xED\xA0\x80" "b")), "770561efbfbd62");  // 'a\ud800b'
  EXPECT_EQ(anyHex(Value::binary(std::vector<uint8_t>{1, 2})), "74020102");
  EXPECT_EQ(anyHex(Value::bigint(123)), "7a000000000000007b");
  EXPECT_EQ(anyHex(Value::bigint(-1)), "7affffffffffffffff");
  EXPECT_EQ(anyHex(Value::array({Value(), Value::null(), true, false})), "75047f7e7879");
}

// const o = {}; o["b"]=1; o["2"]=2; o["a"]=3; o["1"]=4; any(o)
TEST(AnyTest, ObjectKeyOrder) {
  Value::Object o;
  o.set("b", 1).set("2", 2).set("a", 3).set("1", 4);
  EXPECT_EQ(anyHex(Value(o)), "760401317d0401327d0201627d0101617d03");
}

// any({b: 1, '2': [true, false, null, undefined, 'x\u00e9', new Uint8Array([9, 8]), 1.5, 1.1,
//      -0, 2**31], a: {c: {d: []}}, '1': -123456789n})
TEST(AnyTest, NestedRoundTrip) {
  const char* hex =
      "760401317afffffffff8a432eb0132750a78797e7f770378c3a9740209087c3fc000007b3ff199999999999a7d"
      "407c4f00000001627d01016176010163760101647500";
  Value::Object d;
  d.set("d", Value::array({}));
  Value::Object c;
  c.set("c", Value(d));
  Value::Object top;
  top.set("b", 1)
      .set("2", Value::array({true, false, Value::null(), Value(), "x\xC3\xA9",
                              Value::binary(std::vector<uint8_t>{9, 8}), 1.5, 1.1, -0.0,
                              2147483648.0}))
      .set("a", Value(c))
      .set("1", Value::bigint(-123456789));
  const Value v(top);
  EXPECT_EQ(anyHex(v), hex);
  const Value back = readHex(hex);
  EXPECT_EQ(back, v);
  EXPECT_EQ(anyHex(back), hex);
  EXPECT_TRUE(std::signbit(back.asObject().get("2")->asArray()[8].asNumber()));
}

TEST(AnyTest, DuplicateKeysKeepLastValueAtFirstPosition) {
  // 76 03 'a'->1 'b'->2 'a'->3  ==> {a:3, b:2}
  const Value v = readHex("7603 0161 7d01 0162 7d02 0161 7d03");
  ASSERT_EQ(v.asObject().size(), 2u);
  EXPECT_EQ(v.asObject().entries()[0].first, "a");
  EXPECT_EQ(v.asObject().entries()[0].second, Value(3));
  EXPECT_EQ(anyHex(v), "760201617d0301627d02");
}

TEST(AnyTest, ProtoKeyIsDropped) {
  // JS: obj['__proto__'] = {a:1} sets the prototype; re-encoding gives 760101627d02.
  EXPECT_EQ(anyHex(readHex("7602095f5f70726f746f5f5f7601 01617d01 01627d02")), "760101627d02");
}

TEST(AnyTest, HostileInputThrows) {
  const char* cases[] = {
      "",                        // no tag
      "73",                      // unknown tag 115 (lib0: TypeError)
      "00",                      // unknown tag 0
      "7d",                      // truncated varInt
      "7c 00 00",                // truncated float32
      "7b 00",                   // truncated float64
      "7a 00 00 00",             // truncated bigint
      "77 05 61",                // string longer than data
      "77 02 c3 28",             // invalid UTF-8
      "75 03 7f 7f",             // array shorter than its count
      "76 01 01 61",             // object missing its value
      "75 80 80 80 80 80 20",    // array count 2^40
      "76 80 80 80 80 80 20",    // object count 2^40
      "74 80 80 80 80 80 20 00", // Uint8Array length 2^40
      "75 ff ff ff ff ff ff ff 0f",
  };
  for (const char* hex : cases) {
    const auto bytes = fromHex(hex);
    Decoder d(bytes);
    EXPECT_THROW(readAny(d), DecodeError) << hex;
  }
}

TEST(AnyTest, NestingLimit) {
  std::vector<uint8_t> deep(5000, 0);
  for (size_t i = 0; i < deep.size(); i += 2) {
    deep[i] = 0x75;  // array of length 1
    deep[i + 1] = 0x01;
  }
  deep.push_back(0x7f);
  Decoder d(deep);
  EXPECT_THROW(readAny(d), DecodeError);

  std::vector<uint8_t> ok;
  for (int i = 0; i < 900; ++i) ok.insert(ok.end(), {0x75, 0x01});
  ok.push_back(0x7e);
  Decoder d2(ok);
  EXPECT_NO_THROW(readAny(d2));
}

TEST(AnyTest, RandomGarbageNeverCrashes) {
  uint32_t state = 12345;
  auto next = [&] {
    state = state * 1103515245u + 12345u;
    return static_cast<uint8_t>(state >> 16);
  };
  for (int round = 0; round < 3000; ++round) {
    std::vector<uint8_t> bytes(1 + next() % 40);
    for (auto& b : bytes) b = next();
    if (round % 2) bytes[0] = static_cast<uint8_t>(116 + next() % 12);
    Decoder d(bytes);
    try {
      (void)readAny(d);
    } catch (const DecodeError&) {
    }
  }
}

}  // namespace
}  // namespace roundtable::lib0
