// Rich text: formatting items, positions, insertion, deletion, formatting and
// the cleanup of redundant formatting (yjs types/YText.js, ported closely:
// the bytes written depend on every step).
#include "crdt/types/text.h"

#include <algorithm>
#include <stdexcept>

#include "crdt/doc_impl.h"
#include "lib0/utf.h"
#include "crdt/structs/struct.h"
#include "crdt/transaction.h"

namespace roundtable::crdt {

// --- AttrMap ---
const Value* AttrMap::get(const std::string& key) const {
  for (auto& [k, v] : entries_)
    if (k == key) return &v;
  return nullptr;
}
void AttrMap::set(const std::string& key, const Value& v) {
  for (auto& [k, val] : entries_)
    if (k == key) { val = v; return; }
  entries_.emplace_back(key, v);
}
void AttrMap::erase(const std::string& key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it)
    if (it->first == key) { entries_.erase(it); return; }
}

bool strictEquals(const Value& a, const Value& b) {
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::Undefined:
    case Value::Kind::Null:
      return true;
    case Value::Kind::Boolean:
      return a.asBool() == b.asBool();
    case Value::Kind::Number:
      return a.asNumber() == b.asNumber();  // NaN !== NaN, 0 === -0
    case Value::Kind::BigInt:
      return a.asBigInt() == b.asBigInt();
    case Value::Kind::String:
      return a.asString() == b.asString();
    default:
      return a.identity() == b.identity();
  }
}

bool equalAttrs(const Value& a, const Value& b) {
  if (strictEquals(a, b)) return true;
  // typeof 'object' and truthy: objects, arrays and binaries (not null).
  auto isObj = [](const Value& v) { return v.isObject() || v.isArray() || v.isBinary(); };
  if (!isObj(a) || !isObj(b)) return false;
  // lib0 object.equalFlat on own enumerable keys.
  std::vector<std::pair<std::string, Value>> ea = a.enumerableEntries();
  std::vector<std::pair<std::string, Value>> eb = b.enumerableEntries();
  if (ea.size() != eb.size()) return false;
  for (auto& [key, val] : ea) {
    const Value* other = nullptr;
    for (auto& [k2, v2] : eb)
      if (k2 == key) { other = &v2; break; }
    if (!val.isUndefined() && !other) return false;
    if (!strictEquals(other ? *other : Value(), val)) return false;
  }
  return true;
}

namespace {

const ContentFormat* formatOf(const Item* item) {
  return item->content->ref() == ContentRef::kFormat ? static_cast<const ContentFormat*>(item->content.get()) : nullptr;
}

const Value kNull = Value::null();

// `map.get(key) ?? null`
const Value& getOrNull(const AttrMap& m, const std::string& key) {
  const Value* v = m.get(key);
  return (v && !v->isUndefined() && !v->isNull()) ? *v : kNull;
}

void updateCurrentAttributes(AttrMap& attrs, const ContentFormat& f) {
  if (f.value.isNull()) attrs.erase(f.key);
  else attrs.set(f.key, f.value);
}

struct Position {
  Item* left;
  Item* right;
  uint64_t index;
  AttrMap currentAttributes;

  void forward() {
    if (!right) throw std::logic_error("text position: forward past the end");
    if (const ContentFormat* f = formatOf(right)) {
      if (!right->isDeleted()) updateCurrentAttributes(currentAttributes, *f);
    } else if (!right->isDeleted()) {
      index += right->length;
    }
    left = right;
    right = right->right;
  }
};

Item* newItem(Transaction& txn, TypeBase* parent, Item* left, Item* right, std::unique_ptr<Content> content) {
  DocImpl* doc = txn.doc;
  ID lastId;
  const ID* origin = nullptr;
  if (left) { lastId = left->lastId(); origin = &lastId; }
  const ID* rightOrigin = right ? &right->id : nullptr;
  const ClientId own = doc->clientId;
  return new Item(ID{own, doc->store.getState(own)}, left, origin, right, rightOrigin, parent, nullptr, std::move(content));
}

void findNextPosition(Transaction& txn, Position& pos, uint64_t count) {
  while (pos.right && count > 0) {
    if (const ContentFormat* f = formatOf(pos.right)) {
      if (!pos.right->isDeleted()) updateCurrentAttributes(pos.currentAttributes, *f);
    } else if (!pos.right->isDeleted()) {
      if (count < pos.right->length) {
        txn.doc->store.getItemCleanStart(txn, ID{pos.right->id.client, pos.right->id.clock + count});
      }
      pos.index += pos.right->length;
      count -= std::min<uint64_t>(count, pos.right->length);
    }
    pos.left = pos.right;
    pos.right = pos.right->right;
  }
}

Position findPosition(Transaction& txn, TypeBase* parent, uint64_t index, bool useSearchMarker) {
  SearchMarker* marker = useSearchMarker ? findMarker(parent, index) : nullptr;
  if (marker) {
    Position pos{marker->p->left, marker->p, marker->index, {}};
    findNextPosition(txn, pos, index - marker->index);
    return pos;
  }
  Position pos{nullptr, parent->start, 0, {}};
  findNextPosition(txn, pos, index);
  return pos;
}

void insertNegatedAttributes(Transaction& txn, TypeBase* parent, Position& currPos, AttrMap& negated) {
  while (currPos.right) {
    bool skip = currPos.right->isDeleted();
    if (!skip) {
      const ContentFormat* f = formatOf(currPos.right);
      const Value* neg = f ? negated.get(f->key) : nullptr;
      skip = f && neg && equalAttrs(*neg, f->value);
    }
    if (!skip) break;
    if (!currPos.right->isDeleted()) negated.erase(formatOf(currPos.right)->key);
    currPos.forward();
  }
  for (auto& [key, val] : negated.entries()) {
    Item* next = newItem(txn, parent, currPos.left, currPos.right, std::make_unique<ContentFormat>(key, val));
    next->integrate(txn, 0);
    currPos.right = next;
    currPos.forward();
  }
}

// attributes[key] ?? null, for an attributes object.
Value attrOrNull(const Value& attributes, const std::string& key) {
  const Value* v = attributes.isObject() ? attributes.asObject().get(key) : nullptr;
  return (v && !v->isUndefined() && !v->isNull()) ? *v : Value::null();
}

void minimizeAttributeChanges(Position& currPos, const Value& attributes) {
  while (currPos.right) {
    if (currPos.right->isDeleted()) {
      // skip
    } else if (const ContentFormat* f = formatOf(currPos.right);
               f && equalAttrs(attrOrNull(attributes, f->key), f->value)) {
      // skip
    } else {
      break;
    }
    currPos.forward();
  }
}

AttrMap insertAttributes(Transaction& txn, TypeBase* parent, Position& currPos, const Value& attributes) {
  AttrMap negated;
  if (!attributes.isObject()) return negated;
  for (const auto& [key, val] : attributes.asObject().entries()) {
    Value currentVal = getOrNull(currPos.currentAttributes, key);
    if (!equalAttrs(currentVal, val)) {
      negated.set(key, currentVal);
      currPos.right = newItem(txn, parent, currPos.left, currPos.right, std::make_unique<ContentFormat>(key, val));
      currPos.right->integrate(txn, 0);
      currPos.forward();
    }
  }
  return negated;
}

void insertText(Transaction& txn, TypeBase* parent, Position& currPos, TextInsert&& text, Value attributes) {
  if (!attributes.isObject()) attributes = Value(Value::Object());
  Value::Object attrs = attributes.asObject();
  for (const auto& [key, v] : currPos.currentAttributes.entries()) {
    const Value* a = attrs.get(key);
    if (!a || a->isUndefined()) attrs.set(key, Value::null());
  }
  attributes = Value(std::move(attrs));
  minimizeAttributeChanges(currPos, attributes);
  AttrMap negated = insertAttributes(txn, parent, currPos, attributes);
  std::unique_ptr<Content> content;
  switch (text.kind) {
    case TextInsert::Kind::kString:
      content = std::make_unique<ContentString>(std::move(text.str));
      break;
    case TextInsert::Kind::kType:
      content = std::make_unique<ContentType>(std::unique_ptr<TypeBase>(text.type));
      text.type = nullptr;
      break;
    case TextInsert::Kind::kEmbed:
      content = std::make_unique<ContentEmbed>(std::move(text.embed));
      break;
  }
  const uint64_t index = currPos.index;
  if (parent->searchMarkers) {
    updateMarkerChanges(*parent->searchMarkers, currPos.index, static_cast<int64_t>(content->length()));
  }
  Item* right = newItem(txn, parent, currPos.left, currPos.right, std::move(content));
  right->integrate(txn, 0);
  currPos.right = right;
  currPos.index = index;
  currPos.forward();
  insertNegatedAttributes(txn, parent, currPos, negated);
}

void formatText(Transaction& txn, TypeBase* parent, Position& currPos, uint64_t length, const Value& attributes) {
  minimizeAttributeChanges(currPos, attributes);
  AttrMap negated = insertAttributes(txn, parent, currPos, attributes);
  while (currPos.right &&
         (length > 0 || (negated.size() > 0 && (currPos.right->isDeleted() || formatOf(currPos.right))))) {
    if (!currPos.right->isDeleted()) {
      if (const ContentFormat* f = formatOf(currPos.right)) {
        const Value* attr = attributes.isObject() ? attributes.asObject().get(f->key) : nullptr;
        if (attr && !attr->isUndefined()) {
          if (equalAttrs(*attr, f->value)) {
            negated.erase(f->key);
          } else {
            if (length == 0) break;
            negated.set(f->key, f->value);
          }
          currPos.right->deleteItem(txn);
        } else {
          currPos.currentAttributes.set(f->key, f->value);
        }
      } else {
        if (length < currPos.right->length) {
          txn.doc->store.getItemCleanStart(txn, ID{currPos.right->id.client, currPos.right->id.clock + length});
        }
        length -= std::min<uint64_t>(length, currPos.right->length);
      }
    }
    currPos.forward();
  }
  // Quill's trailing newline: formatting past the end inserts newlines.
  if (length > 0) {
    std::u16string newlines(length, u'\n');
    currPos.right = newItem(txn, parent, currPos.left, currPos.right, std::make_unique<ContentString>(std::move(newlines)));
    currPos.right->integrate(txn, 0);
    currPos.forward();
  }
  insertNegatedAttributes(txn, parent, currPos, negated);
}

int cleanupFormattingGap(Transaction& txn, Item* start, Item* curr, const AttrMap& startAttributes, AttrMap& currAttributes) {
  Item* end = start;
  std::vector<std::pair<std::string, const ContentFormat*>> endFormats;
  auto setEnd = [&](const std::string& k, const ContentFormat* f) {
    for (auto& [key, val] : endFormats)
      if (key == k) { val = f; return; }
    endFormats.emplace_back(k, f);
  };
  auto getEnd = [&](const std::string& k) -> const ContentFormat* {
    for (auto& [key, val] : endFormats)
      if (key == k) return val;
    return nullptr;
  };
  while (end && (!end->countable() || end->isDeleted())) {
    if (!end->isDeleted()) {
      if (const ContentFormat* f = formatOf(end)) setEnd(f->key, f);
    }
    end = end->right;
  }
  int cleanups = 0;
  bool reachedCurr = false;
  while (start != end) {
    if (curr == start) reachedCurr = true;
    if (!start->isDeleted()) {
      if (const ContentFormat* f = formatOf(start)) {
        const std::string& key = f->key;
        const Value& value = f->value;
        Value startAttrValue = getOrNull(startAttributes, key);
        if (getEnd(key) != f || strictEquals(startAttrValue, value)) {
          // Either overwritten, or not needed because the attribute already had this value.
          start->deleteItem(txn);
          cleanups++;
          if (!reachedCurr && strictEquals(getOrNull(currAttributes, key), value) && !strictEquals(startAttrValue, value)) {
            if (startAttrValue.isNull()) currAttributes.erase(key);
            else currAttributes.set(key, startAttrValue);
          }
        }
        if (!reachedCurr && !start->isDeleted()) updateCurrentAttributes(currAttributes, *f);
      }
    }
    start = start->right;
  }
  return cleanups;
}

void cleanupContextlessFormattingGap(Transaction& txn, Item* item) {
  while (item && item->right && (item->right->isDeleted() || !item->right->countable())) item = item->right;
  std::vector<std::string> attrs;
  while (item && (item->isDeleted() || !item->countable())) {
    if (!item->isDeleted()) {
      if (const ContentFormat* f = formatOf(item)) {
        if (std::find(attrs.begin(), attrs.end(), f->key) != attrs.end()) item->deleteItem(txn);
        else attrs.push_back(f->key);
      }
    }
    item = item->left;
  }
}

void deleteText(Transaction& txn, Position& currPos, uint64_t length) {
  const uint64_t startLength = length;
  AttrMap startAttrs = currPos.currentAttributes;
  Item* start = currPos.right;
  while (length > 0 && currPos.right) {
    if (!currPos.right->isDeleted()) {
      ContentRef ref = currPos.right->content->ref();
      if (ref == ContentRef::kType || ref == ContentRef::kEmbed || ref == ContentRef::kString) {
        if (length < currPos.right->length) {
          txn.doc->store.getItemCleanStart(txn, ID{currPos.right->id.client, currPos.right->id.clock + length});
        }
        length -= std::min<uint64_t>(length, currPos.right->length);
        currPos.right->deleteItem(txn);
      }
    }
    currPos.forward();
  }
  if (start) cleanupFormattingGap(txn, start, currPos.right, startAttrs, currPos.currentAttributes);
  Item* any = currPos.left ? currPos.left : currPos.right;
  TypeBase* parent = any ? any->parent : nullptr;
  if (parent && parent->searchMarkers) {
    updateMarkerChanges(*parent->searchMarkers, currPos.index, -static_cast<int64_t>(startLength) + static_cast<int64_t>(length));
  }
}

}  // namespace

void textInsert(Transaction& txn, TypeBase* text, uint64_t index, TextInsert&& content, const Value* attributes) {
  if (content.kind == TextInsert::Kind::kString && content.str.empty()) return;
  Position pos = findPosition(txn, text, index, attributes == nullptr);
  Value attrs;
  if (attributes) {
    attrs = *attributes;
  } else if (content.kind == TextInsert::Kind::kString) {
    // Without attributes, text inherits the formatting at its position.
    Value::Object o;
    for (const auto& [k, v] : pos.currentAttributes.entries()) o.set(k, v);
    attrs = Value(std::move(o));
  }
  insertText(txn, text, pos, std::move(content), std::move(attrs));
}

void textDelete(Transaction& txn, TypeBase* text, uint64_t index, uint64_t length) {
  if (length == 0) return;
  Position pos = findPosition(txn, text, index, true);
  deleteText(txn, pos, length);
}

void textFormat(Transaction& txn, TypeBase* text, uint64_t index, uint64_t length, const Value& attributes) {
  if (length == 0) return;
  Position pos = findPosition(txn, text, index, false);
  if (!pos.right) return;
  formatText(txn, text, pos, length, attributes);
}

void textApplyDelta(Transaction& txn, TypeBase* text, std::vector<DeltaOp>&& delta, bool sanitize) {
  Position currPos{nullptr, text->start, 0, {}};
  for (size_t i = 0; i < delta.size(); i++) {
    DeltaOp& op = delta[i];
    Value attrs = op.attributes.isObject() ? op.attributes : Value(Value::Object());
    switch (op.kind) {
      case DeltaOp::Kind::kInsert: {
        TextInsert ins = std::move(op.insert);
        if (!sanitize && ins.kind == TextInsert::Kind::kString && i == delta.size() - 1 && !currPos.right &&
            !ins.str.empty() && ins.str.back() == u'\n') {
          ins.str.pop_back();
        }
        if (ins.kind != TextInsert::Kind::kString || !ins.str.empty()) {
          insertText(txn, text, currPos, std::move(ins), attrs);
        }
        break;
      }
      case DeltaOp::Kind::kRetain:
        formatText(txn, text, currPos, op.length, attrs);
        break;
      case DeltaOp::Kind::kDelete:
        deleteText(txn, currPos, op.length);
        break;
    }
  }
}

std::u16string textToString16(const TypeBase* text) {
  std::u16string s;
  for (Item* n = text->start; n; n = n->right) {
    if (!n->isDeleted() && n->countable() && n->content->ref() == ContentRef::kString) {
      static_cast<const ContentString*>(n->content.get())->appendTo(s);
    }
  }
  return s;
}

std::vector<DeltaOp> textToDelta(const TypeBase* text) {
  std::vector<DeltaOp> ops;
  AttrMap currentAttributes;
  std::u16string str;
  auto attrsValue = [&]() {
    Value::Object o;
    for (const auto& [k, v] : currentAttributes.entries()) o.set(k, v);
    return Value(std::move(o));
  };
  auto packStr = [&]() {
    if (!str.empty()) {
      DeltaOp op;
      op.insert.str = std::move(str);
      if (!currentAttributes.empty()) op.attributes = attrsValue();
      ops.push_back(std::move(op));
      str.clear();
    }
  };
  for (Item* n = text->start; n; n = n->right) {
    if (n->isDeleted()) continue;
    switch (n->content->ref()) {
      case ContentRef::kString:
        static_cast<const ContentString*>(n->content.get())->appendTo(str);
        break;
      case ContentRef::kType:
      case ContentRef::kEmbed: {
        packStr();
        DeltaOp op;
        if (n->content->ref() == ContentRef::kType) {
          op.insert.kind = TextInsert::Kind::kType;
          op.insert.type = static_cast<const ContentType*>(n->content.get())->type.get();
        } else {
          op.insert.kind = TextInsert::Kind::kEmbed;
          op.insert.embed = static_cast<const ContentEmbed*>(n->content.get())->embed;
        }
        if (!currentAttributes.empty()) op.attributes = attrsValue();
        ops.push_back(std::move(op));
        break;
      }
      case ContentRef::kFormat:
        packStr();
        updateCurrentAttributes(currentAttributes, *formatOf(n));
        break;
      default:
        break;
    }
  }
  packStr();
  return ops;
}

Value textInsertToJSON(const TextInsert& ins) {
  switch (ins.kind) {
    case TextInsert::Kind::kString: return Value(lib0::utf16ToUtf8(ins.str));
    case TextInsert::Kind::kEmbed: return ins.embed;
    case TextInsert::Kind::kType: return typeToJSON(ins.type);
  }
  return Value();
}

Value deltaToJSON(const std::vector<DeltaOp>& delta) {
  std::vector<Value> out;
  for (const DeltaOp& op : delta) {
    Value::Object o;
    switch (op.kind) {
      case DeltaOp::Kind::kInsert: o.set("insert", textInsertToJSON(op.insert)); break;
      case DeltaOp::Kind::kRetain: o.set("retain", Value(static_cast<double>(op.length))); break;
      case DeltaOp::Kind::kDelete: o.set("delete", Value(static_cast<double>(op.length))); break;
    }
    if (op.attributes.isObject()) o.set("attributes", op.attributes);
    out.push_back(Value(std::move(o)));
  }
  return Value::array(std::move(out));
}

std::string xmlTextToString(const TypeBase* text) {
  // yjs YXmlText.toString: each delta op wrapped in one element per attribute,
  // attributes and element names sorted.
  std::string out;
  for (const DeltaOp& op : textToDelta(text)) {
    struct Node {
      std::string name;
      std::vector<std::pair<std::string, std::string>> attrs;
    };
    std::vector<Node> nested;
    if (op.attributes.isObject()) {
      for (const auto& [nodeName, attrVal] : op.attributes.asObject().entries()) {
        Node node{nodeName, {}};
        // for (key in value): strings and arrays enumerate indices too.
        for (const auto& [k, v] : attrVal.enumerableEntries()) node.attrs.emplace_back(k, v.toJSString());
        std::stable_sort(node.attrs.begin(), node.attrs.end(), [](auto& a, auto& b) { return a.first < b.first; });
        nested.push_back(std::move(node));
      }
    }
    std::stable_sort(nested.begin(), nested.end(), [](auto& a, auto& b) { return a.name < b.name; });
    for (auto& node : nested) {
      out += "<" + node.name;
      for (auto& [k, v] : node.attrs) out += " " + k + "=\"" + v + "\"";
      out += ">";
    }
    switch (op.insert.kind) {
      case TextInsert::Kind::kString: out += lib0::utf16ToUtf8(op.insert.str); break;
      case TextInsert::Kind::kEmbed: out += op.insert.embed.toJSString(); break;
      case TextInsert::Kind::kType: out += typeToString(op.insert.type); break;
    }
    for (auto it = nested.rbegin(); it != nested.rend(); ++it) out += "</" + it->name + ">";
  }
  return out;
}

int cleanupYTextFormatting(TypeBase* type) {
  int res = 0;
  type->doc->transact([&](Transaction& txn) {
    Item* start = type->start;
    Item* end = type->start;
    AttrMap startAttributes;
    AttrMap currentAttributes = startAttributes;
    while (end) {
      if (!end->isDeleted()) {
        if (const ContentFormat* f = formatOf(end)) {
          updateCurrentAttributes(currentAttributes, *f);
        } else {
          res += cleanupFormattingGap(txn, start, end, startAttributes, currentAttributes);
          startAttributes = currentAttributes;
          start = end;
        }
      }
      end = end->right;
    }
  });
  return res;
}

void cleanupYTextAfterTransaction(Transaction& transaction) {
  std::vector<TypeBase*> needFullCleanup;
  auto needs = [&](TypeBase* t) { return std::find(needFullCleanup.begin(), needFullCleanup.end(), t) != needFullCleanup.end(); };
  DocImpl* doc = transaction.doc;
  StructStore& store = doc->store;
  for (const auto& [client, afterClock] : transaction.afterState) {
    Clock clock = transaction.beforeStateOf(client);
    if (afterClock == clock) continue;
    // yjs passes afterClock as the length; the range simply runs to the end.
    store.iterateStructs(transaction, *store.structsOf(client), clock, afterClock, [&](Struct* s) {
      if (!s->deleted() && s->isItem()) {
        Item* item = static_cast<Item*>(s);
        if (item->content->ref() == ContentRef::kFormat && !needs(item->parent)) needFullCleanup.push_back(item->parent);
      }
    });
  }
  doc->transact([&](Transaction& t) {
    for (const auto& [client, deletes] : transaction.deleteSet.clients) {
      StructStore::Structs* structs = store.structsOf(client);
      if (!structs) continue;
      Clock clockState = store.getState(client);
      for (size_t i = 0; i < deletes.size() && deletes[i].clock < clockState; i++) {
        store.iterateStructs(transaction, *structs, deletes[i].clock, deletes[i].len, [&](Struct* s) {
          if (!s->isItem()) return;
          Item* item = static_cast<Item*>(s);
          TypeBase* parent = item->parent;
          if (!parent || !parent->hasFormatting || needs(parent)) return;
          if (item->content->ref() == ContentRef::kFormat) needFullCleanup.push_back(parent);
          else cleanupContextlessFormattingGap(t, item);
        });
      }
    }
    for (TypeBase* yText : needFullCleanup) cleanupYTextFormatting(yText);
  });
}

}  // namespace roundtable::crdt
