#include "lib0/any.h"

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace roundtable::lib0 {
namespace {

enum Tag : uint8_t {
  kUndefined = 127,
  kNull = 126,
  kVarInt = 125,
  kFloat32 = 124,
  kFloat64 = 123,
  kBigInt64 = 122,
  kFalse = 121,
  kTrue = 120,
  kString = 119,
  kObject = 118,
  kArray = 117,
  kUint8Array = 116,
};

constexpr double kMaxInt31 = 2147483647.0;

bool isFloat32(double d) {
  if (std::isnan(d)) return false;
  if (std::isinf(d)) return true;
  if (std::fabs(d) > static_cast<double>(std::numeric_limits<float>::max())) return false;
  return static_cast<double>(static_cast<float>(d)) == d;
}

void writeNumber(Encoder& enc, double d) {
  if (std::isfinite(d) && std::trunc(d) == d && std::fabs(d) <= kMaxInt31) {
    enc.writeUint8(kVarInt);
    enc.writeVarInt(d);
  } else if (isFloat32(d)) {
    enc.writeUint8(kFloat32);
    enc.writeFloat32(static_cast<float>(d));
  } else {
    enc.writeUint8(kFloat64);
    enc.writeFloat64(d);
  }
}

Value readAnyAt(Decoder& dec, int depth) {
  const uint8_t tag = dec.readUint8();
  switch (tag) {
    case kUndefined:
      return Value();
    case kNull:
      return Value::null();
    case kVarInt:
      return Value(dec.readVarInt());
    case kFloat32:
      return Value(static_cast<double>(dec.readFloat32()));
    case kFloat64:
      return Value(dec.readFloat64());
    case kBigInt64:
      return Value::bigint(dec.readBigInt64());
    case kFalse:
      return Value(false);
    case kTrue:
      return Value(true);
    case kString:
      return Value(dec.readVarString());
    case kObject: {
      if (depth >= kMaxNestingDepth) throw DecodeError("readAny: nesting too deep");
      const uint64_t count = dec.readVarUint();
      // Each entry takes at least 2 bytes (empty key length + a tag).
      if (count > dec.remaining() / 2) throw DecodeError("readAny: object count exceeds data");
      std::vector<Value::Object::Entry> entries;
      entries.reserve(static_cast<size_t>(count));
      for (uint64_t i = 0; i < count; ++i) {
        std::string key = dec.readVarString();
        Value v = readAnyAt(dec, depth + 1);
        if (key == "__proto__") continue;  // a prototype assignment in JS
        entries.emplace_back(std::move(key), std::move(v));
      }
      return Value(Value::Object::fromEntries(std::move(entries)));
    }
    case kArray: {
      if (depth >= kMaxNestingDepth) throw DecodeError("readAny: nesting too deep");
      const uint64_t count = dec.readVarUint();
      if (count > dec.remaining()) throw DecodeError("readAny: array count exceeds data");
      Value::Array items;
      items.reserve(static_cast<size_t>(count));
      for (uint64_t i = 0; i < count; ++i) items.push_back(readAnyAt(dec, depth + 1));
      return Value::array(std::move(items));
    }
    case kUint8Array:
      return Value::binary(dec.readVarUint8Array());
    default:
      throw DecodeError("readAny: unknown tag " + std::to_string(tag));
  }
}

}  // namespace

void writeAny(Encoder& enc, const Value& value) {
  switch (value.kind()) {
    case Value::Kind::Undefined:
      enc.writeUint8(kUndefined);
      return;
    case Value::Kind::Null:
      enc.writeUint8(kNull);
      return;
    case Value::Kind::Boolean:
      enc.writeUint8(value.asBool() ? kTrue : kFalse);
      return;
    case Value::Kind::Number:
      writeNumber(enc, value.asNumber());
      return;
    case Value::Kind::BigInt:
      enc.writeUint8(kBigInt64);
      enc.writeBigInt64(value.asBigInt());
      return;
    case Value::Kind::String:
      enc.writeUint8(kString);
      enc.writeVarString(value.asString());
      return;
    case Value::Kind::Binary:
      enc.writeUint8(kUint8Array);
      enc.writeVarUint8Array(value.asBinary());
      return;
    case Value::Kind::Array: {
      const Value::Array& items = value.asArray();
      enc.writeUint8(kArray);
      enc.writeVarUint(items.size());
      for (const Value& item : items) writeAny(enc, item);
      return;
    }
    case Value::Kind::Object: {
      const Value::Object& obj = value.asObject();
      enc.writeUint8(kObject);
      enc.writeVarUint(obj.size());
      for (const auto& [key, v] : obj) {
        enc.writeVarString(key);
        writeAny(enc, v);
      }
      return;
    }
  }
}

Value readAny(Decoder& decoder) { return readAnyAt(decoder, 0); }

}  // namespace roundtable::lib0
