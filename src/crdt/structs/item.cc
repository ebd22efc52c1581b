// Item integration, splitting, merging, deletion and GC (yjs structs/Item.js).
#include <stdexcept>
#include <vector>

#include "crdt/doc_impl.h"
#include "crdt/structs/content.h"
#include "crdt/structs/struct.h"
#include "crdt/transaction.h"
#include "crdt/types/type.h"
#include "crdt/update/coder_v1.h"
#include "crdt/update/coder_v2.h"

namespace roundtable::crdt {

Item::Item(ID id, Item* left, const ID* origin, Item* right, const ID* rightOrigin, TypeBase* parent,
           const std::string* parentSub, std::unique_ptr<Content> content)
    : Struct(StructKind::kItem, id, content->length()),
      content(std::move(content)),
      parentSub(parentSub),
      left(left),
      right(right) {
  this->parent = parent;
  setOrigin(origin);
  setRightOrigin(rightOrigin);
  if (this->content->countable()) info |= kCountable;
}

Item::~Item() = default;

Item* Item::next() const {
  Item* n = right;
  while (n && n->isDeleted()) n = n->right;
  return n;
}

Item* Item::prev() const {
  Item* n = left;
  while (n && n->isDeleted()) n = n->left;
  return n;
}

Item* splitItem(Transaction& txn, Item* leftItem, Clock diff) {
  const ID id = leftItem->id;
  const ID rightOriginalOrigin{id.client, id.clock + diff - 1};
  Item* rightItem = new Item(ID{id.client, id.clock + diff}, leftItem, &rightOriginalOrigin, leftItem->right,
                             leftItem->rightOriginPtr(), leftItem->parent, leftItem->parentSub,
                             leftItem->content->splice(diff));
  if (leftItem->isDeleted()) rightItem->markDeleted();
  if (leftItem->keep()) rightItem->setKeep(true);
  leftItem->right = rightItem;
  if (rightItem->right) rightItem->right->left = rightItem;
  txn.mergeStructs.push_back(rightItem);
  if (rightItem->parentSub && !rightItem->right) {
    rightItem->parent->map.set(rightItem->parentSub, rightItem);
  }
  leftItem->length = diff;
  return rightItem;
}

bool Item::getMissing(Transaction& txn, StructStore& store, ClientId* missing) {
  if (hasOrigin() && origin.client != id.client && origin.clock >= store.getState(origin.client)) {
    *missing = origin.client;
    return true;
  }
  if (hasRightOrigin() && rightOrigin.client != id.client && rightOrigin.clock >= store.getState(rightOrigin.client)) {
    *missing = rightOrigin.client;
    return true;
  }
  if ((info & kParentIsId) && id.client != parentId.client && parentId.clock >= store.getState(parentId.client)) {
    *missing = parentId.client;
    return true;
  }
  // All dependencies are known: find the neighbouring items.
  Struct* leftStruct = nullptr;
  Struct* rightStruct = nullptr;
  if (hasOrigin()) {
    leftStruct = store.getItemCleanEnd(txn, origin);
    origin = leftStruct->lastId();
  }
  if (hasRightOrigin()) {
    rightStruct = store.getItemCleanStart(txn, rightOrigin);
    rightOrigin = rightStruct->id;
  }
  left = asItem(leftStruct);
  right = asItem(rightStruct);
  if ((leftStruct && leftStruct->isGC()) || (rightStruct && rightStruct->isGC())) {
    info &= ~(kParentIsId | kParentIsName);
    parent = nullptr;
  } else if ((info & (kParentIsId | kParentIsName)) == 0 && parent == nullptr) {
    // Only copy the parent if this item should not be garbage collected.
    if (left) {
      parent = left->parent;
      parentSub = left->parentSub;
    } else if (right) {
      parent = right->parent;
      parentSub = right->parentSub;
    }
  } else if (info & kParentIsId) {
    info &= ~kParentIsId;
    Struct* parentStruct = store.find(parentId);
    if (parentStruct->isGC()) {
      parent = nullptr;
    } else {
      Item* parentItem = static_cast<Item*>(parentStruct);
      // A parent whose content is not a type cannot hold children: yjs leaves
      // the parent undefined and the item becomes GC.
      parent = parentItem->content->ref() == ContentRef::kType
                   ? static_cast<ContentType*>(parentItem->content.get())->type.get()
                   : nullptr;
    }
  }
  return false;
}

void Item::integrate(Transaction& txn, Clock offset) {
  StructStore& store = txn.doc->store;
  if (offset > 0) {
    id.clock += offset;
    Struct* l = store.getItemCleanEnd(txn, ID{id.client, id.clock - 1});
    left = asItem(l);
    ID o = l->lastId();
    setOrigin(&o);
    content = content->splice(offset);
    length -= offset;
    // yjs keeps a GC'd left as `left`; parent resolution below treats it as GC.
    if (l->isGC()) parent = nullptr;
  }
  if (parent) {
    if ((!left && (!right || right->left != nullptr)) || (left && left->right != right)) {
      Item* l = left;
      Item* o;
      if (l) {
        o = l->right;
      } else if (parentSub) {
        o = parent->map.get(parentSub);
        while (o && o->left) o = o->left;
      } else {
        o = parent->start;
      }
      // Conflict resolution (YATA): see yjs Item.integrate. The sets are
      // tiny in practice (concurrent inserts at one place), so flat vectors.
      std::vector<const Struct*> conflictingItems;
      std::vector<const Struct*> itemsBeforeOrigin;
      auto contains = [](const std::vector<const Struct*>& v, const Struct* s) {
        for (const Struct* x : v)
          if (x == s) return true;
        return false;
      };
      while (o && o != right) {
        itemsBeforeOrigin.push_back(o);
        conflictingItems.push_back(o);
        const bool sameOrigin = hasOrigin() == o->hasOrigin() && (!hasOrigin() || origin == o->origin);
        if (sameOrigin) {
          if (o->id.client < id.client) {
            l = o;
            conflictingItems.clear();
          } else if (hasRightOrigin() == o->hasRightOrigin() && (!hasRightOrigin() || rightOrigin == o->rightOrigin)) {
            break;
          }
        } else if (o->hasOrigin() && contains(itemsBeforeOrigin, store.find(o->origin))) {
          if (!contains(conflictingItems, store.find(o->origin))) {
            l = o;
            conflictingItems.clear();
          }
        } else {
          break;
        }
        o = o->right;
      }
      left = l;
    }
    // Reconnect left/right and update the parent's map or start.
    if (left) {
      right = left->right;
      left->right = this;
    } else {
      Item* r;
      if (parentSub) {
        r = parent->map.get(parentSub);
        while (r && r->left) r = r->left;
      } else {
        r = parent->start;
        parent->start = this;
      }
      right = r;
    }
    if (right) {
      right->left = this;
    } else if (parentSub) {
      parent->map.set(parentSub, this);
      if (left) left->deleteItem(txn);  // this is now the current value: delete the previous one
    }
    if (!parentSub && countable() && !isDeleted()) parent->length += length;
    store.addStruct(this);
    content->integrate(txn, this);
    txn.addChangedType(parent, parentSub);
    if ((parent->item && parent->item->isDeleted()) || (parentSub && right)) {
      deleteItem(txn);
    }
  } else {
    // No parent (it was garbage collected): integrate a GC struct instead.
    GCStruct* gc = new GCStruct(id, length);
    store.addStruct(gc);
    store.retire(this);
  }
}

bool Item::mergeWith(Item* r) {
  if (r->hasOrigin() && r->origin == lastId() && right == r &&
      hasRightOrigin() == r->hasRightOrigin() && (!hasRightOrigin() || rightOrigin == r->rightOrigin) &&
      id.client == r->id.client && id.clock + length == r->id.clock && isDeleted() == r->isDeleted() &&
      content->ref() == r->content->ref() && content->mergeWith(*r->content)) {
    if (parent && parent->searchMarkers) {
      for (SearchMarker& m : *parent->searchMarkers) {
        if (m.p == r) {
          m.p = this;
          if (!isDeleted() && countable()) m.index -= length;
        }
      }
    }
    if (r->keep()) setKeep(true);
    right = r->right;
    if (right) right->left = this;
    length += r->length;
    return true;
  }
  return false;
}

void Item::deleteItem(Transaction& txn) {
  if (isDeleted()) return;
  if (countable() && !parentSub) parent->length -= length;
  markDeleted();
  txn.deleteSet.add(id.client, id.clock, length);
  txn.addChangedType(parent, parentSub);
  content->onDelete(txn);
}

void Item::gc(StructStore& store, bool parentGCd, Transaction* txn) {
  if (!isDeleted()) throw std::logic_error("gc of an item that is not deleted");
  content->gc(store, txn);
  if (parentGCd) {
    store.replaceStruct(this, new GCStruct(id, length));
  } else {
    // Like yjs, the countable bit stays: every reader checks `deleted` first.
    content = std::make_unique<ContentDeleted>(length);
  }
}

template <typename Encoder>
void Item::writeTo(Encoder& enc, Clock offset) const {
  ID originId;
  const ID* o = nullptr;
  if (offset > 0) {
    originId = ID{id.client, id.clock + offset - 1};
    o = &originId;
  } else if (hasOrigin()) {
    o = &origin;
  }
  const ID* ro = rightOriginPtr();
  uint8_t refInfo = static_cast<uint8_t>(content->ref()) & 0x1F;
  uint8_t wireInfo = refInfo | (o ? 0x80 : 0) | (ro ? 0x40 : 0) | (parentSub ? 0x20 : 0);
  enc.writeInfo(wireInfo);
  if (o) enc.writeLeftID(*o);
  if (ro) enc.writeRightID(*ro);
  if (!o && !ro) {
    if (info & kParentIsName) {
      enc.writeParentInfo(true);
      enc.writeString(*parentName);
    } else if (info & kParentIsId) {
      enc.writeParentInfo(false);
      enc.writeLeftID(parentId);
    } else if (parent == nullptr) {
      throw std::logic_error("writing an item without parent information");
    } else if (parent->item == nullptr) {
      const std::string* key = parent->doc ? parent->doc->rootName(parent) : nullptr;
      if (!key) throw std::logic_error("root type without a name");
      enc.writeParentInfo(true);
      enc.writeString(*key);
    } else {
      enc.writeParentInfo(false);
      enc.writeLeftID(parent->item->id);
    }
    if (parentSub) enc.writeString(*parentSub);
  }
  // The two contents of most items, written without a virtual call.
  switch (content->ref()) {
    case ContentRef::kString:
      static_cast<const ContentString&>(*content).writeTo(enc, offset);
      break;
    case ContentRef::kDeleted:
      enc.writeLen(static_cast<const ContentDeleted&>(*content).len - offset);
      break;
    default:
      content->write(enc, offset);
  }
}

template void Item::writeTo(UpdateEncoderV1&, Clock) const;
template void Item::writeTo(UpdateEncoderV2&, Clock) const;

}  // namespace roundtable::crdt
