// The Yjs-compatible document: shared types, transactions, updates.
//
//   roundtable::crdt::Doc doc;
//   auto text = doc.getText("text");
//   text.insert(0, "hello");
//   std::vector<uint8_t> update = doc.encodeStateAsUpdate();
//
//   roundtable::crdt::Doc other;
//   Status s = other.applyUpdate(update);   // error on malformed bytes, doc unchanged
//
// Binary-compatible with the JavaScript `yjs` 13.6 package, in both update
// formats (v1, the default, and v2: the `V2` functions): the same edits in the
// same order give the same bytes. Updates without a document (merge, diff,
// convert): roundtable/crdt/updates.h. Text positions and
// lengths count UTF-16 code units, as yjs does.
//
// Thread safety: a Doc and its handles must be used from one thread at a time.
// Handles (Map, Array, Text, ...) are small views; they stay valid while the
// Doc lives (a type deleted by a peer keeps its handle, its content is empty).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "roundtable/lib0/value.h"
#include "roundtable/base/status.h"
#include "roundtable/crdt/type_kind.h"
#include "roundtable/crdt/updates.h"

namespace roundtable::crdt {

using lib0::Value;
using ObserverId = uint64_t;

class DocImpl;
class TypeBase;
class Transaction;
class Event;
class Doc;

// A new, empty shared type to insert into a list or map.
struct NewType {
  TypeKind kind;
  std::string nodeName;  // for kXmlElement (node name) and kXmlHook (hook name)
};

// One element to insert: a JSON-like value (a Binary value becomes its own
// binary item, as a Uint8Array does in yjs) or a new shared type.
struct Input {
  Input(Value v) : value(std::move(v)) {}
  Input(NewType t) : type(std::move(t)) {}
  Value value;
  std::optional<NewType> type;
};

class TypeRef;

// What a list position or map key holds.
struct Entry {
  enum class Kind { kValue, kType, kSubdoc } kind = Kind::kValue;
  Value value;  // kValue; kSubdoc: {guid, opts}
  TypeBase* type = nullptr;
  TypeRef asType() const;
};

// Base of all type handles.
class TypeRef {
 public:
  TypeRef() = default;
  explicit TypeRef(TypeBase* t) : t_(t) {}
  bool valid() const { return t_ != nullptr; }
  TypeKind kind() const;
  TypeBase* impl() const { return t_; }
  // yjs toJSON(): objects for maps, arrays for arrays, strings for text and XML.
  Value toJSON() const;
  // yjs toString(): text, or the XML string form.
  std::string toString() const;

  using Observer = std::function<void(const Event&, Transaction&)>;
  using DeepObserver = std::function<void(const std::vector<const Event*>&, Transaction&)>;
  ObserverId observe(Observer fn);
  ObserverId observeDeep(DeepObserver fn);
  void unobserve(ObserverId id);

 protected:
  TypeBase* t_ = nullptr;
};

class Map : public TypeRef {
 public:
  using TypeRef::TypeRef;
  void set(std::string_view key, Input v);
  // Sets a new empty type under key and returns its handle.
  TypeRef setType(std::string_view key, NewType t);
  void erase(std::string_view key);
  std::optional<Entry> get(std::string_view key) const;
  bool has(std::string_view key) const;
  size_t size() const;
  std::vector<std::string> keys() const;
  void clear();
};

class Array : public TypeRef {
 public:
  using TypeRef::TypeRef;
  size_t length() const;
  // Errors (InvalidArgument) on an index beyond the length.
  Status insert(size_t index, std::vector<Input> values);
  Status push(std::vector<Input> values);
  Status erase(size_t index, size_t count = 1);
  std::optional<Entry> get(size_t index) const;
  std::vector<Entry> toArray() const;
};

// A formatting delta op (yjs toDelta/applyDelta): insert text, an embed or a
// type with attributes; retain with attributes; delete.
struct TextDeltaOp {
  enum class Kind { kInsert, kRetain, kDelete } kind = Kind::kInsert;
  std::string text;             // kInsert of text (UTF-8)
  std::optional<Value> embed;   // kInsert of an embed
  TypeBase* type = nullptr;     // kInsert of a type (toDelta only)
  size_t length = 0;            // kRetain, kDelete
  Value attributes;             // an object, or undefined
};

class Text : public TypeRef {
 public:
  using TypeRef::TypeRef;
  // Length in UTF-16 code units.
  size_t length() const;
  // Inserts UTF-8 text at a UTF-16 index. Without attributes the text takes
  // the formatting around it. Errors on an index beyond the length.
  Status insert(size_t index, std::string_view text, const Value* attributes = nullptr);
  Status insertEmbed(size_t index, Input embed, const Value* attributes = nullptr);
  Status erase(size_t index, size_t count);
  Status format(size_t index, size_t count, const Value& attributes);
  void applyDelta(const std::vector<TextDeltaOp>& delta);
  std::vector<TextDeltaOp> toDelta() const;
  Value toDeltaJSON() const;
  void setAttribute(std::string_view key, Input v);
  void removeAttribute(std::string_view key);
  std::optional<Entry> getAttribute(std::string_view key) const;
};

class XmlFragment : public TypeRef {
 public:
  using TypeRef::TypeRef;
  size_t length() const;
  // Inserts a new XmlElement / XmlText at index and returns it.
  TypeRef insertElement(size_t index, std::string_view nodeName);
  TypeRef insertText(size_t index);
  Status insert(size_t index, std::vector<Input> children);
  Status erase(size_t index, size_t count = 1);
  std::optional<Entry> get(size_t index) const;
  std::vector<Entry> toArray() const;
};

class XmlElement : public XmlFragment {
 public:
  using XmlFragment::XmlFragment;
  std::string nodeName() const;
  void setAttribute(std::string_view key, Input v);
  void removeAttribute(std::string_view key);
  std::optional<Entry> getAttribute(std::string_view key) const;
  std::vector<std::pair<std::string, Entry>> getAttributes() const;
};

class XmlText : public Text {
 public:
  using Text::Text;
};

struct DocOptions {
  std::optional<ClientId> clientId;  // random when not given
  bool gc = true;                    // garbage-collect deleted content, as yjs does by default
};

class Doc {
 public:
  explicit Doc(DocOptions options = {});
  ~Doc();
  Doc(const Doc&) = delete;
  Doc& operator=(const Doc&) = delete;

  ClientId clientId() const;

  // Root types by name. Asking for a name with another kind than it was first
  // used with returns an invalid handle.
  Map getMap(std::string_view name);
  Array getArray(std::string_view name);
  Text getText(std::string_view name);
  XmlFragment getXmlFragment(std::string_view name);
  XmlElement getXmlElement(std::string_view name);
  TypeRef getRoot(std::string_view name, TypeKind kind);
  // Root names in the order they were first used.
  std::vector<std::string> rootNames() const;
  // Whether a root of that name exists: asked for, or named by an applied
  // update. Unlike the getters, asking creates nothing.
  bool hasRoot(std::string_view name) const;

  // Runs f in one transaction: observers and update callbacks fire once, after f.
  void transact(const std::function<void(Transaction&)>& f, const void* origin = nullptr);

  // Applies a v1 update. Missing dependencies are kept and applied once they
  // arrive. A malformed update returns InvalidArgument and changes nothing.
  Status applyUpdate(std::span<const uint8_t> update, const void* origin = nullptr);
  // The same for an update in format v2 (yjs applyUpdateV2).
  Status applyUpdateV2(std::span<const uint8_t> update, const void* origin = nullptr);
  // The document (or what a peer with `stateVector` lacks) as a v1 update.
  // A malformed state vector gives an empty result (the Status form says why).
  std::vector<uint8_t> encodeStateAsUpdate(std::span<const uint8_t> stateVector = {}) const;
  Status encodeStateAsUpdate(std::span<const uint8_t> stateVector, std::vector<uint8_t>* out) const;
  // The same as a v2 update (yjs encodeStateAsUpdateV2). State vectors have
  // one format for both.
  std::vector<uint8_t> encodeStateAsUpdateV2(std::span<const uint8_t> stateVector = {}) const;
  Status encodeStateAsUpdateV2(std::span<const uint8_t> stateVector, std::vector<uint8_t>* out) const;
  std::vector<uint8_t> encodeStateVector() const;
  StateVector stateVector() const;

  // What applyUpdate and applyUpdateV2 hold until its dependencies arrive
  // (yjs store.pendingStructs and store.pendingDs), kept as v1 updates
  // whichever format it came in (yjs keeps v2; the structs are the same).
  // encodeStateAsUpdate and encodeStateAsUpdateV2 include it.
  struct Pending {
    std::vector<uint8_t> structs;    // a v1 update; empty: none
    StateVector missing;             // per client, the first clock `structs` waits for
    std::vector<uint8_t> deleteSet;  // a v1 update of deletions only; empty: none
    size_t bytes() const { return structs.size() + deleteSet.size(); }
    bool operator==(const Pending&) const = default;
  };
  // The encoded size of what is pending (0: nothing waits).
  size_t pendingBytes() const;
  Pending pending() const;
  // Puts back what pending() returned: a caller that bounds pending data
  // takes back what one update added to it.
  void setPending(Pending pending);

  using UpdateCallback = std::function<void(std::span<const uint8_t> update, const void* origin)>;
  // Called after each transaction that changed something, with its v1 update.
  ObserverId onUpdate(UpdateCallback fn);
  // The same with its v2 update (yjs `updateV2`); called after every v1 callback.
  ObserverId onUpdateV2(UpdateCallback fn);
  void off(ObserverId id);

  DocImpl* impl() const { return impl_.get(); }

 private:
  std::unique_ptr<DocImpl> impl_;
};

}  // namespace roundtable::crdt
