// Untrusted updates in format v2, and updates given to the functions that
// work without a document: malformed bytes give an error, never a crash, an
// unbounded allocation or a changed document. v2 adds what v1 cannot say:
// columns whose runs claim up to 2^53 repetitions in a few bytes.
#include <gtest/gtest.h>

#include <random>

#include "lib0/encoder.h"
#include "roundtable/crdt/doc.h"
#include "roundtable/crdt/updates.h"

namespace roundtable::crdt {
namespace {

std::vector<uint8_t> sampleV1() {
  Doc doc(DocOptions{.clientId = 7});
  EXPECT_TRUE(doc.getText("text").insert(0, "hello 😀 world").ok());
  Value::Object o;
  o.set("bold", Value(true));
  (void)doc.getText("text").format(0, 5, Value(std::move(o)));
  doc.getMap("map").set("k", Value("v"));
  TypeRef nested = doc.getMap("map").setType("nested", NewType{TypeKind::kArray, {}});
  (void)Array(nested.impl()).insert(0, {Value(1), Value("x")});
  TypeRef el = doc.getXmlFragment("xml").insertElement(0, "p");
  XmlElement(el.impl()).setAttribute("id", Value("a"));
  (void)doc.getText("text").erase(2, 3);
  return doc.encodeStateAsUpdate();
}

std::vector<uint8_t> sampleV2() {
  std::vector<uint8_t> v2;
  EXPECT_TRUE(convertUpdateFormatV1ToV2(sampleV1(), &v2).ok());
  return v2;
}

struct V2Target {
  Doc doc{DocOptions{.clientId = 99}};
  V2Target() {
    EXPECT_TRUE(doc.getText("text").insert(0, "mine").ok());
    doc.getMap("map").set("own", Value(1));
  }
};

// Applies the bytes as v2 and runs every update function on them: each
// either succeeds or fails with InvalidArgument, leaving its output alone.
void expectV2RejectedOrApplied(const std::vector<uint8_t>& bytes) {
  V2Target t;
  const std::vector<uint8_t> before = t.doc.encodeStateAsUpdate();
  Status s = t.doc.applyUpdateV2(bytes);
  if (!s.ok()) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
    EXPECT_EQ(t.doc.encodeStateAsUpdate(), before) << "a rejected update changed the document";
  }
  EXPECT_TRUE(t.doc.getText("text").insert(0, "x").ok());
  (void)t.doc.encodeStateAsUpdateV2();

  const std::vector<uint8_t> untouched = {0xAB};
  std::vector<uint8_t> out = untouched;
  auto check = [&](Status st) {
    if (!st.ok()) {
      EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(out, untouched);
    }
    out = untouched;
  };
  check(mergeUpdatesV2({bytes, sampleV2()}, &out));
  static const uint8_t kSv[] = {1, 7, 3};
  check(diffUpdateV2(bytes, kSv, &out));
  check(encodeStateVectorFromUpdateV2(bytes, &out));
  check(convertUpdateFormatV2ToV1(bytes, &out));
  check(convertUpdateFormatV1ToV2(bytes, &out));
  check(mergeUpdates({bytes, sampleV1()}, &out));
  UpdateMeta meta;
  (void)parseUpdateMetaV2(bytes, &meta);
}

TEST(MalformedV2, EveryTruncationIsRejectedCleanly) {
  const std::vector<uint8_t> full = sampleV2();
  for (size_t n = 0; n < full.size(); n++) {
    std::vector<uint8_t> prefix(full.begin(), full.begin() + n);
    V2Target t;
    const std::vector<uint8_t> before = t.doc.encodeStateAsUpdate();
    Status s = t.doc.applyUpdateV2(prefix);
    EXPECT_FALSE(s.ok()) << "prefix of " << n << " bytes accepted";
    EXPECT_EQ(t.doc.encodeStateAsUpdate(), before);
    std::vector<uint8_t> out;
    EXPECT_FALSE(convertUpdateFormatV2ToV1(prefix, &out).ok()) << n;
  }
}

TEST(MalformedV2, RandomBytes) {
  std::mt19937 rng(4242);
  for (int i = 0; i < 2000; i++) {
    std::vector<uint8_t> bytes(rng() % 64);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    // Most random bytes fail at the column header; start some with a valid one.
    if (i % 2 && bytes.size() > 12) {
      bytes[0] = 0;
      for (int c = 1; c <= 9; c++) bytes[c] = static_cast<uint8_t>(rng() % 3);
    }
    expectV2RejectedOrApplied(bytes);
  }
}

TEST(MalformedV2, MutationsOfAValidUpdate) {
  const std::vector<uint8_t> full = sampleV2();
  std::mt19937 rng(99);
  for (int i = 0; i < 3000; i++) {
    std::vector<uint8_t> bytes = full;
    int changes = 1 + rng() % 3;
    for (int c = 0; c < changes; c++) {
      size_t pos = rng() % bytes.size();
      if (rng() % 2) bytes[pos] ^= static_cast<uint8_t>(1u << (rng() % 8));
      else bytes[pos] = static_cast<uint8_t>(rng());
    }
    expectV2RejectedOrApplied(bytes);
  }
}

// A v2 update from raw columns: key clocks, clients, left clocks, right
// clocks, infos, strings, parent infos, type refs, lengths; then the rest.
std::vector<uint8_t> v2Update(const std::vector<std::vector<uint8_t>>& columns, const std::vector<uint8_t>& rest) {
  lib0::Encoder e;
  e.writeVarUint(0);
  for (const auto& c : columns) e.writeVarUint8Array(c);
  e.writeUint8Array(rest);
  return e.take();
}

std::vector<uint8_t> bytesOf(const std::function<void(lib0::Encoder&)>& f) {
  lib0::Encoder e;
  f(e);
  return e.take();
}

TEST(MalformedV2, RunsClaimingHugeLengthsAllocateNothing) {
  // Infos: GC forever (the last run of an Rle column repeats); lengths: 1,
  // repeated 2^50 times; the rest claims 2^40 structs of one client.
  const std::vector<uint8_t> infos = {0};
  const auto lens = bytesOf([](lib0::Encoder& e) {
    e.writeVarIntParts(1, true);
    e.writeVarUint(uint64_t{1} << 50);
  });
  const auto clients = bytesOf([](lib0::Encoder& e) { e.writeVarIntParts(5, false); });
  const auto rest = bytesOf([](lib0::Encoder& e) {
    e.writeVarUint(1);
    e.writeVarUint(uint64_t{1} << 40);
    e.writeVarUint(0);
  });
  const auto update = v2Update({{}, clients, {}, {}, infos, bytesOf([](lib0::Encoder& e) { e.writeVarString(""); }), {}, {}, lens}, rest);
  V2Target t;
  const std::vector<uint8_t> before = t.doc.encodeStateAsUpdate();
  Status s = t.doc.applyUpdateV2(update);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("more structs than its size allows"), std::string::npos) << s.message();
  EXPECT_EQ(t.doc.encodeStateAsUpdate(), before);
  std::vector<uint8_t> out;
  EXPECT_FALSE(mergeUpdatesV2({update, update}, &out).ok());
  EXPECT_FALSE(convertUpdateFormatV2ToV1(update, &out).ok());

  // The same columns with 1,000 structs claimed: legal, and cheap.
  const auto rest1000 = bytesOf([](lib0::Encoder& e) {
    e.writeVarUint(1);
    e.writeVarUint(1000);
    e.writeVarUint(0);
    e.writeVarUint(0);  // no deletes
  });
  const auto small = v2Update({{}, clients, {}, {}, infos, bytesOf([](lib0::Encoder& e) { e.writeVarString(""); }), {}, {}, lens}, rest1000);
  ASSERT_TRUE(convertUpdateFormatV2ToV1(small, &out).ok());
  Doc doc;
  ASSERT_TRUE(doc.applyUpdateV2(small).ok());
  ASSERT_EQ(doc.stateVector().size(), 1u);
  EXPECT_EQ(doc.stateVector()[0].second, 1000u);  // the GC structs merged into one

  // A string column whose lengths claim 2^50 characters: reading past the
  // text gives "" (as JavaScript's slice does), an empty string item, an error.
  const auto strings = bytesOf([](lib0::Encoder& e) {
    e.writeVarString("ab");
    e.writeVarIntParts(1, true);
    e.writeVarUint(uint64_t{1} << 50);
  });
  const std::vector<uint8_t> stringInfos = {4};  // string content, parent info follows
  const std::vector<uint8_t> parentInfos = {1};  // parent is a root name (read from the strings too)
  const auto update2 = v2Update({{}, clients, {}, {}, stringInfos, strings, parentInfos, {}, {}}, rest1000);
  EXPECT_FALSE(doc.applyUpdateV2(update2).ok());

  // Delete ranges whose clocks climb past 2^53.
  const auto dsRest = bytesOf([](lib0::Encoder& e) {
    e.writeVarUint(0);  // no structs
    e.writeVarUint(1);
    e.writeVarUint(5);
    e.writeVarUint(2);
    e.writeVarUint((uint64_t{1} << 53) - 2);
    e.writeVarUint(0);
    e.writeVarUint(5);
    e.writeVarUint(0);
  });
  EXPECT_FALSE(doc.applyUpdateV2(v2Update({{}, {}, {}, {}, {}, bytesOf([](lib0::Encoder& e) { e.writeVarString(""); }), {}, {}, {}}, dsRest)).ok());
}

// Found by roundtable_update_v2_fuzz: a client listed twice in a delete set
// gives that client's ranges out of order; as pending deletes they must
// still encode in v2 (the merge sorts them).
TEST(MalformedV2, PendingDeletesOutOfOrderStillEncode) {
  const auto rest = bytesOf([](lib0::Encoder& e) {
    e.writeVarUint(0);  // no structs
    e.writeVarUint(2);  // two delete-set entries, both client 6
    for (uint64_t clock : {10, 2}) {
      e.writeVarUint(6);
      e.writeVarUint(1);
      e.writeVarUint(clock);
      e.writeVarUint(0);  // length 1
    }
  });
  const auto emptyStrings = bytesOf([](lib0::Encoder& e) { e.writeVarString(""); });
  const auto update = v2Update({{}, {}, {}, {}, {}, emptyStrings, {}, {}, {}}, rest);
  Doc doc;
  ASSERT_TRUE(doc.applyUpdateV2(update).ok());
  std::vector<uint8_t> state;
  ASSERT_TRUE(doc.encodeStateAsUpdateV2({}, &state).ok());
  Doc other;
  ASSERT_TRUE(other.applyUpdateV2(state).ok());
  EXPECT_EQ(other.encodeStateAsUpdateV2(), state);
  EXPECT_GT(other.pendingBytes(), 0u);
  // Written as they are, the ranges cannot be v2 (yjs writes garbage there).
  std::vector<uint8_t> v1, out;
  ASSERT_TRUE(convertUpdateFormatV2ToV1(update, &v1).ok());
  EXPECT_EQ(convertUpdateFormatV1ToV2(v1, &out).code(), StatusCode::kInvalidArgument);
}

// Found by roundtable_update_v2_fuzz: v2 reads embeds and format values with
// readAny, which can give what JSON cannot hold; such an item is refused, so
// every document can still be written in v1.
TEST(MalformedV2, EmbedThatJSONCannotHoldIsRefused) {
  for (uint8_t any : {uint8_t{127}, uint8_t{122}}) {  // undefined; a bigint follows
    const auto rest = bytesOf([any](lib0::Encoder& e) {
      e.writeVarUint(1);  // one client
      e.writeVarUint(1);  // one struct
      e.writeVarUint(0);  // clock 0
      e.writeUint8(any);
      if (any == 122) e.writeBigInt64(7);
      e.writeVarUint(0);  // no deletes
    });
    const auto strings = bytesOf([](lib0::Encoder& e) {
      e.writeVarString("text");
      e.writeVarIntParts(4, false);
    });
    const std::vector<uint8_t> clients = {5}, infos = {5}, parentInfos = {1};
    Doc doc;
    Status s = doc.applyUpdateV2(v2Update({{}, clients, {}, {}, infos, strings, parentInfos, {}, {}}, rest));
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.message();
    EXPECT_TRUE(doc.stateVector().empty());
  }
}

TEST(MalformedV2, ZeroLengthDeleteRangeCannotBecomeV2) {
  // v1 allows a delete range of length 0; v2 writes length - 1 (yjs throws).
  const std::vector<uint8_t> v1 = {0, 1, 5, 1, 3, 0};
  std::vector<uint8_t> out = {1};
  Status s = convertUpdateFormatV1ToV2(v1, &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out, std::vector<uint8_t>{1});
  EXPECT_TRUE(convertUpdateFormatV1ToV2(std::vector<uint8_t>{0, 1, 5, 1, 3, 1}, &out).ok());
}

}  // namespace
}  // namespace roundtable::crdt
