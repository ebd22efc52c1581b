// List operations shared by Array, Text and the XML types, and the search
// markers that make positional lookups cheap (yjs types/AbstractType.js).
#include <algorithm>
#include <stdexcept>

#include "crdt/doc_impl.h"
#include "crdt/structs/struct.h"
#include "crdt/transaction.h"
#include "crdt/types/type.h"

namespace roundtable::crdt {

namespace {

constexpr size_t kMaxSearchMarkers = 80;

void refreshMarkerTimestamp(DocImpl* doc, SearchMarker& m) { m.timestamp = doc->markerTimestamp++; }

void overwriteMarker(DocImpl* doc, SearchMarker& m, Item* p, uint64_t index) {
  m.p->setMarker(false);
  m.p = p;
  p->setMarker(true);
  m.index = index;
  m.timestamp = doc->markerTimestamp++;
}

SearchMarker* markPosition(DocImpl* doc, std::vector<SearchMarker>& markers, Item* p, uint64_t index) {
  if (markers.size() >= kMaxSearchMarkers) {
    // Reuse the least recently used marker.
    SearchMarker* oldest = &markers[0];
    for (auto& m : markers)
      if (m.timestamp < oldest->timestamp) oldest = &m;
    overwriteMarker(doc, *oldest, p, index);
    return oldest;
  }
  p->setMarker(true);
  markers.push_back(SearchMarker{p, index, doc->markerTimestamp++});
  return &markers.back();
}

uint64_t absDiff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

}  // namespace

SearchMarker* findMarker(TypeBase* t, uint64_t index) {
  if (!t->start || index == 0 || !t->searchMarkers) return nullptr;
  auto& markers = *t->searchMarkers;
  SearchMarker* marker = nullptr;
  for (auto& m : markers) {
    // reduce((a, b) => |index - a.index| < |index - b.index| ? a : b): ties go to the later one
    if (!marker || !(absDiff(index, marker->index) < absDiff(index, m.index))) marker = &m;
  }
  Item* p = t->start;
  uint64_t pindex = 0;
  if (marker) {
    p = marker->p;
    pindex = marker->index;
    refreshMarkerTimestamp(t->doc, *marker);
  }
  // iterate right if possible
  while (p->right && pindex < index) {
    if (!p->isDeleted() && p->countable()) {
      if (index < pindex + p->length) break;
      pindex += p->length;
    }
    p = p->right;
  }
  // iterate left if necessary
  while (p->left && pindex > index) {
    p = p->left;
    if (!p->isDeleted() && p->countable()) pindex -= p->length;
  }
  // make sure p cannot be merged with its left neighbour
  while (p->left && p->left->id.client == p->id.client && p->left->id.clock + p->left->length == p->id.clock) {
    p = p->left;
    if (!p->isDeleted() && p->countable()) pindex -= p->length;
  }
  uint64_t parentLength = p->parent ? p->parent->length : 0;
  if (marker && static_cast<double>(absDiff(marker->index, pindex)) <
                    static_cast<double>(parentLength) / static_cast<double>(kMaxSearchMarkers)) {
    overwriteMarker(t->doc, *marker, p, pindex);
    return marker;
  }
  return markPosition(t->doc, markers, p, pindex);
}

void updateMarkerChanges(std::vector<SearchMarker>& markers, uint64_t index, int64_t len) {
  for (size_t i = markers.size(); i-- > 0;) {
    SearchMarker& m = markers[i];
    if (len > 0) {
      Item* p = m.p;
      p->setMarker(false);
      // Move the marker to the previous undeleted countable position.
      while (p && (p->isDeleted() || !p->countable())) {
        p = p->left;
        if (p && !p->isDeleted() && p->countable()) m.index -= p->length;
      }
      if (!p || p->marker()) {
        markers.erase(markers.begin() + i);
        continue;
      }
      m.p = p;
      p->setMarker(true);
    }
    if (index < m.index || (len > 0 && index == m.index)) {
      int64_t moved = static_cast<int64_t>(m.index) + len;
      m.index = std::max<int64_t>(static_cast<int64_t>(index), moved);
    }
  }
}

void typeListInsertGenericsAfter(Transaction& txn, TypeBase* parent, Item* referenceItem, std::vector<Out>&& content) {
  Item* left = referenceItem;
  DocImpl* doc = txn.doc;
  const ClientId own = doc->clientId;
  StructStore& store = doc->store;
  Item* right = referenceItem ? referenceItem->right : parent->start;
  std::vector<Value> jsonContent;
  auto integrateNew = [&](std::unique_ptr<Content> c) {
    ID lastId;
    const ID* origin = nullptr;
    if (left) { lastId = left->lastId(); origin = &lastId; }
    const ID* rightOrigin = right ? &right->id : nullptr;
    Item* item = new Item(ID{own, store.getState(own)}, left, origin, right, rightOrigin, parent, nullptr, std::move(c));
    item->integrate(txn, 0);
    left = item;
  };
  auto packJsonContent = [&]() {
    if (!jsonContent.empty()) {
      integrateNew(std::make_unique<ContentAny>(std::move(jsonContent)));
      jsonContent.clear();
    }
  };
  for (Out& c : content) {
    if (c.kind == Out::Kind::kValue && !c.value.isBinary()) {
      jsonContent.push_back(std::move(c.value));
      continue;
    }
    packJsonContent();
    switch (c.kind) {
      case Out::Kind::kValue:
        integrateNew(std::make_unique<ContentBinary>(c.value.asBinary()));
        break;
      case Out::Kind::kDoc: {
        const Value* guid = c.value.isObject() ? c.value.asObject().get("guid") : nullptr;
        const Value* opts = c.value.isObject() ? c.value.asObject().get("opts") : nullptr;
        integrateNew(std::make_unique<ContentDoc>(guid && guid->isString() ? guid->asString() : std::string(),
                                                  opts ? *opts : Value::Object()));
        break;
      }
      case Out::Kind::kType:
        // `type` is a fresh, unintegrated type handed over by the caller.
        integrateNew(std::make_unique<ContentType>(std::unique_ptr<TypeBase>(c.type)));
        c.type = nullptr;
        break;
    }
  }
  packJsonContent();
}

void typeListInsertGenerics(Transaction& txn, TypeBase* parent, uint64_t index, std::vector<Out>&& content) {
  if (index > parent->length) throw std::out_of_range("Length exceeded!");
  if (index == 0) {
    if (parent->searchMarkers) updateMarkerChanges(*parent->searchMarkers, index, static_cast<int64_t>(content.size()));
    typeListInsertGenericsAfter(txn, parent, nullptr, std::move(content));
    return;
  }
  const uint64_t startIndex = index;
  SearchMarker* marker = findMarker(parent, index);
  Item* n = parent->start;
  if (marker) {
    n = marker->p;
    index -= marker->index;
    if (index == 0) {
      n = n->prev();  // the left undeleted item, so that index can decrease
      index += (n && n->countable() && !n->isDeleted()) ? n->length : 0;
    }
  }
  for (; n; n = n->right) {
    if (!n->isDeleted() && n->countable()) {
      if (index <= n->length) {
        if (index < n->length) {
          txn.doc->store.getItemCleanStart(txn, ID{n->id.client, n->id.clock + index});
        }
        break;
      }
      index -= n->length;
    }
  }
  if (parent->searchMarkers) updateMarkerChanges(*parent->searchMarkers, startIndex, static_cast<int64_t>(content.size()));
  typeListInsertGenericsAfter(txn, parent, n, std::move(content));
}

void typeListPushGenerics(Transaction& txn, TypeBase* parent, std::vector<Out>&& content) {
  // Start from the marker with the highest index and walk right.
  Item* n = parent->start;
  uint64_t best = 0;
  if (parent->searchMarkers) {
    for (auto& m : *parent->searchMarkers) {
      if (m.index > best) { best = m.index; n = m.p; }
    }
  }
  if (n) {
    while (n->right) n = n->right;
  }
  typeListInsertGenericsAfter(txn, parent, n, std::move(content));
}

void typeListDelete(Transaction& txn, TypeBase* parent, uint64_t index, uint64_t length) {
  if (length == 0) return;
  const uint64_t startIndex = index;
  const uint64_t startLength = length;
  SearchMarker* marker = findMarker(parent, index);
  Item* n = parent->start;
  if (marker) {
    n = marker->p;
    index -= marker->index;
  }
  StructStore& store = txn.doc->store;
  for (; n && index > 0; n = n->right) {
    if (!n->isDeleted() && n->countable()) {
      if (index < n->length) store.getItemCleanStart(txn, ID{n->id.client, n->id.clock + index});
      index -= std::min<uint64_t>(index, n->length);
    }
  }
  while (length > 0 && n) {
    if (!n->isDeleted()) {
      if (length < n->length) store.getItemCleanStart(txn, ID{n->id.client, n->id.clock + length});
      n->deleteItem(txn);
      length -= std::min<uint64_t>(length, n->length);
    }
    n = n->right;
  }
  if (length > 0) throw std::out_of_range("Length exceeded!");
  if (parent->searchMarkers) {
    updateMarkerChanges(*parent->searchMarkers, startIndex, -static_cast<int64_t>(startLength) + static_cast<int64_t>(length));
  }
}

std::vector<Out> typeListToArray(const TypeBase* t) {
  std::vector<Out> out;
  for (Item* n = t->start; n; n = n->right) {
    if (n->countable() && !n->isDeleted()) n->content->getContent(out);
  }
  return out;
}

bool typeListGet(TypeBase* t, uint64_t index, Out* out) {
  SearchMarker* marker = findMarker(t, index);
  Item* n = t->start;
  if (marker) {
    n = marker->p;
    index -= marker->index;
  }
  for (; n; n = n->right) {
    if (!n->isDeleted() && n->countable()) {
      if (index < n->length) {
        std::vector<Out> content;
        n->content->getContent(content);
        *out = std::move(content[index]);
        return true;
      }
      index -= n->length;
    }
  }
  return false;
}

}  // namespace roundtable::crdt
