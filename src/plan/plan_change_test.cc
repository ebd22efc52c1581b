#include "plan/plan_change.h"

#include <gtest/gtest.h>

#include "plan/plan_doc.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::plan {
namespace {

constexpr double kNow = 1700000009000;

// A plan at revision 3 that a reviewer has approved.
PlanMetadata approved() {
  return {.id = "p-1", .title = "Rate limiter", .status = "approved", .repo = "owner/name", .pr = 42,
          .createdAt = 1700000000000, .updatedAt = 1700000000500, .reviewedAt = 1700000000400, .reviewedBy = "Ada",
          .revision = 3, .revisedAt = 1700000000300, .reviewedRevision = 3, .decisionNote = "Ship it"};
}

TEST(PlanChange, ANewPlanIsRevisionOneAwaitingReview) {
  PlanMetadata m = newPlanMetadata("p-2", "Cache", "o/r", 7, kNow);
  EXPECT_EQ(m.id, "p-2");
  EXPECT_EQ(m.title, "Cache");
  EXPECT_EQ(m.status, "pending_review");
  EXPECT_EQ(m.repo, "o/r");
  EXPECT_EQ(m.pr, 7);
  EXPECT_EQ(m.createdAt, kNow);
  EXPECT_EQ(m.updatedAt, kNow);
  EXPECT_EQ(m.revision, 1);
  EXPECT_EQ(m.revisedAt, kNow);
  EXPECT_FALSE(m.reviewedAt.has_value());
  EXPECT_FALSE(m.reviewedBy.has_value());

  PlanMetadata bare = newPlanMetadata("p-3", "Bare", std::nullopt, std::nullopt, kNow);
  EXPECT_FALSE(bare.repo.has_value());
  EXPECT_FALSE(bare.pr.has_value());
}

TEST(PlanChange, NewContentIsANewRevisionAwaitingReview) {
  PlanMetadata m = applyChange(approved(), {.contentReplaced = true}, kNow);
  PlanMetadata want = approved();
  want.revision = 4;
  want.status = "pending_review";
  want.reviewedAt.reset();
  want.reviewedBy.reset();
  want.reviewedRevision.reset();
  want.decisionNote.reset();
  want.revisedAt = kNow;
  want.updatedAt = kNow;
  EXPECT_EQ(m, want);
}

TEST(PlanChange, AStatusGivenWithNewContentWins) {
  PlanMetadata m = applyChange(approved(), {.status = PlanStatus::kDraft, .contentReplaced = true}, kNow);
  EXPECT_EQ(m.status, "draft");
  EXPECT_EQ(m.revision, 4);
  EXPECT_FALSE(m.reviewedAt.has_value());
  EXPECT_FALSE(m.reviewedBy.has_value());

  // Even approved: the reviewer fields still go, they were about the old text.
  m = applyChange(approved(), {.status = PlanStatus::kApproved, .contentReplaced = true}, kNow);
  EXPECT_EQ(m.status, "approved");
  EXPECT_FALSE(m.reviewedBy.has_value());
}

TEST(PlanChange, ATitleAloneKeepsRevisionStatusAndReviewer) {
  PlanMetadata m = applyChange(approved(), {.title = "Token bucket"}, kNow);
  PlanMetadata want = approved();
  want.title = "Token bucket";
  want.updatedAt = kNow;
  EXPECT_EQ(m, want);
}

TEST(PlanChange, ATitleWithNewContentIsSetToo) {
  PlanMetadata m = applyChange(approved(), {.title = "Token bucket", .contentReplaced = true}, kNow);
  EXPECT_EQ(m.title, "Token bucket");
  EXPECT_EQ(m.revision, 4);
  EXPECT_EQ(m.status, "pending_review");
}

TEST(PlanChange, AStatusAloneKeepsRevisionAndReviewer) {
  PlanMetadata m = applyChange(approved(), {.status = PlanStatus::kPendingReview}, kNow);
  PlanMetadata want = approved();
  want.status = "pending_review";
  want.updatedAt = kNow;
  EXPECT_EQ(m, want);

  m = applyChange(approved(), {.status = PlanStatus::kChangesRequested}, kNow);
  EXPECT_EQ(m.status, "changes_requested");
  EXPECT_EQ(m.reviewedBy, "Ada");
}

TEST(PlanChange, AnUnknownStatusIsKeptUntilAChangeSetsOne) {
  // A document may hold a status string the hub does not know; a change that
  // does not set the status leaves it as the document has it.
  PlanMetadata odd = approved();
  odd.status = "on_hold";
  EXPECT_EQ(applyChange(odd, {.title = "T"}, kNow).status, "on_hold");
  EXPECT_EQ(applyChange(odd, {.status = PlanStatus::kApproved}, kNow).status, "approved");
  EXPECT_EQ(applyChange(odd, {.contentReplaced = true}, kNow).status, "pending_review");
}

TEST(PlanChange, AnEmptyChangeOnlyTouchesUpdatedAt) {
  PlanMetadata m = applyChange(approved(), {}, kNow);
  PlanMetadata want = approved();
  want.updatedAt = kNow;
  EXPECT_EQ(m, want);
}

}  // namespace
}  // namespace roundtable::plan

namespace roundtable::plan {
namespace {

// create_plan and update_plan count blocks the same way: every block, nested
// ones (list items under items) included, so an update with the same
// markdown keeps exactly the blocks create_plan reported.
TEST(PlanBlockCount, CreateAndUpdateCountAlike) {
  const std::string md = "# Plan\n\n1. one\n   - a\n   - b\n2. two\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\nEnd.\n";
  crdt::Doc doc;
  PlanMetadata m = newPlanMetadata("p", "Plan", std::nullopt, std::nullopt, 1);
  size_t created = 0;
  ASSERT_TRUE(createPlanContent(doc, m, md, &created).ok());
  EXPECT_EQ(created, 7u);  // heading, two items, two nested items, the table, the paragraph
  ContentChange same;
  ASSERT_TRUE(replacePlanContent(doc, md, &same).ok());
  EXPECT_EQ(same.kept, created);
  EXPECT_EQ(same.added, 0u);
  EXPECT_EQ(same.removed, 0u);
  ContentChange changed;
  ASSERT_TRUE(replacePlanContent(doc, md + "\nOne more.\n", &changed).ok());
  EXPECT_EQ(changed.kept + changed.removed, created);
  EXPECT_EQ(changed.added, 1u);
}

}  // namespace
}  // namespace roundtable::plan
