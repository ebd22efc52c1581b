// TypeBase basics: kinds, integration, wire refs, observers.
#include "crdt/types/type.h"

#include "crdt/doc_impl.h"
#include "lib0/decoder.h"
#include "crdt/structs/struct.h"
#include "crdt/transaction.h"
#include "crdt/types/event.h"
#include "crdt/update/update_coder.h"

namespace roundtable::crdt {

const char* typeKindName(TypeKind kind) {
  switch (kind) {
    case TypeKind::kArray: return "array";
    case TypeKind::kMap: return "map";
    case TypeKind::kText: return "text";
    case TypeKind::kXmlElement: return "xmlElement";
    case TypeKind::kXmlFragment: return "xmlFragment";
    case TypeKind::kXmlHook: return "xmlHook";
    case TypeKind::kXmlText: return "xmlText";
    case TypeKind::kAbstract: return "abstract";
  }
  return "unknown";
}

static bool kindUsesSearchMarkers(TypeKind k) {
  // yjs: YArray and YText (hence YXmlText) start with an empty marker list.
  return k == TypeKind::kArray || k == TypeKind::kText || k == TypeKind::kXmlText;
}

TypeBase::TypeBase(TypeKind k, std::string n) : kind(k), name(std::move(n)) {
  if (kindUsesSearchMarkers(k)) searchMarkers = std::make_unique<std::vector<SearchMarker>>();
}

TypeBase::~TypeBase() = default;

TypeBase* TypeBase::parentType() const { return item ? item->parent : nullptr; }

void TypeBase::setKind(TypeKind k) {
  kind = k;
  // yjs replaces the abstract root by a new typed instance, whose marker list
  // starts empty (and `_hasFormatting` false).
  searchMarkers.reset();
  if (kindUsesSearchMarkers(k)) searchMarkers = std::make_unique<std::vector<SearchMarker>>();
  hasFormatting = false;
}

void TypeBase::integrate(DocImpl* d, Item* it) {
  doc = d;
  item = it;
}

std::unique_ptr<TypeBase> TypeBase::copyEmpty() const { return std::make_unique<TypeBase>(kind, name); }

void TypeBase::writeRef(UpdateEncoder& enc) const {
  switch (kind) {
    case TypeKind::kXmlElement:
    case TypeKind::kXmlHook:
      enc.writeTypeRef(static_cast<uint8_t>(kind));
      enc.writeKey(name);
      break;
    case TypeKind::kAbstract:
      throw std::logic_error("cannot write a type of unknown kind");
    default:
      enc.writeTypeRef(static_cast<uint8_t>(kind));
  }
}

std::unique_ptr<TypeBase> readTypeRef(UpdateDecoder& dec) {
  uint64_t ref = dec.readTypeRef();
  switch (ref) {
    case 0: return std::make_unique<TypeBase>(TypeKind::kArray);
    case 1: return std::make_unique<TypeBase>(TypeKind::kMap);
    case 2: return std::make_unique<TypeBase>(TypeKind::kText);
    case 3: return std::make_unique<TypeBase>(TypeKind::kXmlElement, dec.readKey());
    case 4: return std::make_unique<TypeBase>(TypeKind::kXmlFragment);
    case 5: return std::make_unique<TypeBase>(TypeKind::kXmlHook, dec.readKey());
    case 6: return std::make_unique<TypeBase>(TypeKind::kXmlText);
    default: throw lib0::DecodeError("unknown type ref " + std::to_string(ref));
  }
}

void TypeBase::callObserver(Transaction& txn, const std::vector<const std::string*>& subs) {
  if ((kind == TypeKind::kArray || isTextKind()) && !txn.local && searchMarkers) searchMarkers->clear();
  // Events are only built when someone listens: this type, or an ancestor deeply.
  bool deepListener = false;
  for (const TypeBase* t = this; t; t = t->parentType()) {
    if (!t->deepObservers.empty()) { deepListener = true; break; }
  }
  if (!observers.empty() || deepListener) {
    txn.events.push_back(std::make_unique<Event>(this, &txn, subs));
    Event* event = txn.events.back().get();
    for (TypeBase* t = this; t; t = t->parentType()) txn.addDeepEvent(t, event);
    auto callbacks = observers;  // observers may unsubscribe while being called
    for (auto& [id, fn] : callbacks) fn(*event, txn);
  }
  if (isTextKind() && !txn.local && hasFormatting) txn.needFormattingCleanup = true;
}

}  // namespace roundtable::crdt
