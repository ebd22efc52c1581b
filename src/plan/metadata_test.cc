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

TEST(PlanStatus, EveryStatusReadsBackFromItsName) {
  std::vector<std::string> names;
  for (PlanStatus s : kPlanStatuses) {
    names.push_back(statusName(s));
    EXPECT_EQ(parseStatus(statusName(s)), s);
  }
  // The order the tools' schemas list them in.
  EXPECT_EQ(names, (std::vector<std::string>{"draft", "pending_review", "approved", "changes_requested"}));
}

TEST(PlanStatus, OtherStringsNameNoStatus) {
  for (const char* other : {"", "done", "Approved", "pending review", "pending_review ", "approved\n"}) {
    EXPECT_FALSE(parseStatus(other).has_value()) << other;
  }
}

TEST(PlanStatus, OnlyApprovalAndChangesRequestedDecideAReview) {
  for (const char* decision : {"approved", "changes_requested"}) EXPECT_TRUE(isReviewDecision(decision)) << decision;
  for (const char* other : {"pending_review", "draft", "on_hold", ""}) EXPECT_FALSE(isReviewDecision(other)) << other;
}

TEST(PlanMetadata, AStatusTheHubDoesNotKnowIsReadAsWritten) {
  // The document is shared with browsers: whatever string one wrote is read
  // (and written back) unchanged; a missing or non-string status reads as
  // pending_review.
  crdt::Doc doc;
  writeMetadata(doc, sample());
  crdt::Map map = doc.getMap(kMetadataKey);
  map.set("status", lib0::Value(std::string("on_hold")));
  EXPECT_EQ(readMetadata(doc)->status, "on_hold");
  map.set("status", lib0::Value(2.0));
  EXPECT_EQ(readMetadata(doc)->status, "pending_review");
  map.erase("status");
  EXPECT_EQ(readMetadata(doc)->status, "pending_review");
}

}  // namespace
}  // namespace roundtable::plan
