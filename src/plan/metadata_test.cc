#include "plan/metadata.h"

#include <gtest/gtest.h>

namespace roundtable::plan {
namespace {

PlanMetadata sample() {
  PlanMetadata m;
  m.id = "p-1";
  m.title = "Rate limiter";
  m.status = "pending_review";
  m.pr = 42;
  m.createdAt = 1700000000000;
  m.updatedAt = 1700000000500;
  m.revision = 3;
  return m;
}

TEST(PlanMetadata, WrittenMetadataReadsBackFromAnotherDoc) {
  crdt::Doc author;
  writeMetadata(author, sample());
  // The reader learns the metadata map only from the update, as the hub does.
  crdt::Doc reader;
  ASSERT_TRUE(reader.applyUpdate(author.encodeStateAsUpdate()).ok());
  auto m = readMetadata(reader);
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(*m, sample());
}

TEST(PlanMetadata, ReadingADocThatIsNoPlanCreatesNothing) {
  crdt::Doc doc;
  ASSERT_TRUE(doc.getText("plan").insert(0, "not a plan").ok());
  EXPECT_FALSE(readMetadata(doc).has_value());
  EXPECT_FALSE(doc.hasRoot(kMetadataKey));
  EXPECT_EQ(doc.rootNames(), std::vector<std::string>{"plan"});
}

TEST(PlanMetadata, MetadataWithoutIdIsNoPlan) {
  crdt::Doc doc;
  doc.getMap(kMetadataKey).set("title", lib0::Value(std::string("no id")));
  EXPECT_FALSE(readMetadata(doc).has_value());
}

}  // namespace
}  // namespace roundtable::plan
