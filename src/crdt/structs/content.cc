// Contents: splitting, merging, integration hooks and wire form (yjs structs/Content*.js).
#include "crdt/structs/content.h"

#include <algorithm>

#include "crdt/doc_impl.h"
#include "lib0/decoder.h"
#include "lib0/json.h"
#include "lib0/utf.h"
#include "crdt/structs/struct.h"
#include "crdt/transaction.h"
#include "crdt/types/type.h"
#include "crdt/update/update_coder.h"

namespace roundtable::crdt {

// --- Deleted ---
std::unique_ptr<Content> ContentDeleted::splice(Clock offset) {
  auto right = std::make_unique<ContentDeleted>(len - offset);
  len = offset;
  return right;
}
bool ContentDeleted::mergeWith(Content& right) {
  len += static_cast<ContentDeleted&>(right).len;
  return true;
}
void ContentDeleted::integrate(Transaction& txn, Item* item) {
  txn.deleteSet.add(item->id.client, item->id.clock, len);
  item->markDeleted();
}
void ContentDeleted::write(UpdateEncoder& enc, Clock offset) const { enc.writeLen(len - offset); }

// --- JSON ---
std::unique_ptr<Content> ContentJSON::splice(Clock offset) {
  auto right = std::make_unique<ContentJSON>(std::vector<Value>(arr.begin() + offset, arr.end()));
  arr.resize(offset);
  return right;
}
bool ContentJSON::mergeWith(Content& right) {
  auto& r = static_cast<ContentJSON&>(right).arr;
  arr.insert(arr.end(), r.begin(), r.end());
  return true;
}
void ContentJSON::write(UpdateEncoder& enc, Clock offset) const {
  enc.writeLen(arr.size() - offset);
  for (size_t i = offset; i < arr.size(); i++) {
    // yjs writes undefined as the text "undefined" (not JSON).
    enc.writeString(arr[i].isUndefined() ? std::string("undefined") : lib0::toJSON(arr[i]));
  }
}
void ContentJSON::getContent(std::vector<Out>& out) const {
  for (const Value& v : arr) out.push_back(Out{Out::Kind::kValue, v, nullptr});
}

// --- Binary ---
void ContentBinary::write(UpdateEncoder& enc, Clock) const { enc.writeBuf(data); }
void ContentBinary::getContent(std::vector<Out>& out) const {
  out.push_back(Out{Out::Kind::kValue, Value::binary(data), nullptr});
}

// --- String ---
namespace {
bool isAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}
}  // namespace

ContentString::ContentString(std::u16string str) : Content(ContentRef::kString) {
  if (std::all_of(str.begin(), str.end(), [](char16_t c) { return c < 0x80; })) {
    text_ = std::string(str.begin(), str.end());
  } else {
    text_ = std::move(str);
  }
}
std::unique_ptr<ContentString> ContentString::fromWtf8(std::string wtf8) {
  if (isAscii(wtf8)) return std::unique_ptr<ContentString>(new ContentString(std::move(wtf8)));
  return std::make_unique<ContentString>(lib0::utf8ToUtf16(wtf8));
}
Clock ContentString::length() const {
  if (auto* ascii = std::get_if<std::string>(&text_)) return ascii->size();
  return std::get<std::u16string>(text_).size();
}
void ContentString::appendTo(std::u16string& out) const {
  if (auto* ascii = std::get_if<std::string>(&text_)) {
    out.append(ascii->begin(), ascii->end());
  } else {
    out += std::get<std::u16string>(text_);
  }
}
std::u16string& ContentString::widen() {
  if (auto* ascii = std::get_if<std::string>(&text_)) text_ = std::u16string(ascii->begin(), ascii->end());
  return std::get<std::u16string>(text_);
}
std::unique_ptr<Content> ContentString::splice(Clock offset) {
  if (auto* ascii = std::get_if<std::string>(&text_)) {
    auto right = std::unique_ptr<ContentString>(new ContentString(ascii->substr(offset)));
    ascii->resize(offset);
    return right;
  }
  std::u16string& str = std::get<std::u16string>(text_);
  auto right = std::make_unique<ContentString>(str.substr(offset));
  str.resize(offset);
  // Never keep half a surrogate pair: both halves become U+FFFD (yjs #248).
  if (offset > 0) {
    char16_t c = str[offset - 1];
    if (c >= 0xD800 && c <= 0xDBFF) {
      str[offset - 1] = 0xFFFD;
      // The right half starts with the pair's other half (never ASCII).
      auto* rest = std::get_if<std::u16string>(&right->text_);
      if (rest && !rest->empty()) (*rest)[0] = 0xFFFD;
    }
  }
  return right;
}
bool ContentString::mergeWith(Content& right) {
  auto& other = static_cast<ContentString&>(right);
  auto* ascii = std::get_if<std::string>(&text_);
  auto* otherAscii = std::get_if<std::string>(&other.text_);
  if (ascii && otherAscii) {
    *ascii += *otherAscii;
  } else {
    other.appendTo(widen());
  }
  return true;
}
void ContentString::write(UpdateEncoder& enc, Clock offset) const { writeTo(enc, offset); }
void ContentString::writeWide(UpdateEncoder& enc, Clock offset) const {
  // Slicing at `offset` may leave a lone surrogate; UTF-8 encoding writes it as U+FFFD.
  enc.writeString(lib0::utf16ToUtf8(std::u16string_view(std::get<std::u16string>(text_)).substr(offset)));
}
void ContentString::getContent(std::vector<Out>& out) const {
  // yjs: str.split('') - one string per UTF-16 code unit.
  if (auto* ascii = std::get_if<std::string>(&text_)) {
    for (char c : *ascii) out.push_back(Out{Out::Kind::kValue, Value(std::string(1, c)), nullptr});
    return;
  }
  for (char16_t c : std::get<std::u16string>(text_)) {
    out.push_back(Out{Out::Kind::kValue, Value(lib0::utf16ToUtf8(std::u16string_view(&c, 1))), nullptr});
  }
}

// --- Embed ---
void ContentEmbed::write(UpdateEncoder& enc, Clock) const { enc.writeJSON(embed); }
void ContentEmbed::getContent(std::vector<Out>& out) const { out.push_back(Out{Out::Kind::kValue, embed, nullptr}); }

// --- Format ---
void ContentFormat::integrate(Transaction& txn, Item* item) {
  // Search markers are not supported for rich text (yjs).
  item->parent->searchMarkers.reset();
  item->parent->hasFormatting = true;
}
void ContentFormat::write(UpdateEncoder& enc, Clock) const {
  enc.writeKey(key);
  enc.writeJSON(value);
}

// --- Type ---
ContentType::ContentType(std::unique_ptr<TypeBase> t) : Content(ContentRef::kType), type(std::move(t)) {}
ContentType::~ContentType() = default;
std::unique_ptr<Content> ContentType::copy() const { return std::make_unique<ContentType>(type->copyEmpty()); }
void ContentType::integrate(Transaction& txn, Item* item) { type->integrate(txn.doc, item); }
void ContentType::onDelete(Transaction& txn) {
  for (Item* item = type->start; item; item = item->right) {
    if (!item->isDeleted()) {
      item->deleteItem(txn);
    } else if (item->id.clock < txn.beforeStateOf(item->id.client)) {
      // Will be GC'd later and should be merged then, though it is not in the delete set.
      txn.mergeStructs.push_back(item);
    }
  }
  for (const auto& [key, item] : type->map.entries()) {
    if (!item) continue;
    if (!item->isDeleted()) {
      item->deleteItem(txn);
    } else if (item->id.clock < txn.beforeStateOf(item->id.client)) {
      txn.mergeStructs.push_back(item);
    }
  }
  txn.changed.erase(type.get());
}
void ContentType::gc(StructStore& store, Transaction* txn) {
  Item* item = type->start;
  while (item) {
    Item* next = item->right;
    item->gc(store, true, txn);
    item = next;
  }
  type->start = nullptr;
  for (const auto& [key, last] : type->map.entries()) {
    Item* it = last;
    while (it) {
      Item* l = it->left;
      it->gc(store, true, txn);
      it = l;
    }
  }
  type->map.clear();
}
void ContentType::write(UpdateEncoder& enc, Clock) const { type->writeRef(enc); }
void ContentType::getContent(std::vector<Out>& out) const { out.push_back(Out{Out::Kind::kType, Value(), type.get()}); }

// --- Any ---
std::unique_ptr<Content> ContentAny::splice(Clock offset) {
  auto right = std::make_unique<ContentAny>(std::vector<Value>(arr.begin() + offset, arr.end()));
  arr.resize(offset);
  return right;
}
bool ContentAny::mergeWith(Content& right) {
  auto& r = static_cast<ContentAny&>(right).arr;
  arr.insert(arr.end(), r.begin(), r.end());
  return true;
}
void ContentAny::write(UpdateEncoder& enc, Clock offset) const {
  enc.writeLen(arr.size() - offset);
  for (size_t i = offset; i < arr.size(); i++) enc.writeAny(arr[i]);
}
void ContentAny::getContent(std::vector<Out>& out) const {
  for (const Value& v : arr) out.push_back(Out{Out::Kind::kValue, v, nullptr});
}

// --- Doc ---
ContentDoc::ContentDoc(std::string g, Value o) : Content(ContentRef::kDoc), guid(std::move(g)) {
  // yjs rebuilds the options in the order gc, autoLoad, meta from the subdoc it creates.
  Value::Object rebuilt;
  if (o.isObject()) {
    const Value* gcOpt = o.asObject().get("gc");
    const Value* autoLoad = o.asObject().get("autoLoad");
    const Value* meta = o.asObject().get("meta");
    // new Doc({gc}) defaults gc to true when undefined; then `if (!doc.gc) opts.gc = false`.
    if (gcOpt && !gcOpt->isUndefined() && !gcOpt->truthy()) rebuilt.set("gc", Value(false));
    if (autoLoad && autoLoad->truthy()) rebuilt.set("autoLoad", Value(true));
    if (meta && !meta->isNull() && !meta->isUndefined()) rebuilt.set("meta", *meta);
  }
  opts = Value(std::move(rebuilt));
}
void ContentDoc::write(UpdateEncoder& enc, Clock) const {
  enc.writeString(guid);
  enc.writeAny(opts);
}
void ContentDoc::getContent(std::vector<Out>& out) const {
  Value::Object o;
  o.set("guid", Value(guid));
  o.set("opts", opts);
  out.push_back(Out{Out::Kind::kDoc, Value(std::move(o)), nullptr});
}

// --- reading ---
namespace {
bool hasBigInt(const Value& v) {
  if (v.kind() == Value::Kind::BigInt) return true;
  if (v.isArray()) {
    for (const Value& e : v.asArray())
      if (hasBigInt(e)) return true;
  }
  if (v.isObject()) {
    for (const auto& entry : v.asObject())
      if (hasBigInt(entry.second)) return true;
  }
  return false;
}

// A format value or embed: v2 reads it with readAny, which can give what
// JSON.stringify cannot write (undefined, a bigint). yjs keeps such a value
// and then throws whenever it writes the document in v1; it is refused here,
// so that every document can be written in both formats.
Value readJSONValue(UpdateDecoder& dec) {
  Value v = dec.readJSON();
  if (v.isUndefined() || hasBigInt(v)) throw lib0::DecodeError("a format value or embed that JSON cannot hold");
  return v;
}
}  // namespace

std::unique_ptr<Content> readItemContent(UpdateDecoder& dec, uint8_t info) {
  switch (info & 0x1F) {
    case 1:
      return std::make_unique<ContentDeleted>(dec.readLen());
    case 2: {
      // Each element is a string of at least one character (v1: in the rest;
      // v2: in the string column, where reading past its end gives "", which
      // is not JSON), so the loop ends with the bytes; reserve only a little.
      Clock len = dec.readLen();
      std::vector<Value> arr;
      arr.reserve(std::min<Clock>(len, 1024));
      for (Clock i = 0; i < len; i++) {
        std::string s = dec.readString();
        arr.push_back(s == "undefined" ? Value() : lib0::parseJSON(s));
      }
      return std::make_unique<ContentJSON>(std::move(arr));
    }
    case 3: {
      auto buf = dec.readBuf();
      return std::make_unique<ContentBinary>(std::vector<uint8_t>(buf.begin(), buf.end()));
    }
    case 4:
      return ContentString::fromWtf8(dec.readString());
    case 5:
      return std::make_unique<ContentEmbed>(readJSONValue(dec));
    case 6: {
      std::string key = dec.readKey();
      return std::make_unique<ContentFormat>(std::move(key), readJSONValue(dec));
    }
    case 7:
      return std::make_unique<ContentType>(readTypeRef(dec));
    case 8: {
      Clock len = dec.readLen();
      if (len > dec.rest.remaining()) throw lib0::DecodeError("any content claims more elements than bytes");
      std::vector<Value> arr;
      arr.reserve(len);
      for (Clock i = 0; i < len; i++) arr.push_back(dec.readAny());
      return std::make_unique<ContentAny>(std::move(arr));
    }
    case 9: {
      std::string guid = dec.readString();
      return std::make_unique<ContentDoc>(std::move(guid), dec.readAny());
    }
    default:
      throw lib0::DecodeError("unknown content ref " + std::to_string(info & 0x1F));
  }
}

}  // namespace roundtable::crdt
