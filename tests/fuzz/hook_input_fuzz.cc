// libFuzzer target: what Claude Code (or anything else) writes on the stdin of
// `roundtable hook claude-code`, through the hook's decoder
// (src/hook/claude_code_input.h), and the same bytes read as a hub's feedback.
// Besides the sanitizers, it aborts when a promise breaks:
//  * a refused input leaves the output untouched and says why;
//  * an accepted one names an event the hook answers, a session and an
//    object tool_input, and both answers built from it serialize as JSON in
//    the form of that event, with the plan in allow's updatedInput;
//  * a title is at most kMaxTitleBytes and valid where the plan was.
//
//   ./build-fuzz/roundtable_hook_input_fuzz -max_total_time=60 CORPUS_DIR tests/fuzz/corpus/hook_input
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "hook/claude_code_input.h"

namespace hook = roundtable::hook;
using hook::Json;

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "broken promise: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  hook::HookInput in;
  in.sessionId = "untouched";
  roundtable::Status s = hook::parseHookInput(bytes, &in);
  if (!s.ok()) {
    check(in.sessionId == "untouched", "a refused input changed the output");
    check(!s.message().empty(), "a refusal without a reason");
  } else {
    check(!in.sessionId.empty(), "accepted without a session id");
    check(in.eventName == "PermissionRequest" || in.eventName == "PreToolUse", "accepted an event it does not answer");
    check(in.toolInput.is_object(), "tool_input is not an object");
    check(!in.planFilePath || !in.planFilePath->empty(), "an empty planFilePath was kept");
    std::string plan = in.plan.value_or("");
    hook::Review review;
    review.status = "changes_requested";
    review.reviewedBy = in.sessionId;
    review.openThreads.push_back({"t", "b", plan.substr(0, 100), false, {{in.cwd, plan.substr(0, 200), 0}}});
    std::string title = hook::planTitle(plan, "fallback");
    check(title.size() <= hook::kMaxTitleBytes, "a title over the limit");
    Json deny = hook::denyOutput(in, hook::changesRequestedMessage(review, 2, "http://127.0.0.1:4141/plan/x"));
    Json allow = hook::allowOutput(in, plan, review, "approved");
    std::string d = deny.dump(-1, ' ', false, Json::error_handler_t::replace);
    std::string a = allow.dump(-1, ' ', false, Json::error_handler_t::replace);
    Json back = Json::parse(a, nullptr, false);
    check(!back.is_discarded(), "allow does not serialize as JSON");
    check(!Json::parse(d, nullptr, false).is_discarded(), "deny does not serialize as JSON");
    const Json& out = back["hookSpecificOutput"];
    check(out["hookEventName"] == in.eventName, "an answer in another event's form");
    const Json& updated = in.event == hook::HookEvent::kPreToolUse ? out["updatedInput"] : out["decision"]["updatedInput"];
    check(updated.is_object() && updated.contains("plan") && updated["plan"].is_string(), "allow without the plan");
    check(updated["plan"].get<std::string>().starts_with(plan.substr(0, plan.find_last_not_of(" \n") + 1)), "allow changed the plan");
    if (in.event == hook::HookEvent::kPreToolUse) check(out.contains("additionalContext"), "PreToolUse allow without the notes");
  }
  // The same bytes as wait_for_review's structuredContent (the hub's answer).
  if (roundtable::mcp::nestingWithin(bytes, roundtable::mcp::kMaxNesting)) {
    Json feedback = Json::parse(bytes, nullptr, false);
    hook::Review review;
    if (!feedback.is_discarded() && hook::reviewFromFeedback(feedback, &review).ok()) {
      std::string text = hook::changesRequestedMessage(review, 1, "");
      check(text.find("ExitPlanMode") != std::string::npos, "the message does not say to exit plan mode again");
      for (const auto& t : review.openThreads)
        for (const auto& c : t.comments) check(text.find(c.body) != std::string::npos, "a comment missing from the message");
    }
  }
  return 0;
}
