#include "roundtable/lib0/value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace roundtable::lib0 {
namespace {

std::vector<std::string> keysOf(const Value::Object& o) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : o) keys.push_back(k);
  return keys;
}

TEST(ValueTest, KindsAndAccessors) {
  EXPECT_TRUE(Value().isUndefined());
  EXPECT_TRUE(Value::null().isNull());
  EXPECT_TRUE(Value(nullptr).isNull());
  EXPECT_EQ(Value(true).asBool(), true);
  EXPECT_EQ(Value(2.5).asNumber(), 2.5);
  EXPECT_EQ(Value(3).asNumber(), 3.0);
  EXPECT_EQ(Value::bigint(-5).asBigInt(), -5);
  EXPECT_EQ(Value("x").asString(), "x");
  EXPECT_EQ(Value(std::string("y")).asString(), "y");
  EXPECT_EQ(Value::binary(std::vector<uint8_t>{1, 2}).asBinary().size(), 2u);
  EXPECT_EQ(Value::array({1, "a"}).asArray().size(), 2u);
  EXPECT_TRUE(Value::object().isObject());
  EXPECT_EQ(Value::object().asObject().size(), 0u);
  EXPECT_EQ(Value(1).kind(), Value::Kind::Number);
  EXPECT_THROW(Value(1).asString(), std::logic_error);
  EXPECT_THROW(Value().asBool(), std::logic_error);
  EXPECT_LE(sizeof(Value), 24u);
}

TEST(ValueTest, ObjectKeyOrderIsJavaScriptOrder) {
  // const o = {}; o.b = 1; o['2'] = 2; o.a = 3; o['1'] = 4; Object.keys(o)
  Value::Object o;
  o.set("b", 1).set("2", 2).set("a", 3).set("1", 4);
  EXPECT_EQ(keysOf(o), (std::vector<std::string>{"1", "2", "b", "a"}));
  o.set("b", 5);  // replace keeps position
  EXPECT_EQ(keysOf(o), (std::vector<std::string>{"1", "2", "b", "a"}));
  EXPECT_EQ(o.get("b")->asNumber(), 5);
  EXPECT_EQ(o.get("zz"), nullptr);
  EXPECT_TRUE(o.contains("2"));
  EXPECT_TRUE(o.erase("2"));
  EXPECT_FALSE(o.erase("2"));
  o.set("0", 0);
  EXPECT_EQ(keysOf(o), (std::vector<std::string>{"0", "1", "b", "a"}));
}

TEST(ValueTest, ArrayIndexKeys) {
  // Object.keys({"4294967296":1,"a":2,"4294967295":3,"1":4,"00":5,"1.5":6,"+1":7,"0":8})
  // -> ['0','1','4294967296','a','4294967295','00','1.5','+1']
  Value::Object o;
  for (const char* k : {"4294967296", "a", "4294967295", "1", "00", "1.5", "+1", "0"}) o.set(k, 1);
  EXPECT_EQ(keysOf(o), (std::vector<std::string>{"0", "1", "4294967296", "a", "4294967295", "00",
                                                 "1.5", "+1"}));
  EXPECT_TRUE(Value::Object::isArrayIndexKey("4294967294"));
  EXPECT_FALSE(Value::Object::isArrayIndexKey("4294967295"));
  EXPECT_FALSE(Value::Object::isArrayIndexKey("-1"));
  EXPECT_FALSE(Value::Object::isArrayIndexKey(""));
  // Numeric, not lexicographic: 9 < 10.
  Value::Object p;
  p.set("10", 1).set("9", 2);
  EXPECT_EQ(keysOf(p), (std::vector<std::string>{"9", "10"}));
}

TEST(ValueTest, FromEntriesIsAssignmentSemantics) {
  auto o = Value::Object::fromEntries({{"a", 1}, {"b", 2}, {"3", 3}, {"a", 4}, {"1", 5}});
  EXPECT_EQ(keysOf(o), (std::vector<std::string>{"1", "3", "a", "b"}));
  EXPECT_EQ(o.get("a")->asNumber(), 4);
  EXPECT_EQ(o.get("3")->asNumber(), 3);
  o.set("2", 6);
  EXPECT_EQ(keysOf(o), (std::vector<std::string>{"1", "2", "3", "a", "b"}));
}

TEST(ValueTest, Equality) {
  EXPECT_EQ(Value(1), Value(1.0));
  EXPECT_EQ(Value(0.0), Value(-0.0));
  EXPECT_EQ(Value(std::nan("")), Value(std::nan("")));
  EXPECT_NE(Value(1), Value("1"));
  EXPECT_NE(Value(), Value::null());
  EXPECT_NE(Value::bigint(1), Value(1));
  Value::Object a, b;
  a.set("x", Value::array({1, Value::null()}));
  b.set("x", Value::array({1, Value::null()}));
  EXPECT_EQ(Value(a), Value(b));
  b.set("y", 1);
  EXPECT_NE(Value(a), Value(b));
}

TEST(ValueTest, CopiesShareStorage) {
  Value big = Value::array(Value::Array(1000, Value("text")));
  Value copy = big;
  EXPECT_EQ(&big.asArray(), &copy.asArray());
}

}  // namespace
}  // namespace roundtable::lib0
