// The three kinds of struct a client's clock range is made of (yjs structs/):
//   Item  - content with its position (origin, rightOrigin) and parent;
//   GC    - a garbage-collected range: only its length remains;
//   Skip  - a hole in an update (only in updates, never in a document).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "crdt/id.h"

namespace roundtable::crdt {

class Content;
class TypeBase;
class Transaction;
class StructStore;
class UpdateEncoder;

enum class StructKind : uint8_t { kGC = 0, kItem = 1, kSkip = 2 };

// Wire ref numbers of the non-item structs (yjs structs/GC.js, structs/Skip.js).
inline constexpr uint8_t kStructGCRef = 0;
inline constexpr uint8_t kStructSkipRef = 10;

class Struct {
 public:
  Struct(StructKind kind, ID id, Clock length) : id(id), length(length), kind(kind) {}
  virtual ~Struct() = default;

  bool isItem() const { return kind == StructKind::kItem; }
  bool isGC() const { return kind == StructKind::kGC; }
  bool isSkip() const { return kind == StructKind::kSkip; }
  inline bool deleted() const;
  ID lastId() const { return ID{id.client, id.clock + length - 1}; }

  ID id;
  Clock length;
  StructKind kind;
  // Set once a document's store (or its retired list) owns this struct;
  // decoders free the structs that never got there.
  bool owned = false;
};

// An Item: one run of content inserted by one client in one place.
class Item final : public Struct {
 public:
  // info bits (yjs Item.info: keep, countable, deleted, marker) plus our own
  // bits for optional fields.
  enum : uint8_t {
    kKeep = 1,
    kCountable = 2,
    kDeleted = 4,
    kMarker = 8,
    kHasOrigin = 16,
    kHasRightOrigin = 32,
    kParentIsId = 64,    // before integration: the parent is the item `parentId` names
    kParentIsName = 128  // before integration: the parent is the root type `parentName`
  };

  Item(ID id, Item* left, const ID* origin, Item* right, const ID* rightOrigin, TypeBase* parent,
       const std::string* parentSub, std::unique_ptr<Content> content);
  ~Item() override;

  bool keep() const { return info & kKeep; }
  void setKeep(bool v) { v ? info |= kKeep : info &= ~kKeep; }
  bool countable() const { return info & kCountable; }
  bool isDeleted() const { return info & kDeleted; }
  void markDeleted() { info |= kDeleted; }
  bool marker() const { return info & kMarker; }
  void setMarker(bool v) { v ? info |= kMarker : info &= ~kMarker; }
  bool hasOrigin() const { return info & kHasOrigin; }
  bool hasRightOrigin() const { return info & kHasRightOrigin; }
  const ID* originPtr() const { return hasOrigin() ? &origin : nullptr; }
  const ID* rightOriginPtr() const { return hasRightOrigin() ? &rightOrigin : nullptr; }
  void setOrigin(const ID* o) {
    if (o) { origin = *o; info |= kHasOrigin; } else { info &= ~kHasOrigin; }
  }
  void setRightOrigin(const ID* o) {
    if (o) { rightOrigin = *o; info |= kHasRightOrigin; } else { info &= ~kHasRightOrigin; }
  }

  // Next / previous item that is not deleted.
  Item* next() const;
  Item* prev() const;

  // Returns the client whose missing struct blocks integration, or resolves
  // left/right/parent from the store and returns nullopt (yjs Item.getMissing).
  bool getMissing(Transaction& txn, StructStore& store, ClientId* missing);
  // Places the item into its parent and the store (yjs Item.integrate).
  // May replace `this` by a GC struct, in which case `this` is handed to the
  // transaction for deferred deletion and nullptr is returned.
  void integrate(Transaction& txn, Clock offset);
  bool mergeWith(Item* right);
  void deleteItem(Transaction& txn);
  // Replaces content by ContentDeleted, or the whole item by a GC struct when
  // the parent is collected too.
  void gc(StructStore& store, bool parentGCd, Transaction* txn);
  // Writes the item from `offset` into its clock range (yjs Item.write);
  // for UpdateEncoderV1 and V2 (writeStruct takes either).
  template <typename Encoder>
  void writeTo(Encoder& enc, Clock offset) const;

  // The fields an encoder reads come first, so that they share the item's
  // first cache lines (`info` fills the padding at the end of Struct).
  uint8_t info = 0;
  std::unique_ptr<Content> content;
  const std::string* parentSub = nullptr;  // interned map key, or null for list items
  union {
    TypeBase* parent = nullptr;       // after integration (null: to be GC'd)
    const std::string* parentName;    // with kParentIsName
  };
  ID origin;       // valid if kHasOrigin
  ID rightOrigin;  // valid if kHasRightOrigin
  Item* left = nullptr;
  Item* right = nullptr;
  ID parentId;  // with kParentIsId
};

class GCStruct final : public Struct {
 public:
  GCStruct(ID id, Clock length) : Struct(StructKind::kGC, id, length) {}
};

class SkipStruct final : public Struct {
 public:
  SkipStruct(ID id, Clock length) : Struct(StructKind::kSkip, id, length) {}
};

inline bool Struct::deleted() const {
  return kind != StructKind::kItem || static_cast<const Item*>(this)->isDeleted();
}

inline Item* asItem(Struct* s) { return s && s->isItem() ? static_cast<Item*>(s) : nullptr; }

// Splits `left` at `diff` units; returns the new right half (yjs splitItem).
Item* splitItem(Transaction& txn, Item* left, Clock diff);

}  // namespace roundtable::crdt
