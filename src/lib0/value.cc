#include "roundtable/lib0/value.h"

#include "lib0/json.h"
#include "lib0/utf.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <unordered_map>

namespace roundtable::lib0 {
namespace {

[[noreturn]] void kindMismatch(const char* wanted) {
  throw std::logic_error(std::string("Value is not ") + wanted);
}

// Orders canonical array-index keys numerically: shorter is smaller, then
// lexicographic (no leading zeros, so this is numeric order).
bool indexKeyLess(std::string_view a, std::string_view b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

}  // namespace

// ---- Value ----

Value::Value(std::string s)
    : v_(std::in_place_index<5>, std::make_shared<const std::string>(std::move(s))) {}

Value Value::bigint(int64_t i) {
  Value v;
  v.v_.emplace<4>(i);
  return v;
}

Value Value::binary(Binary bytes) {
  Value v;
  v.v_.emplace<6>(std::make_shared<const Binary>(std::move(bytes)));
  return v;
}

Value Value::array(Array items) {
  Value v;
  v.v_.emplace<7>(std::make_shared<const Array>(std::move(items)));
  return v;
}

Value Value::object() { return Value(Object()); }

bool Value::asBool() const {
  if (!isBool()) kindMismatch("a boolean");
  return std::get<2>(v_);
}
double Value::asNumber() const {
  if (!isNumber()) kindMismatch("a number");
  return std::get<3>(v_);
}
int64_t Value::asBigInt() const {
  if (!isBigInt()) kindMismatch("a bigint");
  return std::get<4>(v_);
}
const std::string& Value::asString() const {
  if (!isString()) kindMismatch("a string");
  return *std::get<5>(v_);
}
const Value::Binary& Value::asBinary() const {
  if (!isBinary()) kindMismatch("a Uint8Array");
  return *std::get<6>(v_);
}
const Value::Array& Value::asArray() const {
  if (!isArray()) kindMismatch("an array");
  return *std::get<7>(v_);
}
const Value::Object& Value::asObject() const {
  if (!isObject()) kindMismatch("an object");
  return *std::get<8>(v_);
}

bool operator==(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::Null:
      return true;
    case Value::Kind::Boolean:
      return a.asBool() == b.asBool();
    case Value::Kind::Number: {
      const double x = a.asNumber(), y = b.asNumber();
      return x == y || (std::isnan(x) && std::isnan(y));
    }
    case Value::Kind::BigInt:
      return a.asBigInt() == b.asBigInt();
    case Value::Kind::String:
      return a.asString() == b.asString();
    case Value::Kind::Binary:
      return a.asBinary() == b.asBinary();
    case Value::Kind::Array:
      return a.asArray() == b.asArray();
    case Value::Kind::Object:
      return a.asObject() == b.asObject();
  }
  return false;
}

// ---- Value::Object ----

bool Value::Object::isArrayIndexKey(std::string_view key) {
  if (key.empty() || key.size() > 10) return false;
  if (key.size() > 1 && key[0] == '0') return false;
  uint64_t n = 0;
  for (char c : key) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  return n <= 4294967294ULL;
}

Value::Object& Value::Object::set(std::string key, Value value) {
  if (isArrayIndexKey(key)) {
    const auto first = entries_.begin();
    const auto last = first + static_cast<ptrdiff_t>(indexKeys_);
    auto it = std::lower_bound(first, last, key, [](const Entry& e, const std::string& k) {
      return indexKeyLess(e.first, k);
    });
    if (it != last && it->first == key) {
      it->second = std::move(value);
    } else {
      entries_.emplace(it, std::move(key), std::move(value));
      ++indexKeys_;
    }
    return *this;
  }
  for (size_t i = indexKeys_; i < entries_.size(); ++i) {
    if (entries_[i].first == key) {
      entries_[i].second = std::move(value);
      return *this;
    }
  }
  entries_.emplace_back(std::move(key), std::move(value));
  return *this;
}

bool Value::Object::erase(std::string_view key) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == key) {
      entries_.erase(entries_.begin() + static_cast<ptrdiff_t>(i));
      if (i < indexKeys_) --indexKeys_;
      return true;
    }
  }
  return false;
}

const Value* Value::Object::get(std::string_view key) const {
  if (isArrayIndexKey(key)) {
    const auto first = entries_.begin();
    const auto last = first + static_cast<ptrdiff_t>(indexKeys_);
    auto it = std::lower_bound(first, last, key, [](const Entry& e, std::string_view k) {
      return indexKeyLess(e.first, k);
    });
    return it != last && it->first == key ? &it->second : nullptr;
  }
  for (size_t i = indexKeys_; i < entries_.size(); ++i) {
    if (entries_[i].first == key) return &entries_[i].second;
  }
  return nullptr;
}

Value::Object Value::Object::fromEntries(std::vector<Entry> entries) {
  // Deduplicate: the first occurrence keeps its position, the last value wins.
  std::unordered_map<std::string_view, size_t> firstIndex;
  firstIndex.reserve(entries.size());
  std::vector<bool> dropped(entries.size(), false);
  bool anyDropped = false;
  for (size_t i = 0; i < entries.size(); ++i) {
    auto [it, inserted] = firstIndex.try_emplace(entries[i].first, i);
    if (!inserted) {
      entries[it->second].second = std::move(entries[i].second);
      dropped[i] = true;
      anyDropped = true;
    }
  }
  firstIndex.clear();  // holds views into keys that are about to move
  Object obj;
  obj.entries_.reserve(entries.size());
  std::vector<Entry> named;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (anyDropped && dropped[i]) continue;
    if (isArrayIndexKey(entries[i].first)) {
      obj.entries_.push_back(std::move(entries[i]));
    } else {
      named.push_back(std::move(entries[i]));
    }
  }
  std::sort(obj.entries_.begin(), obj.entries_.end(),
            [](const Entry& a, const Entry& b) { return indexKeyLess(a.first, b.first); });
  obj.indexKeys_ = obj.entries_.size();
  for (Entry& e : named) obj.entries_.push_back(std::move(e));
  return obj;
}

const void* Value::identity() const {
  switch (kind()) {
    case Kind::String: return std::get<5>(v_).get();
    case Kind::Binary: return std::get<6>(v_).get();
    case Kind::Array: return std::get<7>(v_).get();
    case Kind::Object: return std::get<8>(v_).get();
    default: return nullptr;
  }
}

bool Value::truthy() const {
  switch (kind()) {
    case Kind::Undefined:
    case Kind::Null: return false;
    case Kind::Boolean: return asBool();
    case Kind::Number: return asNumber() != 0 && !std::isnan(asNumber());
    case Kind::BigInt: return asBigInt() != 0;
    case Kind::String: return !asString().empty();
    default: return true;
  }
}

std::vector<std::pair<std::string, Value>> Value::enumerableEntries() const {
  std::vector<std::pair<std::string, Value>> out;
  switch (kind()) {
    case Kind::Object:
      out.assign(asObject().entries().begin(), asObject().entries().end());
      break;
    case Kind::Array:
      for (size_t i = 0; i < asArray().size(); i++) out.emplace_back(std::to_string(i), asArray()[i]);
      break;
    case Kind::Binary:
      for (size_t i = 0; i < asBinary().size(); i++) out.emplace_back(std::to_string(i), Value(asBinary()[i]));
      break;
    case Kind::String: {
      std::u16string units = utf8ToUtf16(asString());
      for (size_t i = 0; i < units.size(); i++) {
        std::string unit;
        appendUtf16CodeUnit(unit, units[i]);
        out.emplace_back(std::to_string(i), Value(std::move(unit)));
      }
      break;
    }
    default:
      break;
  }
  return out;
}

std::string Value::toJSString() const {
  switch (kind()) {
    case Kind::Undefined: return "undefined";
    case Kind::Null: return "null";
    case Kind::Boolean: return asBool() ? "true" : "false";
    case Kind::Number: return numberToString(asNumber());
    case Kind::BigInt: return std::to_string(asBigInt());
    case Kind::String: return asString();
    case Kind::Binary: {
      std::string out;
      for (size_t i = 0; i < asBinary().size(); i++) {
        if (i) out += ',';
        out += std::to_string(asBinary()[i]);
      }
      return out;
    }
    case Kind::Array: {
      // Array.prototype.join: null and undefined become empty strings.
      std::string out;
      for (size_t i = 0; i < asArray().size(); i++) {
        if (i) out += ',';
        const Value& e = asArray()[i];
        if (!e.isNull() && !e.isUndefined()) out += e.toJSString();
      }
      return out;
    }
    case Kind::Object: return "[object Object]";
  }
  return "";
}

}  // namespace roundtable::lib0
