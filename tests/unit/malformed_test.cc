// Untrusted updates: malformed bytes give an error, never a crash, an
// unbounded allocation or a changed document.
#include <gtest/gtest.h>

#include <random>

#include "lib0/encoder.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::crdt {
namespace {

std::vector<uint8_t> sampleUpdate() {
  Doc doc(DocOptions{.clientId = 7});
  EXPECT_TRUE(doc.getText("text").insert(0, "hello 😀 world").ok());
  Value bold = Value::object();
  {
    Value::Object o;
    o.set("bold", Value(true));
    bold = Value(std::move(o));
  }
  (void)doc.getText("text").format(0, 5, bold);
  doc.getMap("map").set("k", Value("v"));
  TypeRef nested = doc.getMap("map").setType("nested", NewType{TypeKind::kArray, {}});
  (void)Array(nested.impl()).insert(0, {Value(1), Value("x")});
  auto frag = doc.getXmlFragment("xml");
  TypeRef el = frag.insertElement(0, "p");
  XmlElement(el.impl()).setAttribute("id", Value("a"));
  (void)doc.getText("text").erase(2, 3);
  return doc.encodeStateAsUpdate();
}

// A document with some content of its own, to check that failures leave it alone.
struct Target {
  Doc doc{DocOptions{.clientId = 99}};
  Target() {
    EXPECT_TRUE(doc.getText("text").insert(0, "mine").ok());
    doc.getMap("map").set("own", Value(1));
  }
};

void expectRejectedOrApplied(const std::vector<uint8_t>& bytes) {
  Target t;
  std::vector<uint8_t> before = t.doc.encodeStateAsUpdate();
  Status s = t.doc.applyUpdate(bytes);
  if (!s.ok()) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(t.doc.encodeStateAsUpdate(), before) << "a rejected update changed the document";
  }
  // Either way the document stays usable and encodable.
  EXPECT_TRUE(t.doc.getText("text").insert(0, "x").ok());
  (void)t.doc.encodeStateAsUpdate();
  (void)t.doc.getMap("map").toJSON();
}

TEST(Malformed, EveryTruncationIsRejectedCleanly) {
  std::vector<uint8_t> full = sampleUpdate();
  for (size_t n = 0; n < full.size(); n++) {
    std::vector<uint8_t> prefix(full.begin(), full.begin() + n);
    Target t;
    std::vector<uint8_t> before = t.doc.encodeStateAsUpdate();
    Status s = t.doc.applyUpdate(prefix);
    EXPECT_FALSE(s.ok()) << "prefix of " << n << " bytes accepted";
    EXPECT_EQ(t.doc.encodeStateAsUpdate(), before);
  }
}

TEST(Malformed, RandomBytes) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 3000; i++) {
    std::vector<uint8_t> bytes(rng() % 64);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    expectRejectedOrApplied(bytes);
  }
}

TEST(Malformed, BitFlipsAndByteChangesOfAValidUpdate) {
  std::vector<uint8_t> full = sampleUpdate();
  std::mt19937 rng(777);
  for (int i = 0; i < 4000; i++) {
    std::vector<uint8_t> bytes = full;
    int changes = 1 + rng() % 3;
    for (int c = 0; c < changes; c++) {
      size_t pos = rng() % bytes.size();
      if (rng() % 2) bytes[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      else bytes[pos] = static_cast<uint8_t>(rng());
    }
    expectRejectedOrApplied(bytes);
  }
}

TEST(Malformed, LengthsClaimingGigabytesAllocateNothing) {
  // One client, one struct: a string item whose length claims 2^40 bytes.
  lib0::Encoder e;
  e.writeVarUint(1);         // clients
  e.writeVarUint(1);         // structs
  e.writeVarUint(5);         // client
  e.writeVarUint(0);         // clock
  e.writeUint8(4);           // info: string, no origins -> parent info follows
  e.writeVarUint(1);         // parent is a root name
  e.writeVarString("text");
  e.writeVarUint(uint64_t{1} << 40);  // string byte length
  Doc doc;
  EXPECT_FALSE(doc.applyUpdate(e.data()).ok());

  lib0::Encoder any;  // an Any content claiming 2^40 elements
  any.writeVarUint(1); any.writeVarUint(1); any.writeVarUint(5); any.writeVarUint(0);
  any.writeUint8(8); any.writeVarUint(1); any.writeVarString("array");
  any.writeVarUint(uint64_t{1} << 40);
  EXPECT_FALSE(doc.applyUpdate(any.data()).ok());

  lib0::Encoder structs;  // 2^50 structs claimed
  structs.writeVarUint(1); structs.writeVarUint(uint64_t{1} << 50);
  EXPECT_FALSE(doc.applyUpdate(structs.data()).ok());

  lib0::Encoder gc;  // a GC struct of 2^52 clocks: legal in yjs, costs no memory
  gc.writeVarUint(1); gc.writeVarUint(1); gc.writeVarUint(5); gc.writeVarUint(0);
  gc.writeUint8(0); gc.writeVarUint(uint64_t{1} << 52);
  gc.writeVarUint(0);
  EXPECT_TRUE(doc.applyUpdate(gc.data()).ok());
  EXPECT_EQ(doc.stateVector().size(), 1u);
}

TEST(Malformed, UnknownParentsWaitAsPending) {
  // An item whose parent is an item of a client we have never seen.
  lib0::Encoder e;
  e.writeVarUint(1); e.writeVarUint(1); e.writeVarUint(5); e.writeVarUint(0);
  e.writeUint8(4);            // string, parent info follows
  e.writeVarUint(0);          // parent is an item id
  e.writeVarUint(77); e.writeVarUint(3);
  e.writeVarString("orphan");
  e.writeVarUint(0);          // no deletes
  Doc doc;
  ASSERT_TRUE(doc.applyUpdate(e.data()).ok());
  EXPECT_TRUE(doc.stateVector().empty());  // pending, not integrated
  // The pending struct is part of the document's encoded state.
  Doc other;
  ASSERT_TRUE(other.applyUpdate(doc.encodeStateAsUpdate()).ok());
  EXPECT_TRUE(other.stateVector().empty());
}

TEST(Malformed, ParentThatIsNotATypeBecomesGarbage) {
  // Client 5 writes "ab" into the root text, then an item whose parent is
  // that string item: yjs turns it into a GC struct.
  lib0::Encoder e;
  e.writeVarUint(1); e.writeVarUint(2); e.writeVarUint(5); e.writeVarUint(0);
  e.writeUint8(4); e.writeVarUint(1); e.writeVarString("text"); e.writeVarString("ab");
  e.writeUint8(8); e.writeVarUint(0); e.writeVarUint(5); e.writeVarUint(0);
  e.writeVarUint(1); e.writeUint8(125); e.writeUint8(1);
  e.writeVarUint(0);
  Doc doc;
  ASSERT_TRUE(doc.applyUpdate(e.data()).ok());
  EXPECT_EQ(doc.getText("text").toString(), "ab");
  ASSERT_EQ(doc.stateVector().size(), 1u);
  EXPECT_EQ(doc.stateVector()[0].second, 3u);
}

}  // namespace
}  // namespace roundtable::crdt
