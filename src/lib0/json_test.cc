// Expected strings come from Node 20, e.g. JSON.stringify([1e21, String(1e21)]).
#include "lib0/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "lib0/decoder.h"

namespace roundtable::lib0 {
namespace {

TEST(JsonTest, NumberToString) {
  const std::pair<double, const char*> cases[] = {
      {1e21, "1e+21"},
      {1e20, "100000000000000000000"},
      {1e-7, "1e-7"},
      {0.000001, "0.000001"},
      {1.5e300, "1.5e+300"},
      {-0.0, "0"},
      {0.0, "0"},
      {123.456, "123.456"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {0.1 + 0.2, "0.30000000000000004"},
      {-1e-7, "-1e-7"},
      {1.2345e-10, "1.2345e-10"},
      {123e25, "1.23e+27"},
      {9007199254740992.0, "9007199254740992"},
      {4.35, "4.35"},
      {0.1, "0.1"},
      {100, "100"},
      {1e6, "1000000"},
      {1.5, "1.5"},
      {-2.5e-8, "-2.5e-8"},
      {2.2250738585072014e-308, "2.2250738585072014e-308"},
      {123456789012345680000.0, "123456789012345680000"},
      {-42, "-42"},
  };
  for (auto [v, s] : cases) EXPECT_EQ(numberToString(v), s) << s;
  EXPECT_EQ(numberToString(std::nan("")), "NaN");
  EXPECT_EQ(numberToString(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(numberToString(-std::numeric_limits<double>::infinity()), "-Infinity");
}

TEST(JsonTest, StringifyScalarsAndContainers) {
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(toJSON(Value()), "undefined");
  EXPECT_EQ(toJSON(Value::null()), "null");
  EXPECT_EQ(toJSON(Value(true)), "true");
  EXPECT_EQ(toJSON(Value(-0.0)), "0");
  EXPECT_EQ(toJSON(Value(1e21)), "1e+21");
  EXPECT_EQ(toJSON(Value::array({Value(), std::nan(""), -inf, inf})), "[null,null,null,null]");
  Value::Object o;
  o.set("a", Value()).set("b", 1).set("c", Value());
  EXPECT_EQ(toJSON(Value(o)), R"({"b":1})");
  EXPECT_EQ(toJSON(Value::binary(std::vector<uint8_t>{1, 2})), R"({"0":1,"1":2})");
  EXPECT_EQ(toJSON(Value::binary(std::vector<uint8_t>{})), "{}");
  EXPECT_EQ(toJSON(Value::object()), "{}");
  EXPECT_EQ(toJSON(Value::array({})), "[]");
  Value::Object order;  // JSON.stringify(o) with o.b=1,o['2']=2,o.a=3,o['1']=4
  order.set("b", 1).set("2", 2).set("a", 3).set("1", 4);
  EXPECT_EQ(toJSON(Value(order)), R"({"1":4,"2":2,"b":1,"a":3})");
  EXPECT_THROW(toJSON(Value::bigint(1)), std::invalid_argument);
  EXPECT_THROW(toJSON(Value::array({Value::bigint(1)})), std::invalid_argument);
}

TEST(JsonTest, StringifyEscapes) {
  // JSON.stringify(["\ud800", "\udc00x", "\ud83d\ude00",
  //                 "\u0001\u001f\b\f\n\r\t\"\\/\u007f\u2028"])
  const Value v = Value::array({"\xED\xA0\x80", "\xED\xB0\x80x", "\xF0\x9F\x98\x80",
                                "\x01\x1f\b\f\n\r\t\"\\/\x7f\xE2\x80\xA8"});
  EXPECT_EQ(toJSON(v), "[\"\\ud800\",\"\\udc00x\",\"\xF0\x9F\x98\x80\","
                       "\"\\u0001\\u001f\\b\\f\\n\\r\\t\\\"\\\\/\x7f\xE2\x80\xA8\"]");
  // JSON.stringify({'\ud800k': ['\udfff', 'a\u00e9']})
  Value::Object o;
  o.set("\xED\xA0\x80k", Value::array({"\xED\xBF\xBF", "a\xC3\xA9"}));
  EXPECT_EQ(toJSON(Value(o)), "{\"\\ud800k\":[\"\\udfff\",\"a\xC3\xA9\"]}");
  // U+D7FF (ED 9F BF) is not a surrogate: copied literally.
  EXPECT_EQ(toJSON(Value("\xED\x9F\xBF")), "\"\xED\x9F\xBF\"");
}

TEST(JsonTest, Parse) {
  EXPECT_EQ(parseJSON(" [1, 2.5, -3e2, true, false, null, \"x\"] "),
            Value::array({1, 2.5, -300, true, false, Value::null(), "x"}));
  const Value negZero = parseJSON("-0");
  EXPECT_TRUE(std::signbit(negZero.asNumber()));
  EXPECT_EQ(parseJSON("{}"), Value::object());
  EXPECT_EQ(parseJSON("\"\""), Value(""));
  // JSON.parse('[1e-400, 2.4703282292062328e-324, 2.4703282292062327e-324,
  //   1.7976931348623158e308, 1.7976931348623159e308, 0.1e-1, 9007199254740993,
  //   123456789012345678901234567890, 1e400, -1e400]')
  const Value nums = parseJSON(
      "[1e-400, 2.4703282292062328e-324, 2.4703282292062327e-324, 1.7976931348623158e308,"
      " 1.7976931348623159e308, 0.1e-1, 9007199254740993, 123456789012345678901234567890,"
      " 1e400, -1e400, 1E+2]");
  const auto& a = nums.asArray();
  EXPECT_EQ(a[0].asNumber(), 0);
  EXPECT_EQ(a[1].asNumber(), 5e-324);
  EXPECT_EQ(a[2].asNumber(), 0);
  EXPECT_EQ(a[3].asNumber(), 1.7976931348623157e308);
  EXPECT_TRUE(std::isinf(a[4].asNumber()));
  EXPECT_EQ(a[5].asNumber(), 0.01);
  EXPECT_EQ(a[6].asNumber(), 9007199254740992.0);
  EXPECT_EQ(numberToString(a[7].asNumber()), "1.2345678901234568e+29");
  EXPECT_EQ(a[8].asNumber(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(a[9].asNumber(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(a[10].asNumber(), 100);
}

TEST(JsonTest, ParseStringEscapes) {
  EXPECT_EQ(parseJSON(R"("\uD83D\uDE00")").asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseJSON(R"("\ud83d")").asString(), "\xED\xA0\xBD");
  EXPECT_EQ(parseJSON(R"("\ude00\ud83d")").asString(), "\xED\xB8\x80\xED\xA0\xBD");
  EXPECT_EQ(parseJSON(R"("\u00e9\u00E9")").asString(), "\xC3\xA9\xC3\xA9");
  EXPECT_EQ(parseJSON(R"("\"\\\/\b\f\n\r\t")").asString(), "\"\\/\b\f\n\r\t");
  EXPECT_EQ(parseJSON("\"\xE2\x80\xA8\"").asString(), "\xE2\x80\xA8");
  // An escaped high surrogate followed by a raw WTF-8 low surrogate is one pair.
  EXPECT_EQ(parseJSON("\"\\ud83d\xED\xB8\x80\"").asString(), "\xF0\x9F\x98\x80");
  EXPECT_EQ(parseJSON("\"\xED\x9F\xBF\"").asString(), "\xED\x9F\xBF");  // U+D7FF
  // Round trip of a lone surrogate through stringify and parse.
  const Value lone("a\xED\xA0\x80");
  EXPECT_EQ(parseJSON(toJSON(lone)), lone);
}

TEST(JsonTest, ParseObjectsUseJavaScriptOrder) {
  // JSON.stringify(JSON.parse('{"a":1,"b":2,"a":3}')) === '{"a":3,"b":2}'
  EXPECT_EQ(toJSON(parseJSON(R"({"a":1,"b":2,"a":3})")), R"({"a":3,"b":2})");
  EXPECT_EQ(toJSON(parseJSON(R"({"b":1,"2":2,"a":3,"1":4})")), R"({"1":4,"2":2,"b":1,"a":3})");
  // JSON.parse keeps "__proto__" as an own property.
  EXPECT_EQ(toJSON(parseJSON(R"({"__proto__":1,"a":2})")), R"({"__proto__":1,"a":2})");
}

TEST(JsonTest, ParseErrors) {
  // Each of these makes JSON.parse throw in Node 20.
  const char* bad[] = {"",      "01",       "1.",   ".1",       "-",       "+1",    "1e",
                       "[1,]",  "{\"a\":1,}", "\"\t\"", "\xC2\xA0" "1", "\v1", "nul", "1 2",
                       "\"\\x\"", "\"\\u12\"", "[",    "{",        "{\"a\"}",  "\"abc", "{1:2}",
                       "[1 2]", "tru",      "NaN",  "Infinity", "'a'"};
  for (const char* text : bad) EXPECT_THROW(parseJSON(text), DecodeError) << text;
}

TEST(JsonTest, DepthLimit) {
  EXPECT_THROW(parseJSON(std::string(5000, '[') + std::string(5000, ']')), DecodeError);
  EXPECT_NO_THROW(parseJSON(std::string(900, '[') + std::string(900, ']')));
}

}  // namespace
}  // namespace roundtable::lib0
