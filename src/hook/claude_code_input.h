// Claude Code's hook protocol, as `roundtable hook claude-code` speaks it for
// ExitPlanMode (docs/claude-code.md): the JSON Claude Code writes on the
// hook's stdin, and the decision the hook writes on stdout. No I/O: bytes and
// values in, values out.
//
//   HookInput in;
//   if (Status s = parseHookInput(stdinBytes, &in); !s.ok()) ...  // s.message() says what is wrong
//   std::cout << denyOutput(in, changesRequestedMessage(review)).dump();
//
// The input is untrusted: anything over kMaxHookInputBytes, nested deeper
// than mcp::kMaxNesting, not JSON, or missing what the hook needs is an
// InvalidArgument naming the problem; nothing throws.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/json_rpc.h"
#include "plan/plan_doc.h"
#include "roundtable/base/status.h"

namespace roundtable::hook {

using mcp::Json;

// Claude Code sends the plan inline as well as in its file, and a transcript
// path, a session id and the like: 8 MiB is far beyond any real input.
inline constexpr size_t kMaxHookInputBytes = 8u << 20;
// A plan longer than this is refused, as create_plan refuses it.
inline constexpr size_t kMaxPlanBytes = 1u << 20;
// Longest title taken from the plan's first heading.
inline constexpr size_t kMaxTitleBytes = 200;

// The hook events the hook answers. PermissionRequest is what Claude Code
// asks before showing its own "approve this plan?" prompt; PreToolUse comes
// before every tool use (hosts that answer permissions through a permission
// prompt tool never raise PermissionRequest).
enum class HookEvent { kPermissionRequest, kPreToolUse };

struct HookInput {
  HookEvent event = HookEvent::kPermissionRequest;
  std::string eventName;  // as sent: "PermissionRequest" or "PreToolUse"
  std::string sessionId;  // Claude Code's session id, never empty
  std::string cwd;        // the session's working directory; may be empty
  std::string toolName;   // "ExitPlanMode" for the hook to decide
  Json toolInput = Json::object();           // echoed, changed, as updatedInput
  std::optional<std::string> plan;           // tool_input.plan
  std::optional<std::string> planFilePath;   // tool_input.planFilePath, never empty when set
};

// Decodes what Claude Code wrote on stdin.
Status parseHookInput(std::string_view bytes, HookInput* out);

// A review's outcome, read from wait_for_review's structuredContent.
struct Review {
  std::string planId;
  std::string status;      // approved, changes_requested, pending_review, ...
  std::string reviewedBy;  // may be empty
  std::string decisionNote;  // the reviewer's note with the decision; may be empty
  std::vector<plan::FeedbackThread> openThreads;  // resolved threads left out
};

// Reads wait_for_review's (or get_feedback's) structuredContent. Tolerant:
// fields of the wrong type are skipped; InvalidArgument only when there is no
// status.
Status reviewFromFeedback(const Json& structured, Review* out);

// The title create_plan gets: the text of the plan's first heading outside
// code blocks (markup and a trailing run of '#' removed, at most
// kMaxTitleBytes, cut at a character boundary), else `fallback`.
std::string planTitle(std::string_view markdown, std::string_view fallback);

// What the model reads when changes are requested: the decision, who made
// it, every open thread with its quoted text and its comments (author:
// body), and what to do next (revise the plan file, exit plan mode again).
std::string changesRequestedMessage(const Review& review, int64_t revision, const std::string& url);

// The reviewers' notes that go with an approval: the open threads as notes
// to follow, or "" when none is open.
std::string approvalNotes(const Review& review);

// The plan the model is told was approved: the plan itself, followed by the
// notes when there are any.
std::string approvedPlan(std::string_view plan, const Review& review);

// The hook's answer on stdout, in the form of the event it received.
// deny: PermissionRequest -> decision {behavior: deny, message};
//       PreToolUse -> permissionDecision deny with the message as reason.
// allow: tool_input echoed as updatedInput with its plan replaced by
//        approvedPlan(plan, review) (Claude Code ignores a PermissionRequest
//        allow without updatedInput). After PermissionRequest the model reads
//        that plan; after PreToolUse it is shown the plan file as it is, so
//        the notes also go in additionalContext, which the model reads.
Json denyOutput(const HookInput& in, const std::string& message);
Json allowOutput(const HookInput& in, std::string_view plan, const Review& review, const std::string& reason);

}  // namespace roundtable::hook
