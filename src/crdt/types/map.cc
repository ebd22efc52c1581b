// Map operations shared by Map, XmlElement attributes, XmlHook and text
// attributes (yjs typeMap* in types/AbstractType.js).
#include "crdt/doc_impl.h"
#include "crdt/structs/struct.h"
#include "crdt/transaction.h"
#include "crdt/types/type.h"

namespace roundtable::crdt {

Out lastContent(const Item* item) {
  std::vector<Out> content;
  item->content->getContent(content);
  if (content.empty()) return Out{};
  return std::move(content.back());
}

void typeMapDelete(Transaction& txn, TypeBase* parent, std::string_view key) {
  const std::string* k = txn.doc->strings.find(key);
  if (!k) return;
  if (Item* c = parent->map.get(k)) c->deleteItem(txn);
}

void typeMapSet(Transaction& txn, TypeBase* parent, std::string_view key, Out&& value) {
  DocImpl* doc = txn.doc;
  const std::string* k = doc->strings.intern(key);
  Item* left = parent->map.get(k);
  std::unique_ptr<Content> content;
  switch (value.kind) {
    case Out::Kind::kValue:
      if (value.value.isBinary()) content = std::make_unique<ContentBinary>(value.value.asBinary());
      else content = std::make_unique<ContentAny>(std::vector<Value>{std::move(value.value)});
      break;
    case Out::Kind::kType:
      content = std::make_unique<ContentType>(std::unique_ptr<TypeBase>(value.type));
      value.type = nullptr;
      break;
    case Out::Kind::kDoc: {
      const Value* guid = value.value.isObject() ? value.value.asObject().get("guid") : nullptr;
      const Value* opts = value.value.isObject() ? value.value.asObject().get("opts") : nullptr;
      content = std::make_unique<ContentDoc>(guid && guid->isString() ? guid->asString() : std::string(),
                                             opts ? *opts : Value::Object());
      break;
    }
  }
  ID lastId;
  const ID* origin = nullptr;
  if (left) { lastId = left->lastId(); origin = &lastId; }
  const ClientId own = doc->clientId;
  Item* item = new Item(ID{own, doc->store.getState(own)}, left, origin, nullptr, nullptr, parent, k, std::move(content));
  item->integrate(txn, 0);
}

bool typeMapGet(const TypeBase* parent, std::string_view key, Out* out) {
  const std::string* k = parent->doc ? parent->doc->strings.find(key) : nullptr;
  if (!k) return false;
  Item* val = parent->map.get(k);
  if (!val || val->isDeleted()) return false;
  *out = lastContent(val);
  return true;
}

bool typeMapHas(const TypeBase* parent, std::string_view key) {
  const std::string* k = parent->doc ? parent->doc->strings.find(key) : nullptr;
  if (!k) return false;
  Item* val = parent->map.get(k);
  return val && !val->isDeleted();
}

std::vector<std::pair<std::string, Out>> typeMapGetAll(const TypeBase* parent) {
  std::vector<std::pair<std::string, Out>> res;
  for (const auto& [key, item] : parent->map.entries()) {
    if (item && !item->isDeleted()) res.emplace_back(*key, lastContent(item));
  }
  return res;
}

}  // namespace roundtable::crdt
