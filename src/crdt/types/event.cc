#include "crdt/types/event.h"

#include "crdt/doc_impl.h"
#include "crdt/structs/struct.h"
#include "crdt/transaction.h"
#include "crdt/types/type.h"

namespace roundtable::crdt {

Event::Event(TypeBase* t, Transaction* txn, std::vector<const std::string*> s)
    : target(t), currentTarget(t), transaction(txn), subs(std::move(s)) {}

bool Event::childListChanged() const {
  for (auto* k : subs)
    if (!k) return true;
  return false;
}

std::vector<Value> Event::path() const {
  std::vector<Value> path;
  const TypeBase* child = target;
  while (child->item && child != currentTarget) {
    const Item* item = child->item;
    if (item->parentSub) {
      path.insert(path.begin(), Value(*item->parentSub));
    } else {
      uint64_t i = 0;
      for (Item* c = item->parent->start; c != item && c; c = c->right) {
        if (!c->isDeleted() && c->countable()) i += c->length;
      }
      path.insert(path.begin(), Value(static_cast<double>(i)));
    }
    child = item->parent;
  }
  return path;
}

bool Event::deletes(const Struct* s) const { return transaction->deleteSet.isDeleted(s->id); }

bool Event::adds(const Struct* s) const { return s->id.clock >= transaction->beforeStateOf(s->id.client); }

const std::vector<KeyChange>& Event::keys() const {
  if (keys_) return *keys_;
  keys_.emplace();
  const auto* changed = transaction->changed.find(target);
  if (!changed) return *keys_;
  for (const std::string* key : *changed) {
    if (!key) continue;
    Item* item = target->map.get(key);
    if (!item) continue;
    KeyChange change{KeyChange::Action::kAdd, *key, Out{}};
    if (adds(item)) {
      Item* prev = item->left;
      while (prev && adds(prev)) prev = prev->left;
      if (deletes(item)) {
        if (prev && deletes(prev)) {
          change.action = KeyChange::Action::kDelete;
          change.oldValue = lastContent(prev);
        } else {
          continue;
        }
      } else if (prev && deletes(prev)) {
        change.action = KeyChange::Action::kUpdate;
        change.oldValue = lastContent(prev);
      } else {
        change.action = KeyChange::Action::kAdd;
      }
    } else if (deletes(item)) {
      change.action = KeyChange::Action::kDelete;
      change.oldValue = lastContent(item);
    } else {
      continue;
    }
    keys_->push_back(std::move(change));
  }
  return *keys_;
}

const std::vector<ListChange>& Event::listDelta() const {
  if (listDelta_) return *listDelta_;
  listDelta_.emplace();
  auto& delta = *listDelta_;
  const auto* changed = transaction->changed.find(target);
  bool listChanged = false;
  if (changed)
    for (auto* k : *changed)
      if (!k) listChanged = true;
  if (!listChanged) return delta;
  std::optional<ListChange> lastOp;
  auto packOp = [&]() {
    if (lastOp) delta.push_back(std::move(*lastOp));
    lastOp.reset();
  };
  for (Item* item = target->start; item; item = item->right) {
    if (item->isDeleted()) {
      if (deletes(item) && !adds(item)) {
        if (!lastOp || lastOp->kind != ListChange::Kind::kDelete) {
          packOp();
          lastOp = ListChange{ListChange::Kind::kDelete, {}, 0};
        }
        lastOp->count += item->length;
      }
    } else if (adds(item)) {
      if (!lastOp || lastOp->kind != ListChange::Kind::kInsert) {
        packOp();
        lastOp = ListChange{ListChange::Kind::kInsert, {}, 0};
      }
      item->content->getContent(lastOp->insert);
    } else {
      if (!lastOp || lastOp->kind != ListChange::Kind::kRetain) {
        packOp();
        lastOp = ListChange{ListChange::Kind::kRetain, {}, 0};
      }
      lastOp->count += item->length;
    }
  }
  if (lastOp && lastOp->kind != ListChange::Kind::kRetain) packOp();
  return delta;
}

const std::vector<DeltaOp>& Event::textDelta() const {
  if (textDelta_) return *textDelta_;
  textDelta_.emplace();
  auto& delta = *textDelta_;
  DocImpl* doc = target->doc;
  doc->transact([&](Transaction& txn) {
    AttrMap currentAttributes;  // all current attributes, for inserts
    AttrMap oldAttributes;
    Value::Object attributes;   // attributes added or removed, for retains
    enum class Action { kNone, kInsert, kRetain, kDelete } action = Action::kNone;
    TextInsert insert;
    bool insertIsObject = false;
    uint64_t retain = 0;
    uint64_t deleteLen = 0;
    auto getOrNull = [](const AttrMap& m, const std::string& k) {
      const Value* v = m.get(k);
      return (v && !v->isUndefined() && !v->isNull()) ? *v : Value::null();
    };
    auto addOp = [&]() {
      if (action == Action::kNone) return;
      std::optional<DeltaOp> op;
      switch (action) {
        case Action::kDelete:
          if (deleteLen > 0) {
            op.emplace();
            op->kind = DeltaOp::Kind::kDelete;
            op->length = deleteLen;
          }
          deleteLen = 0;
          break;
        case Action::kInsert:
          if (insertIsObject || !insert.str.empty()) {
            op.emplace();
            op->kind = DeltaOp::Kind::kInsert;
            op->insert = std::move(insert);
            if (currentAttributes.size() > 0) {
              Value::Object a;
              for (const auto& [k, v] : currentAttributes.entries())
                if (!v.isNull()) a.set(k, v);
              op->attributes = Value(std::move(a));
            }
          }
          insert = TextInsert{};
          insertIsObject = false;
          break;
        case Action::kRetain:
          if (retain > 0) {
            op.emplace();
            op->kind = DeltaOp::Kind::kRetain;
            op->length = retain;
            if (attributes.size() > 0) op->attributes = Value(attributes);
          }
          retain = 0;
          break;
        case Action::kNone:
          break;
      }
      if (op) delta.push_back(std::move(*op));
      action = Action::kNone;
    };
    for (Item* item = target->start; item; item = item->right) {
      switch (item->content->ref()) {
        case ContentRef::kType:
        case ContentRef::kEmbed:
          if (adds(item)) {
            if (!deletes(item)) {
              addOp();
              action = Action::kInsert;
              if (item->content->ref() == ContentRef::kType) {
                insert.kind = TextInsert::Kind::kType;
                insert.type = static_cast<ContentType*>(item->content.get())->type.get();
              } else {
                insert.kind = TextInsert::Kind::kEmbed;
                insert.embed = static_cast<ContentEmbed*>(item->content.get())->embed;
              }
              insertIsObject = true;
              addOp();
            }
          } else if (deletes(item)) {
            if (action != Action::kDelete) { addOp(); action = Action::kDelete; }
            deleteLen += 1;
          } else if (!item->isDeleted()) {
            if (action != Action::kRetain) { addOp(); action = Action::kRetain; }
            retain += 1;
          }
          break;
        case ContentRef::kString:
          if (adds(item)) {
            if (!deletes(item)) {
              if (action != Action::kInsert) { addOp(); action = Action::kInsert; }
              static_cast<ContentString*>(item->content.get())->appendTo(insert.str);
            }
          } else if (deletes(item)) {
            if (action != Action::kDelete) { addOp(); action = Action::kDelete; }
            deleteLen += item->length;
          } else if (!item->isDeleted()) {
            if (action != Action::kRetain) { addOp(); action = Action::kRetain; }
            retain += item->length;
          }
          break;
        case ContentRef::kFormat: {
          auto* f = static_cast<ContentFormat*>(item->content.get());
          const std::string& key = f->key;
          const Value& value = f->value;
          if (adds(item)) {
            if (!deletes(item)) {
              Value curVal = getOrNull(currentAttributes, key);
              if (!equalAttrs(curVal, value)) {
                if (action == Action::kRetain) addOp();
                if (equalAttrs(value, getOrNull(oldAttributes, key))) attributes.erase(key);
                else attributes.set(key, value);
              } else if (!value.isNull()) {
                item->deleteItem(txn);
              }
            }
          } else if (deletes(item)) {
            oldAttributes.set(key, value);
            Value curVal = getOrNull(currentAttributes, key);
            if (!equalAttrs(curVal, value)) {
              if (action == Action::kRetain) addOp();
              attributes.set(key, curVal);
            }
          } else if (!item->isDeleted()) {
            oldAttributes.set(key, value);
            const Value* attr = attributes.get(key);
            if (attr && !attr->isUndefined()) {
              if (!equalAttrs(*attr, value)) {
                if (action == Action::kRetain) addOp();
                if (value.isNull()) attributes.erase(key);
                else attributes.set(key, value);
              } else if (!attr->isNull()) {
                item->deleteItem(txn);
              }
            }
          }
          if (!item->isDeleted()) {
            if (action == Action::kInsert) addOp();
            if (value.isNull()) currentAttributes.erase(key);
            else currentAttributes.set(key, value);
          }
          break;
        }
        default:
          break;
      }
    }
    addOp();
    while (!delta.empty()) {
      const DeltaOp& last = delta.back();
      if (last.kind == DeltaOp::Kind::kRetain && !last.attributes.isObject()) delta.pop_back();
      else break;
    }
  });
  return delta;
}

Value Event::deltaJSON() const {
  if (target->isTextKind()) return deltaToJSON(textDelta());
  std::vector<Value> out;
  for (const ListChange& c : listDelta()) {
    Value::Object o;
    switch (c.kind) {
      case ListChange::Kind::kInsert: {
        std::vector<Value> values;
        for (const Out& v : c.insert) values.push_back(outToJSON(v));
        o.set("insert", Value::array(std::move(values)));
        break;
      }
      case ListChange::Kind::kRetain: o.set("retain", Value(static_cast<double>(c.count))); break;
      case ListChange::Kind::kDelete: o.set("delete", Value(static_cast<double>(c.count))); break;
    }
    out.push_back(Value(std::move(o)));
  }
  return Value::array(std::move(out));
}

Value Event::keysJSON() const {
  Value::Object o;
  for (const KeyChange& c : keys()) {
    Value::Object change;
    const char* action = c.action == KeyChange::Action::kAdd ? "add" : c.action == KeyChange::Action::kUpdate ? "update" : "delete";
    change.set("action", Value(action));
    change.set("oldValue", c.action == KeyChange::Action::kAdd ? Value() : outToJSON(c.oldValue));
    o.set(c.key, Value(std::move(change)));
  }
  return Value(std::move(o));
}

}  // namespace roundtable::crdt
