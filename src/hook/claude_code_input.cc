#include "hook/claude_code_input.h"

#include <algorithm>

namespace roundtable::hook {

namespace {

// A string member of `object`, if it is one.
std::optional<std::string> stringField(const Json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// `s` cut to at most `max` bytes, at a UTF-8 character boundary.
std::string cutUtf8(std::string s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  s.resize(end);
  return s;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return std::string(s.substr(b, e - b + 1));
}

// The heading's text without inline markup that reads badly in a title.
std::string plainHeading(std::string text) {
  std::string out;
  for (char c : text)
    if (c != '*' && c != '`') out += c;
  return trim(out);
}

// The open threads of `review` as a numbered list, each with its quote and
// its comments.
std::string threadLines(const Review& review) {
  std::string text;
  size_t n = 0;
  for (const plan::FeedbackThread& t : review.openThreads) {
    text.append("\n").append(std::to_string(++n)).append(". ");
    if (t.quote.empty()) {
      text.append("(a comment whose text is gone)");
    } else if (t.outdated) {
      text.append("Was on \"").append(t.quote).append("\" (outdated: that text is no longer in the plan)");
    } else {
      text.append("On \"").append(t.quote).append("\"");
    }
    text.append(":\n");
    for (const plan::FeedbackComment& c : t.comments)
      text.append("   - ").append(c.author.empty() ? "someone" : c.author).append(": ").append(c.body).append("\n");
  }
  return text;
}

}  // namespace

Status parseHookInput(std::string_view bytes, HookInput* out) {
  if (bytes.size() > kMaxHookInputBytes)
    return Status::InvalidArgument("the hook input is " + std::to_string(bytes.size()) + " bytes; at most " +
                                   std::to_string(kMaxHookInputBytes) + " are read");
  if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return Status::InvalidArgument("no hook input on stdin (Claude Code writes a JSON object there)");
  if (!mcp::nestingWithin(bytes, mcp::kMaxNesting))
    return Status::InvalidArgument("the hook input is nested deeper than " + std::to_string(mcp::kMaxNesting) +
                                   " levels");
  Json input = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (input.is_discarded()) return Status::InvalidArgument("the hook input is not JSON");
  if (!input.is_object()) return Status::InvalidArgument("the hook input is not a JSON object");
  HookInput in;
  auto event = stringField(input, "hook_event_name");
  if (!event) return Status::InvalidArgument("the hook input has no 'hook_event_name'");
  if (*event == "PermissionRequest") {
    in.event = HookEvent::kPermissionRequest;
  } else if (*event == "PreToolUse") {
    in.event = HookEvent::kPreToolUse;
  } else {
    return Status::InvalidArgument("hook event '" + cutUtf8(*event, 64) +
                                   "' is not one this hook answers (PermissionRequest, PreToolUse)");
  }
  in.eventName = *event;
  auto tool = stringField(input, "tool_name");
  if (!tool) return Status::InvalidArgument("the hook input has no 'tool_name'");
  in.toolName = *tool;
  auto session = stringField(input, "session_id");
  if (!session || session->empty()) return Status::InvalidArgument("the hook input has no 'session_id'");
  if (session->size() > 256) return Status::InvalidArgument("the hook input's 'session_id' is over 256 bytes");
  in.sessionId = *session;
  in.cwd = stringField(input, "cwd").value_or("");
  auto toolInput = input.find("tool_input");
  if (toolInput != input.end() && !toolInput->is_null()) {
    if (!toolInput->is_object()) return Status::InvalidArgument("the hook input's 'tool_input' is not an object");
    in.toolInput = *toolInput;
  }
  in.plan = stringField(in.toolInput, "plan");
  auto path = stringField(in.toolInput, "planFilePath");
  if (path && !path->empty()) {
    if (path->size() > 4096) return Status::InvalidArgument("the hook input's 'planFilePath' is over 4096 bytes");
    if (path->find('\0') != std::string::npos)
      return Status::InvalidArgument("the hook input's 'planFilePath' holds a NUL byte");
    in.planFilePath = *path;
  }
  *out = std::move(in);
  return Status::Ok();
}

Status reviewFromFeedback(const Json& structured, Review* out) {
  if (!structured.is_object()) return Status::InvalidArgument("the review is not a JSON object");
  Review review;
  auto status = stringField(structured, "status");
  if (!status) return Status::InvalidArgument("the review has no status");
  review.status = *status;
  review.planId = stringField(structured, "planId").value_or("");
  review.reviewedBy = stringField(structured, "reviewedBy").value_or("");
  review.decisionNote = stringField(structured, "decisionNote").value_or("");
  auto threads = structured.find("threads");
  if (threads != structured.end() && threads->is_array()) {
    for (const Json& t : *threads) {
      if (!t.is_object()) continue;
      auto resolved = t.find("resolved");
      if (resolved != t.end() && resolved->is_boolean() && resolved->get<bool>()) continue;
      plan::FeedbackThread thread;
      thread.id = stringField(t, "id").value_or("");
      thread.blockId = stringField(t, "blockId").value_or("");
      thread.quote = stringField(t, "quote").value_or("");
      auto outdated = t.find("outdated");
      thread.outdated = outdated != t.end() && outdated->is_boolean() && outdated->get<bool>();
      auto comments = t.find("comments");
      if (comments != t.end() && comments->is_array()) {
        for (const Json& c : *comments) {
          if (!c.is_object()) continue;
          thread.comments.push_back({stringField(c, "author").value_or(""), stringField(c, "body").value_or(""), 0});
        }
      }
      review.openThreads.push_back(std::move(thread));
    }
  }
  *out = std::move(review);
  return Status::Ok();
}

std::string planTitle(std::string_view markdown, std::string_view fallback) {
  std::string_view fence;  // the opening fence of the code block we are in
  size_t pos = 0;
  while (pos < markdown.size()) {
    size_t nl = markdown.find('\n', pos);
    std::string_view line = markdown.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? markdown.size() : nl + 1;
    size_t indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos || indent > 3) continue;
    std::string_view body = line.substr(indent);
    if (body.starts_with("```") || body.starts_with("~~~")) {
      std::string_view run = body.substr(0, body.find_first_not_of(body[0]));
      if (fence.empty()) {
        fence = run;
      } else if (run.size() >= fence.size() && run[0] == fence[0] && trim(body.substr(run.size())).empty()) {
        fence = {};
      }
      continue;
    }
    if (!fence.empty() || !body.starts_with('#')) continue;
    size_t level = body.find_first_not_of('#');
    if (level > 6) continue;
    if (level != std::string_view::npos && body[level] != ' ' && body[level] != '\t') continue;
    std::string text = level == std::string_view::npos ? "" : trim(body.substr(level));
    size_t closing = text.find_last_not_of('#');  // "## Title ##"
    if (closing != std::string::npos && closing + 1 < text.size() && (text[closing] == ' ' || text[closing] == '\t'))
      text = trim(std::string_view(text).substr(0, closing));
    text = plainHeading(text);
    if (!text.empty()) return cutUtf8(text, kMaxTitleBytes);
  }
  return std::string(fallback);
}

std::string changesRequestedMessage(const Review& review, int64_t revision, const std::string& url) {
  std::string text = "The reviewers in Roundtable requested changes to this plan";
  if (!review.reviewedBy.empty()) text += " (decided by " + review.reviewedBy + ")";
  text += "; revision " + std::to_string(revision) + " is not approved.\n";
  if (!review.decisionNote.empty()) text += "Their note: " + review.decisionNote + "\n";
  if (review.openThreads.empty()) {
    text += "\nThey left no open comment threads; ask the user what to change if it is not clear.\n";
  } else {
    text += "\nOpen comment threads (" + std::to_string(review.openThreads.size()) +
            "), each with the text it is on and its comments (author: comment):\n" + threadLines(review);
  }
  text += "\nRevise the plan to address every thread, write the revised plan to the same plan file, and call "
          "ExitPlanMode again: the revised plan goes back to the same reviewers as the next revision of the same "
          "plan, and its unchanged parts keep their comments.";
  if (!url.empty()) text += " Review page: " + url;
  return text;
}

std::string approvalNotes(const Review& review) {
  if (review.openThreads.empty() && review.decisionNote.empty()) return "";
  std::string text = "## Reviewers' notes\n\nApproved in Roundtable";
  if (!review.reviewedBy.empty()) text += " by " + review.reviewedBy;
  if (!review.decisionNote.empty()) text += ", with this note: " + review.decisionNote;
  if (review.openThreads.empty()) return text + "\n";
  return text + (review.decisionNote.empty() ? ", with " : "\n\nAnd ") + std::to_string(review.openThreads.size()) +
         " open comment thread(s). Follow them as you implement the plan:\n" + threadLines(review);
}

std::string approvedPlan(std::string_view plan, const Review& review) {
  std::string text(plan);
  std::string notes = approvalNotes(review);
  if (notes.empty()) return text;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text + "\n\n---\n\n" + notes;
}

Json denyOutput(const HookInput& in, const std::string& message) {
  if (in.event == HookEvent::kPreToolUse)
    return {{"hookSpecificOutput",
             {{"hookEventName", in.eventName}, {"permissionDecision", "deny"}, {"permissionDecisionReason", message}}}};
  return {{"hookSpecificOutput",
           {{"hookEventName", in.eventName}, {"decision", {{"behavior", "deny"}, {"message", message}}}}}};
}

Json allowOutput(const HookInput& in, std::string_view plan, const Review& review, const std::string& reason) {
  Json updated = in.toolInput.is_object() ? in.toolInput : Json::object();
  updated["plan"] = approvedPlan(plan, review);
  if (in.event == HookEvent::kPreToolUse) {
    Json out{{"hookEventName", in.eventName},
             {"permissionDecision", "allow"},
             {"permissionDecisionReason", reason},
             {"updatedInput", std::move(updated)}};
    if (std::string notes = approvalNotes(review); !notes.empty()) out["additionalContext"] = notes;
    return {{"hookSpecificOutput", std::move(out)}};
  }
  return {{"hookSpecificOutput",
           {{"hookEventName", in.eventName},
            {"decision", {{"behavior", "allow"}, {"updatedInput", std::move(updated)}}}}}};
}

}  // namespace roundtable::hook
