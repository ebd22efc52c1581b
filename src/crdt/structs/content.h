// Item contents, one class per wire content ref (yjs structs/Content*.js).
//
// Wire refs (yjs structs/Item.js contentRefs):
//   1 Deleted, 2 JSON, 3 Binary, 4 String, 5 Embed, 6 Format, 7 Type, 8 Any, 9 Doc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "crdt/id.h"
#include "roundtable/lib0/value.h"

namespace roundtable::crdt {

class Item;
class TypeBase;
class Transaction;
class StructStore;
class UpdateEncoder;
class UpdateDecoder;
class StringPool;

using lib0::Value;

enum class ContentRef : uint8_t {
  kDeleted = 1,
  kJSON = 2,
  kBinary = 3,
  kString = 4,
  kEmbed = 5,
  kFormat = 6,
  kType = 7,
  kAny = 8,
  kDoc = 9,
};

// One element a list or map holds: a JSON-like value, a nested shared type,
// or a sub-document reference.
struct Out {
  enum class Kind : uint8_t { kValue, kType, kDoc } kind = Kind::kValue;
  Value value;                // kValue; kDoc: {guid, opts}
  TypeBase* type = nullptr;   // kType
};

class Content {
 public:
  explicit Content(ContentRef ref) : ref_(ref) {}
  virtual ~Content() = default;
  ContentRef ref() const { return ref_; }

  virtual Clock length() const = 0;
  virtual bool countable() const = 0;
  virtual std::unique_ptr<Content> copy() const = 0;
  // Keeps [0, offset) and returns [offset, length). Only for splittable contents.
  virtual std::unique_ptr<Content> splice(Clock offset) = 0;
  // Appends `right` (same ref) if this kind merges; returns whether it did.
  virtual bool mergeWith(Content& right) { return false; }
  virtual void integrate(Transaction& txn, Item* item) {}
  virtual void onDelete(Transaction& txn) {}
  virtual void gc(StructStore& store, Transaction* txn) {}
  virtual void write(UpdateEncoder& enc, Clock offset) const = 0;
  // Appends the elements this content holds, as yjs getContent() returns them.
  virtual void getContent(std::vector<Out>& out) const {}

 private:
  ContentRef ref_;
};

class ContentDeleted final : public Content {
 public:
  explicit ContentDeleted(Clock len) : Content(ContentRef::kDeleted), len(len) {}
  Clock length() const override { return len; }
  bool countable() const override { return false; }
  std::unique_ptr<Content> copy() const override { return std::make_unique<ContentDeleted>(len); }
  std::unique_ptr<Content> splice(Clock offset) override;
  bool mergeWith(Content& right) override;
  void integrate(Transaction& txn, Item* item) override;
  void write(UpdateEncoder& enc, Clock offset) const override;
  Clock len;
};

// Legacy JSON array content: only read by yjs 13.6, re-encoded as JSON strings.
class ContentJSON final : public Content {
 public:
  explicit ContentJSON(std::vector<Value> arr) : Content(ContentRef::kJSON), arr(std::move(arr)) {}
  Clock length() const override { return arr.size(); }
  bool countable() const override { return true; }
  std::unique_ptr<Content> copy() const override { return std::make_unique<ContentJSON>(arr); }
  std::unique_ptr<Content> splice(Clock offset) override;
  bool mergeWith(Content& right) override;
  void write(UpdateEncoder& enc, Clock offset) const override;
  void getContent(std::vector<Out>& out) const override;
  std::vector<Value> arr;
};

class ContentBinary final : public Content {
 public:
  explicit ContentBinary(std::vector<uint8_t> data) : Content(ContentRef::kBinary), data(std::move(data)) {}
  Clock length() const override { return 1; }
  bool countable() const override { return true; }
  std::unique_ptr<Content> copy() const override { return std::make_unique<ContentBinary>(data); }
  std::unique_ptr<Content> splice(Clock) override { return nullptr; }
  void write(UpdateEncoder& enc, Clock offset) const override;
  void getContent(std::vector<Out>& out) const override;
  std::vector<uint8_t> data;
};

// Text, measured in UTF-16 code units so that lengths and offsets are
// yjs's. Held one byte per unit while all of it is ASCII (most plan text;
// V8 keeps such strings one byte per character too), else as UTF-16.
class ContentString final : public Content {
 public:
  explicit ContentString(std::u16string str);
  // From the WTF-8 of an update (lone surrogates allowed, as lib0 writes them).
  static std::unique_ptr<ContentString> fromWtf8(std::string wtf8);
  Clock length() const override;
  bool countable() const override { return true; }
  std::unique_ptr<Content> copy() const override { return std::make_unique<ContentString>(*this); }
  std::unique_ptr<Content> splice(Clock offset) override;
  bool mergeWith(Content& right) override;
  void write(UpdateEncoder& enc, Clock offset) const override;
  // write() for an encoder of known class (Item::writeTo): ASCII text, the
  // common case, then costs no virtual call.
  template <typename Encoder>
  void writeTo(Encoder& enc, Clock offset) const {
    if (const auto* ascii = std::get_if<std::string>(&text_)) {
      enc.writeAsciiString(std::string_view(*ascii).substr(offset));
    } else {
      writeWide(enc, offset);
    }
  }
  void getContent(std::vector<Out>& out) const override;
  // Appends the text's UTF-16 code units to `out`.
  void appendTo(std::u16string& out) const;

 private:
  explicit ContentString(std::string ascii) : Content(ContentRef::kString), text_(std::move(ascii)) {}
  std::u16string& widen();
  void writeWide(UpdateEncoder& enc, Clock offset) const;
  std::variant<std::string, std::u16string> text_;  // std::string: ASCII only
};

class ContentEmbed final : public Content {
 public:
  explicit ContentEmbed(Value embed) : Content(ContentRef::kEmbed), embed(std::move(embed)) {}
  Clock length() const override { return 1; }
  bool countable() const override { return true; }
  std::unique_ptr<Content> copy() const override { return std::make_unique<ContentEmbed>(embed); }
  std::unique_ptr<Content> splice(Clock) override { return nullptr; }
  void write(UpdateEncoder& enc, Clock offset) const override;
  void getContent(std::vector<Out>& out) const override;
  Value embed;
};

// A formatting boundary in text: from here on, attribute `key` is `value` (null ends it).
class ContentFormat final : public Content {
 public:
  ContentFormat(std::string key, Value value)
      : Content(ContentRef::kFormat), key(std::move(key)), value(std::move(value)) {}
  Clock length() const override { return 1; }
  bool countable() const override { return false; }
  std::unique_ptr<Content> copy() const override { return std::make_unique<ContentFormat>(key, value); }
  std::unique_ptr<Content> splice(Clock) override { return nullptr; }
  void integrate(Transaction& txn, Item* item) override;
  void write(UpdateEncoder& enc, Clock offset) const override;
  std::string key;
  Value value;
};

// A nested shared type; the content owns it.
class ContentType final : public Content {
 public:
  explicit ContentType(std::unique_ptr<TypeBase> type);
  ~ContentType() override;
  Clock length() const override { return 1; }
  bool countable() const override { return true; }
  std::unique_ptr<Content> copy() const override;
  std::unique_ptr<Content> splice(Clock) override { return nullptr; }
  void integrate(Transaction& txn, Item* item) override;
  void onDelete(Transaction& txn) override;
  void gc(StructStore& store, Transaction* txn) override;
  void write(UpdateEncoder& enc, Clock offset) const override;
  void getContent(std::vector<Out>& out) const override;
  std::unique_ptr<TypeBase> type;
};

class ContentAny final : public Content {
 public:
  explicit ContentAny(std::vector<Value> arr) : Content(ContentRef::kAny), arr(std::move(arr)) {}
  Clock length() const override { return arr.size(); }
  bool countable() const override { return true; }
  std::unique_ptr<Content> copy() const override { return std::make_unique<ContentAny>(arr); }
  std::unique_ptr<Content> splice(Clock offset) override;
  bool mergeWith(Content& right) override;
  void write(UpdateEncoder& enc, Clock offset) const override;
  void getContent(std::vector<Out>& out) const override;
  std::vector<Value> arr;
};

// A sub-document reference: its guid and the options yjs writes (gc, autoLoad, meta).
class ContentDoc final : public Content {
 public:
  ContentDoc(std::string guid, Value opts);
  Clock length() const override { return 1; }
  bool countable() const override { return true; }
  std::unique_ptr<Content> copy() const override { return std::make_unique<ContentDoc>(guid, opts); }
  std::unique_ptr<Content> splice(Clock) override { return nullptr; }
  void write(UpdateEncoder& enc, Clock offset) const override;
  void getContent(std::vector<Out>& out) const override;
  std::string guid;
  Value opts;
};

// Reads the content of an item whose info byte is `info`; throws lib0::DecodeError.
std::unique_ptr<Content> readItemContent(UpdateDecoder& dec, uint8_t info);

}  // namespace roundtable::crdt
