// Rich text operations for Text and XmlText (yjs types/YText.js).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "roundtable/lib0/value.h"
#include "crdt/structs/content.h"
#include "crdt/types/type.h"

namespace roundtable::crdt {

// A JavaScript Map<string, any> of formatting attributes: keys keep the
// order they were first set in.
class AttrMap {
 public:
  const Value* get(const std::string& key) const;
  void set(const std::string& key, const Value& v);
  void erase(const std::string& key);
  size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }

 private:
  std::vector<std::pair<std::string, Value>> entries_;
};

// JavaScript `===` on values: primitives by value, objects/arrays/binaries by identity.
bool strictEquals(const Value& a, const Value& b);
// yjs equalAttrs: `===`, or two objects with the same keys whose values are `===`.
bool equalAttrs(const Value& a, const Value& b);

// What a text position holds for insertion.
struct TextInsert {
  enum class Kind { kString, kEmbed, kType } kind = Kind::kString;
  std::u16string str;
  Value embed;
  TypeBase* type = nullptr;  // fresh, unintegrated; ownership passes on insert
};

struct DeltaOp {
  enum class Kind { kInsert, kRetain, kDelete } kind = Kind::kInsert;
  TextInsert insert;  // kInsert
  uint64_t length = 0;  // kRetain, kDelete
  Value attributes;  // an object, or undefined when the op has none
};

void textInsert(Transaction& txn, TypeBase* text, uint64_t index, TextInsert&& content, const Value* attributes);
void textDelete(Transaction& txn, TypeBase* text, uint64_t index, uint64_t length);
void textFormat(Transaction& txn, TypeBase* text, uint64_t index, uint64_t length, const Value& attributes);
void textApplyDelta(Transaction& txn, TypeBase* text, std::vector<DeltaOp>&& delta, bool sanitize = true);
std::vector<DeltaOp> textToDelta(const TypeBase* text);
std::u16string textToString16(const TypeBase* text);
std::string xmlTextToString(const TypeBase* text);

// Formatting cleanup after a remote transaction (yjs cleanupYTextAfterTransaction).
void cleanupYTextAfterTransaction(Transaction& txn);
// Removes redundant formatting items; returns how many (yjs cleanupYTextFormatting).
int cleanupYTextFormatting(TypeBase* text);

// Converts delta ops to JSON as yjs gives them ({insert, attributes} / {retain} / {delete}).
Value deltaToJSON(const std::vector<DeltaOp>& delta);
Value textInsertToJSON(const TextInsert& ins);

}  // namespace roundtable::crdt
