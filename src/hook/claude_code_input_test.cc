#include "hook/claude_code_input.h"

#include <gtest/gtest.h>

namespace roundtable::hook {
namespace {

// What Claude Code 2.1 sent to a PermissionRequest hook on ExitPlanMode, verbatim but for the ids.
constexpr const char* kPermissionRequest =
    R"({"session_id":"8853d05d","transcript_path":"/t/x.jsonl","cwd":"/work/app","prompt_id":"p","permission_mode":"plan",)"
    R"("effort":{"level":"medium"},"hook_event_name":"PermissionRequest","tool_name":"ExitPlanMode",)"
    R"("tool_input":{"plan":"# Plan: rate limiting\n- a","planFilePath":"/h/.claude/plans/zippy.md"}})";

TEST(HookInput, ReadsPermissionRequest) {
  HookInput in;
  ASSERT_TRUE(parseHookInput(kPermissionRequest, &in).ok());
  EXPECT_EQ(in.event, HookEvent::kPermissionRequest);
  EXPECT_EQ(in.sessionId, "8853d05d");
  EXPECT_EQ(in.cwd, "/work/app");
  EXPECT_EQ(in.toolName, "ExitPlanMode");
  EXPECT_EQ(*in.plan, "# Plan: rate limiting\n- a");
  EXPECT_EQ(*in.planFilePath, "/h/.claude/plans/zippy.md");
}

TEST(HookInput, ReadsPreToolUseAndAnswersInItsForm) {
  HookInput in;
  ASSERT_TRUE(parseHookInput(
                  R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"ExitPlanMode","tool_use_id":"toolu_1","tool_input":{"plan":"p"}})",
                  &in)
                  .ok());
  EXPECT_EQ(in.event, HookEvent::kPreToolUse);
  EXPECT_FALSE(in.planFilePath);
  Json deny = denyOutput(in, "why");
  EXPECT_EQ(deny["hookSpecificOutput"]["permissionDecision"], "deny");
  EXPECT_EQ(deny["hookSpecificOutput"]["permissionDecisionReason"], "why");
  Review review;
  review.status = "approved";
  Json allow = allowOutput(in, "p2", review, "ok");
  EXPECT_EQ(allow["hookSpecificOutput"]["hookEventName"], "PreToolUse");
  EXPECT_EQ(allow["hookSpecificOutput"]["permissionDecision"], "allow");
  EXPECT_EQ(allow["hookSpecificOutput"]["updatedInput"]["plan"], "p2");
  EXPECT_FALSE(allow["hookSpecificOutput"].contains("additionalContext"));
  // Claude Code reads the plan file again after PreToolUse: the notes go where the model reads them.
  review.openThreads.push_back({"1", "b", "step", false, {{"Ann", "log it", 0}}});
  allow = allowOutput(in, "p2", review, "ok");
  EXPECT_EQ(allow["hookSpecificOutput"]["additionalContext"], approvalNotes(review));
}

TEST(HookInput, PermissionRequestAllowCarriesUpdatedInput) {
  HookInput in;
  ASSERT_TRUE(parseHookInput(kPermissionRequest, &in).ok());
  Review review;
  review.status = "approved";
  Json allow = allowOutput(in, "new plan", review, "ok");
  const Json& decision = allow["hookSpecificOutput"]["decision"];
  EXPECT_EQ(allow["hookSpecificOutput"]["hookEventName"], "PermissionRequest");
  EXPECT_EQ(decision["behavior"], "allow");
  EXPECT_EQ(decision["updatedInput"]["plan"], "new plan");
  EXPECT_EQ(decision["updatedInput"]["planFilePath"], "/h/.claude/plans/zippy.md");  // echoed
  Json deny = denyOutput(in, "m");
  EXPECT_EQ(deny["hookSpecificOutput"]["decision"], (Json{{"behavior", "deny"}, {"message", "m"}}));
}

TEST(HookInput, RefusesWhatIsNotAHookInputWithAReason) {
  struct Case {
    std::string input, reason;
  };
  std::vector<Case> cases = {
      {"", "no hook input"},
      {"   \n", "no hook input"},
      {"not json", "not JSON"},
      {"[1,2]", "not a JSON object"},
      {std::string(100, '[') + std::string(100, ']'), "nested deeper"},
      {R"({"session_id":"s","tool_name":"ExitPlanMode"})", "no 'hook_event_name'"},
      {R"({"session_id":"s","hook_event_name":"Stop","tool_name":"ExitPlanMode"})", "not one this hook answers"},
      {R"({"session_id":"s","hook_event_name":"PreToolUse"})", "no 'tool_name'"},
      {R"({"hook_event_name":"PreToolUse","tool_name":"ExitPlanMode"})", "no 'session_id'"},
      {R"({"session_id":"","hook_event_name":"PreToolUse","tool_name":"ExitPlanMode"})", "no 'session_id'"},
      {R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"ExitPlanMode","tool_input":"x"})", "not an object"},
      {R"({"session_id":"s","hook_event_name":"PreToolUse","tool_name":"ExitPlanMode","tool_input":{"planFilePath":"a\u0000b"}})", "NUL"},
      {std::string(kMaxHookInputBytes + 1, ' '), "at most"},
  };
  for (const Case& c : cases) {
    HookInput in;
    Status s = parseHookInput(c.input, &in);
    EXPECT_FALSE(s.ok()) << c.input.substr(0, 80);
    EXPECT_NE(s.message().find(c.reason), std::string::npos) << s.message();
  }
}

TEST(HookInput, TitleIsTheFirstHeadingOutsideCode) {
  EXPECT_EQ(planTitle("# Plan: rate limiting\n## Steps", "f"), "Plan: rate limiting");
  EXPECT_EQ(planTitle("```\n# comment\n```\n### **Real** `title` ###\n", "f"), "Real title");
  EXPECT_EQ(planTitle("no heading\n#hashtag\n", "fallback"), "fallback");
  EXPECT_EQ(planTitle("    # indented code\n", "fallback"), "fallback");
  std::string longTitle = "# " + std::string(kMaxTitleBytes - 1, 'a') + "\xc3\xa9\xc3\xa9";
  std::string t = planTitle(longTitle, "f");
  EXPECT_LE(t.size(), kMaxTitleBytes);
  EXPECT_EQ(t, std::string(kMaxTitleBytes - 1, 'a'));  // never half a character
}

TEST(HookInput, ChangesRequestedMessageHasEveryOpenThread) {
  Json feedback = Json::parse(R"({"planId":"p","status":"changes_requested","reviewedBy":"Bob","threads":[
    {"id":"1","blockId":"b","quote":"token bucket","resolved":false,"comments":[{"author":"Bob","body":"Why not a sliding window?"},{"author":"Ann","body":"Agreed"}]},
    {"id":"2","blockId":"c","quote":"done","resolved":true,"comments":[{"author":"Bob","body":"resolved one"}]},
    {"id":"3","blockId":"","quote":"","resolved":false,"comments":[{"author":"Cy","body":"orphan"}]},
    "garbage", {"resolved": "yes"}]})");
  Review review;
  ASSERT_TRUE(reviewFromFeedback(feedback, &review).ok());
  EXPECT_EQ(review.openThreads.size(), 3u);  // the resolved one and the one that is not an object left out
  std::string m = changesRequestedMessage(review, 2, "http://h/plan/p");
  EXPECT_NE(m.find("requested changes"), std::string::npos);
  EXPECT_NE(m.find("decided by Bob"), std::string::npos);
  EXPECT_NE(m.find("revision 2"), std::string::npos);
  EXPECT_NE(m.find("On \"token bucket\":\n   - Bob: Why not a sliding window?\n   - Ann: Agreed"), std::string::npos) << m;
  EXPECT_NE(m.find("Cy: orphan"), std::string::npos);
  EXPECT_EQ(m.find("resolved one"), std::string::npos);
  EXPECT_NE(m.find("call ExitPlanMode again"), std::string::npos);
  EXPECT_FALSE(reviewFromFeedback(Json::array(), &review).ok());
  EXPECT_FALSE(reviewFromFeedback(Json::object(), &review).ok());
}

TEST(HookInput, TheDecisionNoteAndOutdatedThreadsReachTheModel) {
  Json feedback = Json::parse(R"({"planId":"p","status":"changes_requested","reviewedBy":"Bob",
    "decisionNote":"Split the migration out first.","threads":[
    {"id":"1","blockId":"","quote":"one big migration","resolved":false,"outdated":true,"revision":1,
     "comments":[{"author":"Bob","body":"Too risky"}]}]})");
  Review review;
  ASSERT_TRUE(reviewFromFeedback(feedback, &review).ok());
  std::string m = changesRequestedMessage(review, 2, "");
  EXPECT_NE(m.find("Their note: Split the migration out first."), std::string::npos) << m;
  EXPECT_NE(m.find("Was on \"one big migration\" (outdated: that text is no longer in the plan)"), std::string::npos) << m;

  Review approved;
  approved.status = "approved";
  approved.reviewedBy = "Ann";
  approved.decisionNote = "Keep the old endpoint for a release.";
  std::string notes = approvalNotes(approved);
  EXPECT_NE(notes.find("Approved in Roundtable by Ann, with this note: Keep the old endpoint for a release."),
            std::string::npos)
      << notes;
}

TEST(HookInput, ApprovedPlanCarriesOpenThreadsAsNotes) {
  Review review;
  review.status = "approved";
  EXPECT_EQ(approvedPlan("# P\n", review), "# P\n");
  review.reviewedBy = "Ann";
  review.openThreads.push_back({"1", "b", "step two", false, {{"Ann", "log it too", 0}}});
  std::string plan = approvedPlan("# P\n", review);
  EXPECT_TRUE(plan.starts_with("# P\n\n---\n\n## Reviewers' notes"));
  EXPECT_NE(plan.find("Approved in Roundtable by Ann"), std::string::npos);
  EXPECT_NE(plan.find("On \"step two\":\n   - Ann: log it too"), std::string::npos);
}

}  // namespace
}  // namespace roundtable::hook
