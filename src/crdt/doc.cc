// The public API: thin handles over the internal types.
#include "roundtable/crdt/doc.h"

#include <stdexcept>

#include "crdt/doc_impl.h"
#include "lib0/decoder.h"
#include "lib0/utf.h"
#include "crdt/structs/struct.h"
#include "crdt/types/event.h"
#include "crdt/types/text.h"
#include "crdt/update/merge.h"

namespace roundtable::crdt {

namespace {

Out toOut(Input&& in) {
  if (in.type) {
    auto* t = new TypeBase(in.type->kind, in.type->nodeName);
    return Out{Out::Kind::kType, Value(), t};
  }
  return Out{Out::Kind::kValue, std::move(in.value), nullptr};
}

Entry toEntry(Out&& o) {
  Entry e;
  switch (o.kind) {
    case Out::Kind::kValue: e.kind = Entry::Kind::kValue; e.value = std::move(o.value); break;
    case Out::Kind::kType: e.kind = Entry::Kind::kType; e.type = o.type; break;
    case Out::Kind::kDoc: e.kind = Entry::Kind::kSubdoc; e.value = std::move(o.value); break;
  }
  return e;
}

void transactOn(TypeBase* t, const std::function<void(Transaction&)>& f) { t->doc->transact(f); }

// Map operations shared by Map, Text attributes and XmlElement attributes.
void mapSet(TypeBase* t, std::string_view key, Input&& v) {
  transactOn(t, [&](Transaction& txn) { typeMapSet(txn, t, key, toOut(std::move(v))); });
}
void mapErase(TypeBase* t, std::string_view key) {
  transactOn(t, [&](Transaction& txn) { typeMapDelete(txn, t, key); });
}
std::optional<Entry> mapGet(const TypeBase* t, std::string_view key) {
  Out o;
  if (!typeMapGet(t, key, &o)) return std::nullopt;
  return toEntry(std::move(o));
}

// Inserts one new, empty type at index and returns it (invalid if out of range).
TypeRef insertNewType(TypeBase* t, size_t index, NewType type) {
  if (index > t->length) return TypeRef();
  std::vector<Out> content;
  content.push_back(toOut(Input(std::move(type))));
  TypeBase* created = content.back().type;
  transactOn(t, [&](Transaction& txn) { typeListInsertGenerics(txn, t, index, std::move(content)); });
  return TypeRef(created);
}

// Runs f, turning a decoding failure of untrusted bytes into InvalidArgument.
template <typename F>
Status guardDecode(const char* what, F&& f) {
  try {
    f();
    return Status::Ok();
  } catch (const lib0::DecodeError& e) {
    return Status::InvalidArgument(std::string("malformed ") + what + ": " + e.what());
  }
}

}  // namespace

TypeRef Entry::asType() const { return TypeRef(type); }

// --- TypeRef ---
TypeKind TypeRef::kind() const { return t_->kind; }
Value TypeRef::toJSON() const { return typeToJSON(t_); }
std::string TypeRef::toString() const { return typeToString(t_); }
ObserverId TypeRef::observe(Observer fn) {
  ObserverId id = t_->doc->nextObserverId++;
  t_->observers.emplace_back(id, std::move(fn));
  return id;
}
ObserverId TypeRef::observeDeep(DeepObserver fn) {
  ObserverId id = t_->doc->nextObserverId++;
  t_->deepObservers.emplace_back(id, std::move(fn));
  return id;
}
void TypeRef::unobserve(ObserverId id) {
  std::erase_if(t_->observers, [&](auto& p) { return p.first == id; });
  std::erase_if(t_->deepObservers, [&](auto& p) { return p.first == id; });
}

// --- Map ---
void Map::set(std::string_view key, Input v) { mapSet(t_, key, std::move(v)); }
TypeRef Map::setType(std::string_view key, NewType t) {
  Out o = toOut(Input(std::move(t)));
  TypeBase* created = o.type;
  transactOn(t_, [&](Transaction& txn) { typeMapSet(txn, t_, key, std::move(o)); });
  return TypeRef(created);
}
void Map::erase(std::string_view key) { mapErase(t_, key); }
std::optional<Entry> Map::get(std::string_view key) const { return mapGet(t_, key); }
bool Map::has(std::string_view key) const { return typeMapHas(t_, key); }
size_t Map::size() const { return typeMapGetAll(t_).size(); }
std::vector<std::string> Map::keys() const {
  std::vector<std::string> keys;
  for (auto& [k, v] : typeMapGetAll(t_)) keys.push_back(k);
  return keys;
}
void Map::clear() {
  transactOn(t_, [&](Transaction& txn) {
    for (auto& [k, v] : typeMapGetAll(t_)) typeMapDelete(txn, t_, k);
  });
}

// --- list helpers ---
static Status listInsert(TypeBase* t, size_t index, std::vector<Input>&& values) {
  if (index > t->length) return Status::InvalidArgument("index " + std::to_string(index) + " beyond length " + std::to_string(t->length));
  std::vector<Out> content;
  for (Input& v : values) content.push_back(toOut(std::move(v)));
  transactOn(t, [&](Transaction& txn) { typeListInsertGenerics(txn, t, index, std::move(content)); });
  return Status::Ok();
}
static Status listErase(TypeBase* t, size_t index, size_t count) {
  if (index > t->length || count > t->length - index) return Status::InvalidArgument("range beyond length " + std::to_string(t->length));
  transactOn(t, [&](Transaction& txn) { typeListDelete(txn, t, index, count); });
  return Status::Ok();
}
static std::optional<Entry> listGet(TypeBase* t, size_t index) {
  Out o;
  if (!typeListGet(t, index, &o)) return std::nullopt;
  return toEntry(std::move(o));
}
static std::vector<Entry> listToArray(TypeBase* t) {
  std::vector<Entry> out;
  for (Out& o : typeListToArray(t)) out.push_back(toEntry(std::move(o)));
  return out;
}

// --- Array ---
size_t Array::length() const { return t_->length; }
Status Array::insert(size_t index, std::vector<Input> values) { return listInsert(t_, index, std::move(values)); }
Status Array::push(std::vector<Input> values) {
  std::vector<Out> content;
  for (Input& v : values) content.push_back(toOut(std::move(v)));
  transactOn(t_, [&](Transaction& txn) { typeListPushGenerics(txn, t_, std::move(content)); });
  return Status::Ok();
}
Status Array::erase(size_t index, size_t count) { return listErase(t_, index, count); }
std::optional<Entry> Array::get(size_t index) const { return listGet(t_, index); }
std::vector<Entry> Array::toArray() const { return listToArray(t_); }

// --- Text ---
size_t Text::length() const { return t_->length; }
Status Text::insert(size_t index, std::string_view text, const Value* attributes) {
  if (index > t_->length) return Status::InvalidArgument("index beyond text length");
  TextInsert ins;
  ins.str = lib0::utf8ToUtf16(text);
  transactOn(t_, [&](Transaction& txn) { textInsert(txn, t_, index, std::move(ins), attributes); });
  return Status::Ok();
}
Status Text::insertEmbed(size_t index, Input embed, const Value* attributes) {
  if (index > t_->length) return Status::InvalidArgument("index beyond text length");
  TextInsert ins;
  if (embed.type) {
    ins.kind = TextInsert::Kind::kType;
    ins.type = new TypeBase(embed.type->kind, embed.type->nodeName);
  } else {
    ins.kind = TextInsert::Kind::kEmbed;
    ins.embed = std::move(embed.value);
  }
  Value attrs = attributes ? *attributes : Value::object();
  transactOn(t_, [&](Transaction& txn) { textInsert(txn, t_, index, std::move(ins), &attrs); });
  return Status::Ok();
}
Status Text::erase(size_t index, size_t count) {
  if (index > t_->length || count > t_->length - index) return Status::InvalidArgument("range beyond text length");
  transactOn(t_, [&](Transaction& txn) { textDelete(txn, t_, index, count); });
  return Status::Ok();
}
Status Text::format(size_t index, size_t count, const Value& attributes) {
  if (!attributes.isObject()) return Status::InvalidArgument("attributes must be an object");
  transactOn(t_, [&](Transaction& txn) { textFormat(txn, t_, index, count, attributes); });
  return Status::Ok();
}
void Text::applyDelta(const std::vector<TextDeltaOp>& delta) {
  std::vector<DeltaOp> ops;
  for (const TextDeltaOp& d : delta) {
    DeltaOp op;
    op.attributes = d.attributes;
    switch (d.kind) {
      case TextDeltaOp::Kind::kInsert:
        op.kind = DeltaOp::Kind::kInsert;
        if (d.embed) {
          op.insert.kind = TextInsert::Kind::kEmbed;
          op.insert.embed = *d.embed;
        } else {
          op.insert.str = lib0::utf8ToUtf16(d.text);
        }
        break;
      case TextDeltaOp::Kind::kRetain: op.kind = DeltaOp::Kind::kRetain; op.length = d.length; break;
      case TextDeltaOp::Kind::kDelete: op.kind = DeltaOp::Kind::kDelete; op.length = d.length; break;
    }
    ops.push_back(std::move(op));
  }
  transactOn(t_, [&](Transaction& txn) { textApplyDelta(txn, t_, std::move(ops)); });
}
std::vector<TextDeltaOp> Text::toDelta() const {
  std::vector<TextDeltaOp> out;
  for (DeltaOp& op : textToDelta(t_)) {
    TextDeltaOp d;
    d.attributes = op.attributes;
    switch (op.insert.kind) {
      case TextInsert::Kind::kString: d.text = lib0::utf16ToUtf8(op.insert.str); break;
      case TextInsert::Kind::kEmbed: d.embed = op.insert.embed; break;
      case TextInsert::Kind::kType: d.type = op.insert.type; break;
    }
    out.push_back(std::move(d));
  }
  return out;
}
Value Text::toDeltaJSON() const { return deltaToJSON(textToDelta(t_)); }
void Text::setAttribute(std::string_view key, Input v) { mapSet(t_, key, std::move(v)); }
void Text::removeAttribute(std::string_view key) { mapErase(t_, key); }
std::optional<Entry> Text::getAttribute(std::string_view key) const { return mapGet(t_, key); }

// --- XmlFragment / XmlElement ---
size_t XmlFragment::length() const { return t_->length; }
TypeRef XmlFragment::insertElement(size_t index, std::string_view nodeName) {
  return insertNewType(t_, index, NewType{TypeKind::kXmlElement, std::string(nodeName)});
}
TypeRef XmlFragment::insertText(size_t index) { return insertNewType(t_, index, NewType{TypeKind::kXmlText, {}}); }
Status XmlFragment::insert(size_t index, std::vector<Input> children) { return listInsert(t_, index, std::move(children)); }
Status XmlFragment::erase(size_t index, size_t count) { return listErase(t_, index, count); }
std::optional<Entry> XmlFragment::get(size_t index) const { return listGet(t_, index); }
std::vector<Entry> XmlFragment::toArray() const { return listToArray(t_); }
std::string XmlElement::nodeName() const { return t_->name; }
void XmlElement::setAttribute(std::string_view key, Input v) { mapSet(t_, key, std::move(v)); }
void XmlElement::removeAttribute(std::string_view key) { mapErase(t_, key); }
std::optional<Entry> XmlElement::getAttribute(std::string_view key) const { return mapGet(t_, key); }
std::vector<std::pair<std::string, Entry>> XmlElement::getAttributes() const {
  std::vector<std::pair<std::string, Entry>> out;
  for (auto& [k, o] : typeMapGetAll(t_)) out.emplace_back(k, toEntry(std::move(o)));
  return out;
}

// --- Doc ---
Doc::Doc(DocOptions options)
    : impl_(std::make_unique<DocImpl>(options.clientId ? *options.clientId : generateClientId(), options.gc)) {}
Doc::~Doc() = default;
ClientId Doc::clientId() const { return impl_->clientId; }
TypeRef Doc::getRoot(std::string_view name, TypeKind kind) { return TypeRef(impl_->getRoot(name, kind)); }
Map Doc::getMap(std::string_view name) { return Map(impl_->getRoot(name, TypeKind::kMap)); }
Array Doc::getArray(std::string_view name) { return Array(impl_->getRoot(name, TypeKind::kArray)); }
Text Doc::getText(std::string_view name) { return Text(impl_->getRoot(name, TypeKind::kText)); }
XmlFragment Doc::getXmlFragment(std::string_view name) { return XmlFragment(impl_->getRoot(name, TypeKind::kXmlFragment)); }
XmlElement Doc::getXmlElement(std::string_view name) { return XmlElement(impl_->getRoot(name, TypeKind::kXmlElement)); }
std::vector<std::string> Doc::rootNames() const {
  std::vector<std::string> names;
  for (auto& [k, t] : impl_->share) names.push_back(*k);
  return names;
}
bool Doc::hasRoot(std::string_view name) const { return impl_->findRoot(name) != nullptr; }
void Doc::transact(const std::function<void(Transaction&)>& f, const void* origin) { impl_->transact(f, origin, true); }

namespace {
Status applyUpdateIn(DocImpl& impl, std::span<const uint8_t> update, const void* origin, UpdateFormat format) {
  try {
    applyUpdate(impl, update, origin, format);
    return Status::Ok();
  } catch (const lib0::DecodeError& e) {
    return Status::InvalidArgument(std::string("malformed update: ") + e.what());
  } catch (const std::exception& e) {
    // An update that decodes but contradicts the document (yjs throws here
    // too). The document may hold part of it: callers should reload it.
    return Status::Internal(std::string("update could not be integrated: ") + e.what());
  }
}
}  // namespace

Status Doc::applyUpdate(std::span<const uint8_t> update, const void* origin) {
  return applyUpdateIn(*impl_, update, origin, UpdateFormat::kV1);
}

Status Doc::applyUpdateV2(std::span<const uint8_t> update, const void* origin) {
  return applyUpdateIn(*impl_, update, origin, UpdateFormat::kV2);
}

std::vector<uint8_t> Doc::encodeStateAsUpdate(std::span<const uint8_t> sv) const {
  std::vector<uint8_t> out;
  Status s = encodeStateAsUpdate(sv, &out);
  (void)s;
  return out;
}

Status Doc::encodeStateAsUpdate(std::span<const uint8_t> sv, std::vector<uint8_t>* out) const {
  return guardDecode("state vector", [&] { *out = crdt::encodeStateAsUpdate(*impl_, sv, UpdateFormat::kV1); });
}

std::vector<uint8_t> Doc::encodeStateAsUpdateV2(std::span<const uint8_t> sv) const {
  std::vector<uint8_t> out;
  Status s = encodeStateAsUpdateV2(sv, &out);
  (void)s;
  return out;
}

Status Doc::encodeStateAsUpdateV2(std::span<const uint8_t> sv, std::vector<uint8_t>* out) const {
  return guardDecode("input", [&] { *out = crdt::encodeStateAsUpdate(*impl_, sv, UpdateFormat::kV2); });
}

std::vector<uint8_t> Doc::encodeStateVector() const { return crdt::encodeStateVector(impl_->store.getStateVector()); }
StateVector Doc::stateVector() const { return impl_->store.getStateVector(); }

size_t Doc::pendingBytes() const {
  const StructStore& store = impl_->store;
  return (store.pendingStructs ? store.pendingStructs->update.size() : 0) +
         (store.pendingDs ? store.pendingDs->size() : 0);
}

Doc::Pending Doc::pending() const {
  const StructStore& store = impl_->store;
  Pending p;
  if (store.pendingStructs) {
    p.structs = store.pendingStructs->update;
    p.missing = store.pendingStructs->missing;
  }
  if (store.pendingDs) p.deleteSet = *store.pendingDs;
  return p;
}

void Doc::setPending(Pending pending) {
  StructStore& store = impl_->store;
  store.pendingStructs.reset();
  store.pendingDs.reset();
  if (!pending.structs.empty())
    store.pendingStructs = StructStore::PendingStructs{std::move(pending.missing), std::move(pending.structs)};
  if (!pending.deleteSet.empty()) store.pendingDs = std::move(pending.deleteSet);
}

ObserverId Doc::onUpdate(UpdateCallback fn) {
  ObserverId id = impl_->nextObserverId++;
  impl_->updateCallbacks.emplace_back(id, [fn = std::move(fn)](std::span<const uint8_t> u, const void* origin, Transaction&) { fn(u, origin); });
  return id;
}
ObserverId Doc::onUpdateV2(UpdateCallback fn) {
  ObserverId id = impl_->nextObserverId++;
  impl_->updateV2Callbacks.emplace_back(id, [fn = std::move(fn)](std::span<const uint8_t> u, const void* origin, Transaction&) { fn(u, origin); });
  return id;
}
void Doc::off(ObserverId id) {
  std::erase_if(impl_->updateCallbacks, [&](auto& p) { return p.first == id; });
  std::erase_if(impl_->updateV2Callbacks, [&](auto& p) { return p.first == id; });
  std::erase_if(impl_->afterTransactionCallbacks, [&](auto& p) { return p.first == id; });
}

// --- updates.h ---
Status mergeUpdates(const std::vector<std::vector<uint8_t>>& updates, std::vector<uint8_t>* out) {
  return guardDecode("update", [&] { *out = crdt::mergeUpdates(updates, UpdateFormat::kV1); });
}
Status mergeUpdatesV2(const std::vector<std::vector<uint8_t>>& updates, std::vector<uint8_t>* out) {
  return guardDecode("update", [&] { *out = crdt::mergeUpdates(updates, UpdateFormat::kV2); });
}
Status diffUpdate(std::span<const uint8_t> update, std::span<const uint8_t> sv, std::vector<uint8_t>* out) {
  return guardDecode("update", [&] { *out = crdt::diffUpdate(update, sv, UpdateFormat::kV1); });
}
Status diffUpdateV2(std::span<const uint8_t> update, std::span<const uint8_t> sv, std::vector<uint8_t>* out) {
  return guardDecode("update", [&] { *out = crdt::diffUpdate(update, sv, UpdateFormat::kV2); });
}
Status encodeStateVectorFromUpdate(std::span<const uint8_t> update, std::vector<uint8_t>* out) {
  return guardDecode("update", [&] { *out = crdt::encodeStateVectorFromUpdate(update, UpdateFormat::kV1); });
}
Status encodeStateVectorFromUpdateV2(std::span<const uint8_t> update, std::vector<uint8_t>* out) {
  return guardDecode("update", [&] { *out = crdt::encodeStateVectorFromUpdate(update, UpdateFormat::kV2); });
}
Status stateVectorFromUpdate(std::span<const uint8_t> update, std::vector<uint8_t>* out) {
  return encodeStateVectorFromUpdate(update, out);
}
Status parseUpdateMeta(std::span<const uint8_t> update, UpdateMeta* out) {
  UpdateMeta meta;
  Status s = guardDecode("update", [&] { crdt::parseUpdateMeta(update, UpdateFormat::kV1, &meta.from, &meta.to); });
  if (s.ok()) *out = std::move(meta);
  return s;
}
Status parseUpdateMetaV2(std::span<const uint8_t> update, UpdateMeta* out) {
  UpdateMeta meta;
  Status s = guardDecode("update", [&] { crdt::parseUpdateMeta(update, UpdateFormat::kV2, &meta.from, &meta.to); });
  if (s.ok()) *out = std::move(meta);
  return s;
}
Status convertUpdateFormatV1ToV2(std::span<const uint8_t> update, std::vector<uint8_t>* out) {
  return guardDecode("update", [&] { *out = crdt::convertUpdateFormat(update, UpdateFormat::kV1, UpdateFormat::kV2); });
}
Status convertUpdateFormatV2ToV1(std::span<const uint8_t> update, std::vector<uint8_t>* out) {
  return guardDecode("update", [&] { *out = crdt::convertUpdateFormat(update, UpdateFormat::kV2, UpdateFormat::kV1); });
}

}  // namespace roundtable::crdt
