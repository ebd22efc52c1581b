// A plan's earlier revisions in its own document: each content change keeps
// the text it replaces, the history is bounded, and a document written before
// revisions were kept reads as its current revision alone.
#include "plan/revisions.h"

#include <gtest/gtest.h>

#include "plan/block_json.h"
#include "plan/markdown_writer.h"
#include "plan/plan_change.h"
#include "plan/plan_doc.h"

namespace roundtable::plan {
namespace {

constexpr double kT0 = 1700000000000;

struct Plan {
  crdt::Doc doc;
  PlanMetadata metadata;

  explicit Plan(const std::string& markdown) {
    metadata = newPlanMetadata("p-rev", "Rounds", std::nullopt, std::nullopt, kT0);
    size_t blocks = 0;
    EXPECT_TRUE(createPlanContent(doc, metadata, markdown, &blocks).ok());
  }

  // What update_plan does with new markdown, at `now`.
  void revise(const std::string& markdown, double now, RevisionLimits limits = {}) {
    doc.transact([&](crdt::Transaction&) {
      keepRevision(doc, metadata, now, limits);
      ContentChange change;
      EXPECT_TRUE(replacePlanContent(doc, markdown, &change).ok());
      metadata = applyChange(metadata, {.contentReplaced = true}, now);
      writeMetadata(doc, metadata);
    });
  }

  std::string markdownOf(int64_t revision) {
    auto blocks = revisionBlocks(doc, metadata, revision);
    return blocks ? toMarkdown(*blocks) : "(not kept)";
  }
};

TEST(Revisions, EachContentChangeKeepsTheTextItReplaces) {
  Plan plan("# Plan\n\nFirst text.\n");
  plan.revise("# Plan\n\nSecond text.\n", kT0 + 1000);
  plan.revise("# Plan\n\nThird text.\n", kT0 + 2000);

  RevisionHistory h = readRevisions(plan.doc);
  ASSERT_EQ(h.kept.size(), 2u);
  EXPECT_EQ(h.droppedThrough, 0);
  EXPECT_EQ(h.kept[0].revision, 1);
  EXPECT_EQ(h.kept[0].createdAt, kT0);
  EXPECT_EQ(h.kept[0].replacedAt, kT0 + 1000);
  EXPECT_EQ(h.kept[0].title, "Rounds");
  EXPECT_EQ(h.kept[1].revision, 2);
  EXPECT_EQ(h.kept[1].createdAt, kT0 + 1000);
  EXPECT_EQ(h.kept[1].replacedAt, kT0 + 2000);

  EXPECT_EQ(plan.metadata.revision, 3);
  EXPECT_NE(plan.markdownOf(1).find("First text."), std::string::npos) << plan.markdownOf(1);
  EXPECT_NE(plan.markdownOf(2).find("Second text."), std::string::npos) << plan.markdownOf(2);
  EXPECT_NE(plan.markdownOf(3).find("Third text."), std::string::npos) << plan.markdownOf(3);
  EXPECT_EQ(plan.markdownOf(4), "(not kept)");
  EXPECT_EQ(plan.markdownOf(0), "(not kept)");

  // A peer that syncs the document has the same history.
  crdt::Doc peer;
  ASSERT_TRUE(peer.applyUpdate(plan.doc.encodeStateAsUpdate()).ok());
  RevisionHistory seen = readRevisions(peer);
  ASSERT_EQ(seen.kept.size(), 2u);
  EXPECT_EQ(seen.kept[1].blocks, h.kept[1].blocks);
}

TEST(Revisions, TheOldestGoPastTheLimitsAndAMarkerSaysThrough) {
  Plan plan("# Plan\n\nText 1.\n");
  for (int i = 2; i <= 6; ++i) plan.revise("# Plan\n\nText " + std::to_string(i) + ".\n", kT0 + i, {.maxKept = 3});
  RevisionHistory h = readRevisions(plan.doc);
  ASSERT_EQ(h.kept.size(), 3u);
  EXPECT_EQ(h.kept[0].revision, 3);
  EXPECT_EQ(h.kept[2].revision, 5);
  EXPECT_EQ(h.droppedThrough, 2);
  EXPECT_EQ(plan.markdownOf(2), "(not kept)");
  EXPECT_NE(plan.markdownOf(3).find("Text 3."), std::string::npos);

  // By size: each record is a few hundred bytes; 1 KB keeps the newest few,
  // and always the newest one.
  plan.revise("# Plan\n\n" + std::string(3000, 'x') + "\n", kT0 + 7, {.maxKept = 50, .maxBytes = 1000});
  plan.revise("# Plan\n\nShort.\n", kT0 + 8, {.maxKept = 50, .maxBytes = 1000});
  h = readRevisions(plan.doc);
  ASSERT_FALSE(h.kept.empty());
  EXPECT_EQ(h.kept.back().revision, 7);
  EXPECT_EQ(h.droppedThrough, 6);
  EXPECT_EQ(h.kept.size(), 1u);  // revision 7 alone is past 1 KB: older ones went
}

TEST(Revisions, ADocumentWrittenBeforeReadsAsOneRevision) {
  Plan plan("# Plan\n\nOnly text.\n");
  plan.metadata.revision = 4;  // an old plan revised without history
  writeMetadata(plan.doc, plan.metadata);
  RevisionHistory h = readRevisions(plan.doc);
  EXPECT_TRUE(h.kept.empty());
  EXPECT_EQ(h.droppedThrough, 0);
  EXPECT_FALSE(plan.doc.hasRoot(kRevisionsKey));  // reading creates nothing
  EXPECT_NE(plan.markdownOf(4).find("Only text."), std::string::npos);
  EXPECT_EQ(plan.markdownOf(3), "(not kept)");

  // Its first kept revision takes its time from the last update (revisedAt is absent).
  plan.metadata.revisedAt.reset();
  plan.metadata.updatedAt = kT0 + 50;
  plan.revise("# Plan\n\nNew text.\n", kT0 + 60);
  h = readRevisions(plan.doc);
  ASSERT_EQ(h.kept.size(), 1u);
  EXPECT_EQ(h.kept[0].revision, 4);
  EXPECT_EQ(h.kept[0].createdAt, kT0 + 50);
}

TEST(Revisions, RecordsOfAnotherShapeAreSkipped) {
  Plan plan("# Plan\n\nText.\n");
  crdt::Array revisions = plan.doc.getArray(kRevisionsKey);
  Value::Object bad;
  bad.set("revision", "two");
  ASSERT_TRUE(revisions.push({Value(std::move(bad)), Value(42), Value("x")}).ok());
  plan.revise("# Plan\n\nNext.\n", kT0 + 10);
  RevisionHistory h = readRevisions(plan.doc);
  ASSERT_EQ(h.kept.size(), 1u);
  EXPECT_EQ(h.kept[0].revision, 1);
}

}  // namespace
}  // namespace roundtable::plan
