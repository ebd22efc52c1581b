// TypeBase: the shared state of every Yjs type (yjs types/AbstractType.js):
// a linked list of items (`start`) for list-like content and a map of
// key -> latest item for map-like content. The kind decides which API applies.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crdt/id.h"
#include "crdt/structs/content.h"
#include "roundtable/crdt/type_kind.h"

namespace roundtable::crdt {

class DocImpl;
class Item;
class Transaction;
class Event;

const char* typeKindName(TypeKind kind);

struct SearchMarker {
  Item* p;
  uint64_t index;
  uint64_t timestamp;
};

// Map from interned key to the item holding its current (rightmost) value,
// iterated in the order keys were first set, like a JavaScript Map.
class KeyMap {
 public:
  Item* get(const std::string* key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : entries_[it->second].second;
  }
  void set(const std::string* key, Item* item) {
    auto [it, inserted] = index_.emplace(key, entries_.size());
    if (inserted) entries_.emplace_back(key, item);
    else entries_[it->second].second = item;
  }
  void clear() { entries_.clear(); index_.clear(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<std::pair<const std::string*, Item*>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<const std::string*, Item*>> entries_;
  std::unordered_map<const std::string*, size_t> index_;
};

using ObserverId = uint64_t;

class TypeBase {
 public:
  TypeBase(TypeKind kind, std::string name = {});
  ~TypeBase();

  TypeKind kind;
  DocImpl* doc = nullptr;
  Item* item = nullptr;  // the item holding this type; null for root types
  Item* start = nullptr;
  KeyMap map;
  uint64_t length = 0;
  // null when search markers are off (maps, xml fragments, text with formatting).
  std::unique_ptr<std::vector<SearchMarker>> searchMarkers;
  bool hasFormatting = false;
  std::string name;  // node name of an XmlElement, hook name of an XmlHook

  using Observer = std::function<void(const Event&, Transaction&)>;
  using DeepObserver = std::function<void(const std::vector<const Event*>&, Transaction&)>;
  std::vector<std::pair<ObserverId, Observer>> observers;
  std::vector<std::pair<ObserverId, DeepObserver>> deepObservers;

  bool isListKind() const { return kind == TypeKind::kArray || kind == TypeKind::kText || kind == TypeKind::kXmlFragment ||
                                   kind == TypeKind::kXmlElement || kind == TypeKind::kXmlText; }
  bool isTextKind() const { return kind == TypeKind::kText || kind == TypeKind::kXmlText; }
  bool isXmlKind() const { return kind == TypeKind::kXmlElement || kind == TypeKind::kXmlFragment || kind == TypeKind::kXmlText || kind == TypeKind::kXmlHook; }
  TypeBase* parentType() const;
  // Gives a root of unknown kind its kind (yjs Doc.get with a constructor).
  void setKind(TypeKind k);
  void integrate(DocImpl* d, Item* it);
  std::unique_ptr<TypeBase> copyEmpty() const;
  void writeRef(UpdateEncoder& enc) const;

  // Fires this type's observers and queues deep events (yjs _callObserver).
  void callObserver(Transaction& txn, const std::vector<const std::string*>& subs);
};

// Creates the type a wire type ref names; throws lib0::DecodeError on an unknown ref.
std::unique_ptr<TypeBase> readTypeRef(UpdateDecoder& dec);

// --- search markers (yjs AbstractType.js) ---
SearchMarker* findMarker(TypeBase* t, uint64_t index);
void updateMarkerChanges(std::vector<SearchMarker>& markers, uint64_t index, int64_t len);

// --- list operations (yjs typeList*) ---
// Thrown (as std::out_of_range) for an index or length outside the list;
// the public API checks bounds first.
void typeListInsertGenericsAfter(Transaction& txn, TypeBase* parent, Item* ref, std::vector<Out>&& content);
void typeListInsertGenerics(Transaction& txn, TypeBase* parent, uint64_t index, std::vector<Out>&& content);
void typeListPushGenerics(Transaction& txn, TypeBase* parent, std::vector<Out>&& content);
void typeListDelete(Transaction& txn, TypeBase* parent, uint64_t index, uint64_t length);
std::vector<Out> typeListToArray(const TypeBase* t);
bool typeListGet(TypeBase* t, uint64_t index, Out* out);

// --- map operations (yjs typeMap*) ---
void typeMapDelete(Transaction& txn, TypeBase* parent, std::string_view key);
void typeMapSet(Transaction& txn, TypeBase* parent, std::string_view key, Out&& value);
bool typeMapGet(const TypeBase* parent, std::string_view key, Out* out);
bool typeMapHas(const TypeBase* parent, std::string_view key);
// Live entries in map order.
std::vector<std::pair<std::string, Out>> typeMapGetAll(const TypeBase* parent);

// The last element an item's content holds (map values).
Out lastContent(const Item* item);

// JSON as yjs toJSON gives it (text as its string, xml as its string form).
Value typeToJSON(const TypeBase* t);
Value outToJSON(const Out& o);
// yjs toString(): text content, or the XML string form.
std::string typeToString(const TypeBase* t);

}  // namespace roundtable::crdt
