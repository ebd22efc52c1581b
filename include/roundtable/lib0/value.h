// Value: a JavaScript value as lib0's writeAny/readAny and JSON carry it.
//
//   Value::Object obj;
//   obj.set("b", 1).set("2", "two").set("a", Value::null());
//   Value v(std::move(obj));                 // keys iterate as "2", "b", "a"
//   Value list = Value::array({1, "x", true, Value()});
//
// Kinds: Undefined, Null, Boolean, Number (double), BigInt (int64_t), String,
// Binary (a Uint8Array), Array, Object. Strings hold WTF-8: UTF-8 that may also
// contain lone surrogates as 3-byte sequences ED A0..BF xx (see utf.h).
//
// Values are immutable once built. Strings, binaries, arrays and objects live
// in shared immutable storage, so copying a Value is cheap (a reference count
// increment) and safe across threads for reading. sizeof(Value) is 24.
//
// Accessors (asBool(), asString(), ...) throw std::logic_error when the kind
// does not match.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace roundtable::lib0 {

// Nesting limit for readAny and parseJSON: deeper input is a DecodeError.
inline constexpr int kMaxNestingDepth = 1000;

class Value {
 public:
  enum class Kind : uint8_t { Undefined, Null, Boolean, Number, BigInt, String, Binary, Array, Object };
  class Object;
  using Array = std::vector<Value>;
  using Binary = std::vector<uint8_t>;

  // --- construction ---
  Value() = default;  // undefined
  Value(std::nullptr_t) : v_(NullTag{}) {}  // null
  Value(bool b) : v_(b) {}
  Value(double d) : v_(d) {}
  // Integers are JavaScript numbers (doubles); large 64-bit ones lose precision.
  Value(int i) : v_(static_cast<double>(i)) {}
  Value(unsigned i) : v_(static_cast<double>(i)) {}
  Value(long i) : v_(static_cast<double>(i)) {}
  Value(unsigned long i) : v_(static_cast<double>(i)) {}
  Value(long long i) : v_(static_cast<double>(i)) {}
  Value(unsigned long long i) : v_(static_cast<double>(i)) {}
  Value(std::string s);  // WTF-8
  Value(std::string_view s) : Value(std::string(s)) {}
  Value(const char* s) : Value(std::string(s)) {}
  Value(Object obj);
  Value(const char16_t*) = delete;

  static Value undefined() { return Value(); }
  static Value null() { return Value(nullptr); }
  static Value bigint(int64_t i);
  static Value binary(Binary bytes);
  static Value binary(std::span<const uint8_t> bytes) { return binary(Binary(bytes.begin(), bytes.end())); }
  static Value array(Array items);
  static Value array(std::initializer_list<Value> items) { return array(Array(items)); }
  static Value object();  // empty object {}

  // --- kind queries ---
  Kind kind() const { return static_cast<Kind>(v_.index()); }
  bool isUndefined() const { return kind() == Kind::Undefined; }
  bool isNull() const { return kind() == Kind::Null; }
  bool isBool() const { return kind() == Kind::Boolean; }
  bool isNumber() const { return kind() == Kind::Number; }
  bool isBigInt() const { return kind() == Kind::BigInt; }
  bool isString() const { return kind() == Kind::String; }
  bool isBinary() const { return kind() == Kind::Binary; }
  bool isArray() const { return kind() == Kind::Array; }
  bool isObject() const { return kind() == Kind::Object; }

  // --- accessors (throw std::logic_error on a kind mismatch) ---
  bool asBool() const;
  double asNumber() const;
  int64_t asBigInt() const;
  const std::string& asString() const;
  const Binary& asBinary() const;
  const Array& asArray() const;
  const Object& asObject() const;

  // --- JavaScript semantics used by the CRDT ---
  // Address of the shared storage of a string, binary, array or object (what
  // JavaScript's `===` compares for objects); null for other kinds.
  const void* identity() const;
  // JavaScript truthiness (Boolean(v)).
  bool truthy() const;
  // `for (const k in v)` pairs: object entries, array and binary indices,
  // a string's UTF-16 code units; nothing for other kinds.
  std::vector<std::pair<std::string, Value>> enumerableEntries() const;
  // String(v): "null", "1.5", "a,b" for arrays, "[object Object]" for objects.
  std::string toJSString() const;

  // Deep equality for tests: same kind and equal contents. Numbers compare as
  // doubles except that NaN equals NaN (so 0 == -0). Object entries must be
  // equal in the same order.
  friend bool operator==(const Value& a, const Value& b);

 private:
  struct UndefinedTag {};
  struct NullTag {};
  // Alternative order matches Kind.
  std::variant<UndefinedTag, NullTag, bool, double, int64_t, std::shared_ptr<const std::string>,
               std::shared_ptr<const Binary>, std::shared_ptr<const Array>,
               std::shared_ptr<const Object>>
      v_;
};

// A JavaScript plain object: string keys in JavaScript property order.
// Integer-like keys (canonical array indices "0".."4294967294", no leading
// zeros, no sign) come first in ascending numeric order, then all other keys in
// insertion order. set() on an existing key replaces the value in place.
// Lookups and set() are O(n) in the number of keys (O(log n) for integer
// keys' position); build large objects with fromEntries().
class Value::Object {
 public:
  using Entry = std::pair<std::string, Value>;
  using const_iterator = std::vector<Entry>::const_iterator;

  Object() = default;

  // Builds an object as successive JavaScript assignments `obj[k] = v` would
  // (duplicate keys: the last value wins, at the first occurrence's position).
  // O(n log n).
  static Object fromEntries(std::vector<Entry> entries);

  // obj[key] = value. Returns *this for chaining.
  Object& set(std::string key, Value value);
  // delete obj[key]. Returns whether the key was present.
  bool erase(std::string_view key);

  // The value under key, or nullptr.
  const Value* get(std::string_view key) const;
  bool contains(std::string_view key) const { return get(key) != nullptr; }

  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  // Entries in JavaScript order.
  const std::vector<Entry>& entries() const { return entries_; }
  const_iterator begin() const { return entries_.begin(); }
  const_iterator end() const { return entries_.end(); }

  friend bool operator==(const Object& a, const Object& b) { return a.entries_ == b.entries_; }

  // True for canonical array-index strings: "0" or [1-9][0-9]* with value at
  // most 2^32 - 2. These are the keys JavaScript orders first.
  static bool isArrayIndexKey(std::string_view key);

 private:
  std::vector<Entry> entries_;
  size_t indexKeys_ = 0;  // entries_[0, indexKeys_) are the array-index keys, ascending
};

inline Value::Value(Object obj) : v_(std::make_shared<const Object>(std::move(obj))) {}

}  // namespace roundtable::lib0
