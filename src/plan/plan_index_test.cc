#include "plan/plan_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace roundtable::plan {
namespace {

std::vector<PlanSummary> plans(int n) {
  std::vector<PlanSummary> out;
  for (int i = n; i >= 1; --i) {  // newest first
    PlanSummary s{"p" + std::to_string(i), "Plan " + std::to_string(i), "pending_review", 1000.0 * i, 1000.0 * i};
    if (i % 3 == 0) s.repo = "acme/api";
    out.push_back(s);
  }
  return out;
}

std::vector<std::string> ids(const IndexPage& page) {
  std::vector<std::string> out;
  for (const auto& p : page.plans) out.push_back(p.id);
  return out;
}

TEST(PlanIndexPage, PagesFollowEachOtherToTheEnd) {
  auto all = plans(7);
  IndexPage page;
  ASSERT_TRUE(pageOf(all, {.limit = 3}, &page).ok());
  EXPECT_EQ(ids(page), (std::vector<std::string>{"p7", "p6", "p5"}));
  EXPECT_EQ(page.matching, 7u);
  ASSERT_FALSE(page.nextCursor.empty());
  ASSERT_TRUE(pageOf(all, {.cursor = page.nextCursor, .limit = 3}, &page).ok());
  EXPECT_EQ(ids(page), (std::vector<std::string>{"p4", "p3", "p2"}));
  ASSERT_TRUE(pageOf(all, {.cursor = page.nextCursor, .limit = 3}, &page).ok());
  EXPECT_EQ(ids(page), (std::vector<std::string>{"p1"}));
  EXPECT_TRUE(page.nextCursor.empty()) << "the last page has no cursor";
}

TEST(PlanIndexPage, AnExactlyFullLastPageHasNoCursor) {
  IndexPage page;
  ASSERT_TRUE(pageOf(plans(3), {.limit = 3}, &page).ok());
  EXPECT_EQ(page.plans.size(), 3u);
  EXPECT_TRUE(page.nextCursor.empty());
}

TEST(PlanIndexPage, PlansAddedMeanwhileDoNotShiftLaterPages) {
  auto all = plans(6);
  IndexPage first;
  ASSERT_TRUE(pageOf(all, {.limit = 2}, &first).ok());
  all.insert(all.begin(), PlanSummary{"p9", "New", "pending_review", 9000, 9000});
  IndexPage second;
  ASSERT_TRUE(pageOf(all, {.cursor = first.nextCursor, .limit = 2}, &second).ok());
  EXPECT_EQ(ids(second), (std::vector<std::string>{"p4", "p3"}));
}

TEST(PlanIndexPage, FiltersByRepository) {
  IndexPage page;
  ASSERT_TRUE(pageOf(plans(9), {.repo = "acme/api", .limit = 2}, &page).ok());
  EXPECT_EQ(ids(page), (std::vector<std::string>{"p9", "p6"}));
  EXPECT_EQ(page.matching, 3u);
  ASSERT_TRUE(pageOf(plans(9), {.repo = "acme/api", .cursor = page.nextCursor, .limit = 2}, &page).ok());
  EXPECT_EQ(ids(page), (std::vector<std::string>{"p3"}));
  ASSERT_TRUE(pageOf(plans(9), {.repo = "other/repo"}, &page).ok());
  EXPECT_TRUE(page.plans.empty());
  EXPECT_EQ(page.matching, 0u);
}

TEST(PlanIndexPage, RefusesACursorItDidNotGive) {
  IndexPage page;
  for (const std::string& bad : std::vector<std::string>{"x", "12", ":p1", "12:", "-5:p1", "1e3:p1", std::string(40, '9') + ":p1"}) {
    Status s = pageOf(plans(3), {.cursor = bad}, &page);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(s.message().find("cursor"), std::string::npos);
  }
}

TEST(PlanIndex, EntriesCarryTheRepository) {
  crdt::Doc index;
  PlanSummary with{"a", "A", "approved", 1, 2, "acme/api"};
  PlanSummary without{"b", "B", "draft", 3, 4};
  EXPECT_TRUE(upsertIndex(index, with));
  EXPECT_TRUE(upsertIndex(index, without));
  EXPECT_FALSE(upsertIndex(index, with)) << "unchanged";
  EXPECT_EQ(readIndex(index), (std::vector<PlanSummary>{without, with}));
}

}  // namespace
}  // namespace roundtable::plan
