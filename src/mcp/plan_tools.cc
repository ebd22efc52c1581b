#include "mcp/plan_tools.h"

#include <chrono>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <set>
#include <sstream>

#include "plan/markdown_parser.h"

namespace roundtable::mcp {

namespace {

// list_plans pages: a whole index of thousands of plans would flood the
// agent's context (2,000 plans were 418 KB).
constexpr int64_t kDefaultListLimit = 20;
constexpr int64_t kMaxListLimit = 100;

// --- arguments ---

// Reads a tool's arguments against what its schema allows, collecting the
// first mistake as a message addressed to the agent.
class Args {
 public:
  Args(std::string tool, const Json& args, std::set<std::string> allowed) : tool_(std::move(tool)), args_(args) {
    for (auto& [key, value] : args.items()) {
      if (!allowed.count(key)) {
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
        fail("unknown argument '" + key + "' (" + tool_ + " takes: " + list + ")");
        break;
      }
    }
  }

  std::optional<std::string> string(const std::string& name, bool required, size_t maxBytes, bool nonEmpty = true) {
    auto it = args_.find(name);
    if (it == args_.end() || it->is_null()) {
      if (required) fail("'" + name + "' is required (a string)");
      return std::nullopt;
    }
    if (!it->is_string()) {
      fail("'" + name + "' must be a string, not " + std::string(it->type_name()));
      return std::nullopt;
    }
    std::string s = it->get<std::string>();
    if (nonEmpty && s.find_first_not_of(" \t\r\n") == std::string::npos) {
      fail("'" + name + "' must not be empty");
      return std::nullopt;
    }
    if (s.size() > maxBytes) {
      fail("'" + name + "' is " + std::to_string(s.size()) + " bytes; the limit is " + std::to_string(maxBytes));
      return std::nullopt;
    }
    return s;
  }

  std::optional<int64_t> integer(const std::string& name, int64_t min, int64_t max) {
    auto it = args_.find(name);
    if (it == args_.end() || it->is_null()) return std::nullopt;
    double v = 0;
    if (it->is_number()) {
      v = it->get<double>();
    } else {
      fail("'" + name + "' must be a number, not " + std::string(it->type_name()));
      return std::nullopt;
    }
    if (!std::isfinite(v) || v != std::floor(v) || v < static_cast<double>(min) || v > static_cast<double>(max)) {
      fail("'" + name + "' must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
      return std::nullopt;
    }
    return static_cast<int64_t>(v);
  }

  std::optional<double> number(const std::string& name, double min, double max) {
    auto it = args_.find(name);
    if (it == args_.end() || it->is_null()) return std::nullopt;
    if (!it->is_number()) {
      fail("'" + name + "' must be a number, not " + std::string(it->type_name()));
      return std::nullopt;
    }
    double v = it->get<double>();
    if (!(v >= min && v <= max)) {
      std::ostringstream msg;
      msg << "'" << name << "' must be between " << min << " and " << max;
      fail(msg.str());
      return std::nullopt;
    }
    return v;
  }

  std::optional<bool> boolean(const std::string& name) {
    auto it = args_.find(name);
    if (it == args_.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) {
      fail("'" + name + "' must be true or false, not " + std::string(it->type_name()));
      return std::nullopt;
    }
    return it->get<bool>();
  }

  std::optional<plan::PlanStatus> status(const std::string& name) {
    auto s = string(name, false, 64);
    if (!s) return std::nullopt;
    auto status = plan::parseStatus(*s);
    if (!status) {
      std::string list;
      for (plan::PlanStatus known : plan::kPlanStatuses)
        list += (list.empty() ? "" : ", ") + std::string(plan::statusName(known));
      fail("'" + name + "' must be one of " + list + " (got '" + *s + "')");
    }
    return status;
  }

  std::optional<std::string> planId() {
    auto id = string("planId", true, 128);
    if (id && id->find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
                  std::string::npos) {
      fail("'planId' is not a plan id (letters, digits, '-' and '_'); list_plans shows the ids");
      return std::nullopt;
    }
    return id;
  }

  bool ok() const { return error_.empty(); }
  ToolResult error() const { return ToolResult::error(tool_ + ": " + error_); }

 private:
  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }
  std::string tool_;
  const Json& args_;
  std::string error_;
};

// --- wording ---

std::string isoTime(double ms) {
  if (ms <= 0) return "";
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

Json metadataJson(const PlanMetadata& m) {
  Json j{{"id", m.id},           {"title", m.title},         {"status", m.status},
         {"createdAt", m.createdAt}, {"updatedAt", m.updatedAt}, {"revision", m.revision}};
  if (m.repo) j["repo"] = *m.repo;
  if (m.pr) j["pr"] = *m.pr;
  if (m.reviewedAt) j["reviewedAt"] = *m.reviewedAt;
  if (m.reviewedBy) j["reviewedBy"] = *m.reviewedBy;
  if (m.reviewedRevision) j["reviewedRevision"] = *m.reviewedRevision;
  if (m.decisionNote) j["decisionNote"] = *m.decisionNote;
  if (m.revisedAt) j["revisedAt"] = *m.revisedAt;
  return j;
}

std::string metadataLine(const PlanMetadata& m) {
  std::string line = "Status: " + m.status + " · revision " + std::to_string(m.revision);
  if (m.repo) line += " · repo " + *m.repo;
  if (m.pr) line += " · PR #" + std::to_string(*m.pr);
  if (m.updatedAt > 0) line += " · updated " + isoTime(m.updatedAt);
  if (m.reviewedBy) line += " · reviewed by " + *m.reviewedBy;
  if (m.reviewedAt) line += " at " + isoTime(*m.reviewedAt);
  if (m.reviewedRevision) line += " (revision " + std::to_string(*m.reviewedRevision) + ")";
  if (m.decisionNote) line += "\nDecision note: " + *m.decisionNote;
  return line;
}

ToolResult feedbackResult(const Feedback& f) {
  const PlanMetadata& m = f.metadata;
  Json threads = Json::array();
  std::string text = "Plan \"" + m.title + "\" (" + m.id + "): " + m.status;
  if (m.reviewedBy) text += " by " + *m.reviewedBy;
  if (m.reviewedAt) text += " at " + isoTime(*m.reviewedAt);
  if (m.reviewedRevision) text += " on revision " + std::to_string(*m.reviewedRevision);
  text += " (current revision " + std::to_string(m.revision) + ")\n";
  if (m.decisionNote) text += "Decision note: " + *m.decisionNote + "\n";
  size_t open = 0, outdated = 0;
  for (const FeedbackThread& t : f.threads) {
    open += t.resolved ? 0 : 1;
    outdated += t.outdated ? 1 : 0;
  }
  text += std::to_string(f.threads.size()) + " comment thread" + (f.threads.size() == 1 ? "" : "s") + " (" +
          std::to_string(open) + " open" + (outdated ? ", " + std::to_string(outdated) + " outdated" : "") + ")\n";
  // The threads on the current text come first (planFeedback's order), then
  // the outdated ones, under their own heading.
  bool outdatedHeading = false;
  for (const FeedbackThread& t : f.threads) {
    Json comments = Json::array();
    if (t.outdated && !outdatedHeading) {
      text += "\n# Outdated: their text is no longer in the plan\n";
      outdatedHeading = true;
    }
    text += "\n## Thread " + t.id + (t.resolved ? " (resolved)" : "") +
            (t.revision ? " · made on revision " + std::to_string(*t.revision) : "") + "\n";
    if (!t.quote.empty()) text += std::string(t.outdated ? "Was on" : "On") + ": \"" + t.quote + "\"\n";
    for (const FeedbackComment& c : t.comments) {
      comments.push_back({{"author", c.author}, {"body", c.body}, {"createdAt", c.createdAt}});
      text += "- " + c.author + " (" + isoTime(c.createdAt) + "): " + c.body + "\n";
    }
    Json thread{{"id", t.id},
                {"blockId", t.blockId},
                {"quote", t.quote},
                {"resolved", t.resolved},
                {"outdated", t.outdated},
                {"comments", std::move(comments)}};
    if (t.revision) thread["revision"] = *t.revision;
    threads.push_back(std::move(thread));
  }
  Json structured{{"planId", m.id}, {"status", m.status}, {"revision", m.revision}, {"threads", std::move(threads)}};
  if (m.reviewedBy) structured["reviewedBy"] = *m.reviewedBy;
  if (m.reviewedAt) structured["reviewedAt"] = *m.reviewedAt;
  if (m.reviewedRevision) structured["reviewedRevision"] = *m.reviewedRevision;
  if (m.decisionNote) structured["decisionNote"] = *m.decisionNote;
  return {text, structured, false};
}

// Finishes `call` with the outcome: a backend error becomes an isError result.
template <typename T, typename F>
Reply<T> answer(std::shared_ptr<ToolCall> call, F&& format) {
  return [call, format = std::forward<F>(format)](Outcome<T> outcome) {
    if (!outcome.status.ok()) {
      call->finish(ToolResult::error(outcome.status.message()));
      return;
    }
    call->finish(format(outcome.value));
  };
}

// --- schemas ---

Json stringProp(const std::string& description) { return {{"type", "string"}, {"description", description}}; }

// What the markdown may hold (plan/markdown_parser.h); more is an isError result naming the limit.
std::string markdownLimits() {
  using namespace plan;
  return "; at most " + std::to_string(kMaxMarkdownBytes >> 20) + " MiB, " + std::to_string(kMaxBlocks) +
         " blocks, " + std::to_string(kMaxNesting) + " levels of nesting, " + std::to_string(kMaxTextRuns) +
         " text runs and line breaks (" + std::to_string(kMaxLineBreaks) +
         " breaks in a block), tables of at most " + std::to_string(kMaxTableColumns) +
         " columns and " + std::to_string(kMaxTableRows) + " rows with " + std::to_string(kMaxTableCells) +
         " cells in all";
}

Json statusProp(const std::string& description) {
  Json names = Json::array();
  for (plan::PlanStatus status : plan::kPlanStatuses) names.push_back(plan::statusName(status));
  return {{"type", "string"}, {"enum", std::move(names)}, {"description", description}};
}

Json objectSchema(Json properties, std::vector<std::string> required) {
  Json schema{{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  if (!required.empty()) schema["required"] = required;
  return schema;
}

Json annotations(const std::string& title, bool readOnly, bool idempotent) {
  Json a{{"title", title}, {"readOnlyHint", readOnly}, {"openWorldHint", false}};
  if (!readOnly) {
    a["destructiveHint"] = false;
    a["idempotentHint"] = idempotent;
  }
  return a;
}

Json summarySchema() {
  return objectSchema({{"id", {{"type", "string"}}},
                       {"title", {{"type", "string"}}},
                       {"status", statusProp("review status")},
                       {"createdAt", {{"type", "number"}, {"description", "ms since the epoch"}}},
                       {"updatedAt", {{"type", "number"}, {"description", "ms since the epoch"}}},
                       {"repo", {{"type", "string"}}}},
                      {"id", "title", "status", "createdAt", "updatedAt"});
}

Json metadataSchema() {
  return objectSchema({{"id", {{"type", "string"}}},
                       {"title", {{"type", "string"}}},
                       {"status", statusProp("review status")},
                       {"repo", {{"type", "string"}}},
                       {"pr", {{"type", "integer"}}},
                       {"createdAt", {{"type", "number"}}},
                       {"updatedAt", {{"type", "number"}}},
                       {"reviewedAt", {{"type", "number"}}},
                       {"reviewedBy", {{"type", "string"}}},
                       {"reviewedRevision", {{"type", "integer"}, {"description", "the revision the decision was made on"}}},
                       {"decisionNote", stringProp("the reviewer's note with the decision")},
                       {"revision", {{"type", "integer"}}},
                       {"revisedAt", {{"type", "number"}, {"description", "when the current revision's content was set"}}}},
                      {"id", "title", "status", "createdAt", "updatedAt", "revision"});
}

Json feedbackSchema() {
  Json comment = objectSchema({{"author", stringProp("the commenter's display name")},
                               {"body", stringProp("the comment as plain text")},
                               {"createdAt", {{"type", "number"}, {"description", "ms since the epoch"}}}},
                              {"author", "body", "createdAt"});
  Json thread = objectSchema({{"id", {{"type", "string"}}},
                              {"blockId", stringProp("id of the block the thread is anchored in (empty if its text is gone)")},
                              {"quote", stringProp("the commented text")},
                              {"resolved", {{"type", "boolean"}}},
                              {"outdated", {{"type", "boolean"}, {"description", "its text is no longer in the plan"}}},
                              {"revision", {{"type", "integer"}, {"description", "the revision it was made on"}}},
                              {"comments", {{"type", "array"}, {"items", comment}}}},
                             {"id", "blockId", "quote", "resolved", "outdated", "comments"});
  return objectSchema({{"planId", {{"type", "string"}}},
                       {"status", statusProp("review status; pending_review when wait_for_review timed out")},
                       {"revision", {{"type", "integer"}, {"description", "the plan's current revision"}}},
                       {"reviewedBy", stringProp("who approved or requested changes")},
                       {"reviewedAt", {{"type", "number"}}},
                       {"reviewedRevision", {{"type", "integer"}, {"description", "the revision the decision was made on"}}},
                       {"decisionNote", stringProp("the reviewer's note with the decision")},
                       {"threads", {{"type", "array"}, {"items", thread}}}},
                      {"planId", "status", "revision", "threads"});
}

Json revisionSchema() {
  return objectSchema({{"revision", {{"type", "integer"}}},
                       {"createdAt", {{"type", "number"}, {"description", "when its content was set, ms since the epoch"}}},
                       {"blocksAdded", {{"type", "integer"}, {"description", "against the revision before (absent when that one is not kept)"}}},
                       {"blocksRemoved", {{"type", "integer"}}}},
                      {"revision", "createdAt"});
}

// "Revisions: 1 (...), 2 (+3 -1 blocks), ...; showing revision 2 of 3".
std::string revisionsLine(const PlanText& p) {
  std::string line = "Revisions kept:";
  for (const plan::RevisionSummary& r : p.revisions) {
    line += " " + std::to_string(r.revision);
    if (r.compared) line += " (+" + std::to_string(r.blocksAdded) + " -" + std::to_string(r.blocksRemoved) + ")";
  }
  if (p.revision != p.metadata.revision)
    line += "\nShowing revision " + std::to_string(p.revision) + ", not the current one (" +
            std::to_string(p.metadata.revision) + ").";
  return line;
}

std::string budgetSentence(const ResultBudget& b, const std::string& item, const std::string& beside) {
  std::string s = " Its structuredContent takes at most " + std::to_string(b.fixed) + " bytes";
  if (b.perItem) s += " plus " + std::to_string(b.perItem) + " a " + item;
  if (b.perComment) s += " and " + std::to_string(b.perComment) + " a comment";
  if (!beside.empty()) s += ", beside " + beside;
  return s + ".";
}

// How read_plan gives tables back; said where markdown goes in and out.
constexpr const char* kTableNote =
    " Tables come back with every column left-aligned: BlockNote's table, like its markdown parser, keeps no column "
    "alignment (`|--:|:-:|` is read as `| --- | --- |`).";

Json toolDefinition(const std::string& name, const std::string& title, const std::string& description, Json input,
                    Json output, Json annotations) {
  return {{"name", name},
          {"title", title},
          {"description", description},
          {"inputSchema", std::move(input)},
          {"outputSchema", std::move(output)},
          {"annotations", std::move(annotations)}};
}

}  // namespace

ServerInfo roundtableServerInfo() {
  ServerInfo info;
  info.version = "0.1.0";
  info.instructions =
      "Roundtable puts your implementation plan in front of people for review. Write the plan as markdown and call "
      "create_plan; reviewers comment on it in their browser and approve it or request changes. Call "
      "wait_for_review to block until they decide (set a long tool timeout), or get_feedback to read comments so "
      "far. Revise with update_plan, which keeps unchanged blocks and their comments.";
  return info;
}

std::shared_ptr<const ToolSet> makePlanTools(std::shared_ptr<PlanBackend> backend, PlanToolLimits limits) {
  auto tools = std::make_shared<ToolSet>();

  tools->push_back(Tool{
      toolDefinition(
          "create_plan", "Create a plan for review",
          "Publish an implementation plan (markdown: headings, lists, check lists, code blocks, tables, links, "
          "images) for people to review. Opens it in the browser and returns its id, the live review page and the "
          "share link for reviewers elsewhere (a read-only snapshot link too when `snapshot` is true). Then call "
          "wait_for_review or get_feedback with the planId." +
              std::string(kTableNote) + budgetSentence(kCreatePlanBudget, "", ""),
          objectSchema({{"title", stringProp("the plan's title")},
                        {"content", stringProp("the plan as markdown (CommonMark with GitHub extensions" + markdownLimits() + ")")},
                        {"repo", stringProp("repository the plan is about, e.g. owner/name")},
                        {"pr", {{"type", "integer"}, {"minimum", 1}, {"description", "pull request number"}}},
                        {"snapshot",
                         {{"type", "boolean"},
                          {"default", false},
                          {"description", "also return snapshotUrl, a read-only copy carried in the URL itself (several KB)"}}}},
                       {"title", "content"}),
          objectSchema({{"planId", {{"type", "string"}}},
                        {"url", stringProp("live review page")},
                        {"shareUrl", stringProp("the review page for reviewers on other machines")},
                        {"snapshotUrl", stringProp("read-only copy carried in the URL itself (only when asked)")}},
                       {"planId", "url", "shareUrl"}),
          annotations("Create a plan for review", false, false)),
      [backend, limits](std::shared_ptr<ToolCall> call) {
        Args args("create_plan", call->arguments(), {"title", "content", "repo", "pr", "snapshot"});
        NewPlan plan;
        auto title = args.string("title", true, limits.maxTitleBytes);
        auto content = args.string("content", true, limits.maxContentBytes, /*nonEmpty=*/false);
        plan.repo = args.string("repo", false, limits.maxRepoBytes);
        plan.pr = args.integer("pr", 1, INT32_MAX);
        const bool snapshot = args.boolean("snapshot").value_or(false);
        if (!args.ok()) return call->finish(args.error());
        plan.snapshot = snapshot;
        plan.title = *title;
        plan.content = *content;
        backend->createPlan(std::move(plan), answer<CreatedPlan>(call, [snapshot](const CreatedPlan& c) {
          std::string text = "Created plan " + c.planId + " (" + std::to_string(c.blocks) +
                             " blocks).\nReview page: " + c.url + "\nShare link: " + c.shareUrl;
          Json structured{{"planId", c.planId}, {"url", c.url}, {"shareUrl", c.shareUrl}};
          if (snapshot) {
            text += "\nRead-only snapshot: " + c.snapshotUrl;
            structured["snapshotUrl"] = c.snapshotUrl;
          }
          text += "\nNext: wait_for_review with planId \"" + c.planId + "\" to get the reviewers' decision.";
          return ToolResult{text, std::move(structured), false};
        }));
      }});

  tools->push_back(Tool{
      toolDefinition("list_plans", "List plans",
                     "List plans, newest first, a page at a time (20 unless `limit` says otherwise; pass `nextCursor` "
                     "as `cursor` for the next page), optionally only those with a status or of a repository." +
                         budgetSentence(kListPlansBudget, "plan", "the titles and repositories"),
                     objectSchema({{"status", statusProp("only plans with this status")},
                                   {"repo", stringProp("only plans of this repository (as create_plan was given it)")},
                                   {"limit", {{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxListLimit},
                                              {"default", kDefaultListLimit}, {"description", "plans per page"}}},
                                   {"cursor", stringProp("where to continue: the nextCursor of the previous page")}},
                                  {}),
                     objectSchema({{"plans", {{"type", "array"}, {"items", summarySchema()}}},
                                   {"matching", {{"type", "integer"}, {"description", "plans that match, on all pages"}}},
                                   {"nextCursor", {{"type", "string"}, {"description", "absent on the last page"}}}},
                                  {"plans", "matching"}),
                     annotations("List plans", true, true)),
      [backend, limits](std::shared_ptr<ToolCall> call) {
        Args args("list_plans", call->arguments(), {"status", "repo", "limit", "cursor"});
        auto status = args.status("status");
        plan::IndexQuery query;
        query.repo = args.string("repo", false, limits.maxRepoBytes).value_or("");
        query.limit = static_cast<size_t>(args.integer("limit", 1, kMaxListLimit).value_or(kDefaultListLimit));
        query.cursor = args.string("cursor", false, 2048).value_or("");
        if (!args.ok()) return call->finish(args.error());
        std::string only = status ? plan::statusName(*status) : "";  // empty: every plan
        backend->listPlans(std::move(only), answer<std::vector<PlanSummary>>(call, [query](const auto& plans) {
          plan::IndexPage page;
          if (Status s = plan::pageOf(plans, query, &page); !s.ok()) return ToolResult::error("list_plans: " + s.message());
          Json list = Json::array();
          std::string text = page.matching == 0 ? "No plans.\n"
                             : std::to_string(page.plans.size()) + " of " + std::to_string(page.matching) +
                                   " plan(s), newest first:\n";
          for (const PlanSummary& p : page.plans) {
            Json entry{{"id", p.id}, {"title", p.title}, {"status", p.status}, {"createdAt", p.createdAt},
                       {"updatedAt", p.updatedAt}};
            if (p.repo) entry["repo"] = *p.repo;
            list.push_back(std::move(entry));
            text += "- " + p.id + " [" + p.status + "] " + p.title + " (updated " + isoTime(p.updatedAt) + ")\n";
          }
          Json result{{"plans", std::move(list)}, {"matching", page.matching}};
          if (!page.nextCursor.empty()) {
            result["nextCursor"] = page.nextCursor;
            text += "More: list_plans with cursor \"" + page.nextCursor + "\".\n";
          }
          return ToolResult{text, std::move(result), false};
        }));
      }});

  tools->push_back(Tool{
      toolDefinition(
          "read_plan", "Read a plan",
          "The plan as markdown with its metadata, and the revisions kept (each with the blocks added and removed "
          "against the one before). With revision, an earlier kept revision instead of the current one. With "
          "includeAnnotations, each comment thread follows the block it is anchored in, with the quoted text, "
          "authors, times, replies and resolved state (on the current revision only)." +
              std::string(kTableNote) +
              budgetSentence(kReadPlanBudget, "kept revision", "the markdown, the title and the repository"),
          objectSchema({{"planId", stringProp("the plan's id")},
                        {"revision",
                         {{"type", "integer"}, {"minimum", 1}, {"description", "an earlier revision to read (default: the current one)"}}},
                        {"includeAnnotations",
                         {{"type", "boolean"}, {"description", "place the comment threads in the text"}, {"default", false}}}},
                       {"planId"}),
          objectSchema({{"metadata", metadataSchema()},
                        {"revision", {{"type", "integer"}, {"description", "the revision this markdown is"}}},
                        {"markdown", {{"type", "string"}}},
                        {"revisions", {{"type", "array"}, {"items", revisionSchema()}}}},
                       {"metadata", "revision", "markdown", "revisions"}),
          annotations("Read a plan", true, true)),
      [backend](std::shared_ptr<ToolCall> call) {
        Args args("read_plan", call->arguments(), {"planId", "revision", "includeAnnotations"});
        auto planId = args.planId();
        auto revision = args.integer("revision", 1, int64_t{1} << 52);
        auto annotate = args.boolean("includeAnnotations");
        if (!args.ok()) return call->finish(args.error());
        backend->readPlan(*planId, revision, annotate.value_or(false), answer<PlanText>(call, [](const PlanText& p) {
          std::string text = "# " + p.metadata.title + "\n\n" + metadataLine(p.metadata) + "\n" + revisionsLine(p) +
                             "\n\n---\n\n" + p.markdown;
          Json revisions = Json::array();
          for (const plan::RevisionSummary& r : p.revisions) {
            Json j{{"revision", r.revision}, {"createdAt", r.createdAt}};
            if (r.compared) {
              j["blocksAdded"] = r.blocksAdded;
              j["blocksRemoved"] = r.blocksRemoved;
            }
            revisions.push_back(std::move(j));
          }
          return ToolResult{text,
                            Json{{"metadata", metadataJson(p.metadata)},
                                 {"revision", p.revision},
                                 {"markdown", p.markdown},
                                 {"revisions", std::move(revisions)}},
                            false};
        }));
      }});

  tools->push_back(Tool{
      toolDefinition(
          "update_plan", "Update a plan",
          "Change a plan's title or status, or replace its content with new markdown. Blocks whose text did not "
          "change are kept (with their comments); a content change bumps the revision and puts the plan back to "
          "pending_review. Blocks are counted as create_plan counts them: every block, nested ones included." +
              budgetSentence(kUpdatePlanBudget, "", "the title and the repository"),
          objectSchema({{"planId", stringProp("the plan's id")},
                        {"title", stringProp("new title")},
                        {"status", statusProp("new status")},
                        {"content", stringProp("the whole plan as new markdown (limits as in create_plan)")}},
                       {"planId"}),
          objectSchema({{"metadata", metadataSchema()},
                        {"blocksKept", {{"type", "integer"}}},
                        {"blocksAdded", {{"type", "integer"}}},
                        {"blocksRemoved", {{"type", "integer"}}}},
                       {"metadata"}),
          annotations("Update a plan", false, false)),
      [backend, limits](std::shared_ptr<ToolCall> call) {
        Args args("update_plan", call->arguments(), {"planId", "title", "status", "content"});
        PlanChange change;
        auto planId = args.planId();
        change.title = args.string("title", false, limits.maxTitleBytes);
        change.status = args.status("status");
        change.content = args.string("content", false, limits.maxContentBytes, /*nonEmpty=*/false);
        if (!args.ok()) return call->finish(args.error());
        if (!change.title && !change.status && !change.content)
          return call->finish(ToolResult::error("update_plan: give at least one of 'title', 'status', 'content'"));
        change.planId = *planId;
        bool contentChanged = change.content.has_value();
        backend->updatePlan(std::move(change), answer<UpdatedPlan>(call, [contentChanged](const UpdatedPlan& u) {
          std::string text = "Updated plan " + u.metadata.id + ". " + metadataLine(u.metadata) + "\n";
          Json structured{{"metadata", metadataJson(u.metadata)}};
          if (contentChanged) {
            text += "Blocks kept: " + std::to_string(u.kept) + ", added: " + std::to_string(u.added) +
                    ", removed: " + std::to_string(u.removed) + "\n";
            structured["blocksKept"] = u.kept;
            structured["blocksAdded"] = u.added;
            structured["blocksRemoved"] = u.removed;
          }
          return ToolResult{text, structured, false};
        }));
      }});

  tools->push_back(Tool{
      toolDefinition("get_feedback", "Get review feedback",
                     "The plan's review status and every comment thread: quoted text, authors' names, bodies, resolved "
                     "state." + budgetSentence(kFeedbackBudget, "thread", "the quotes, names and comments"),
                     objectSchema({{"planId", stringProp("the plan's id")}}, {"planId"}), feedbackSchema(),
                     annotations("Get review feedback", true, true)),
      [backend](std::shared_ptr<ToolCall> call) {
        Args args("get_feedback", call->arguments(), {"planId"});
        auto planId = args.planId();
        if (!args.ok()) return call->finish(args.error());
        backend->getFeedback(*planId, answer<Feedback>(call, feedbackResult));
      }});

  tools->push_back(Tool{
      toolDefinition(
          "wait_for_review", "Wait for the review",
          "Block until the reviewers approve the plan or request changes, then return the feedback as get_feedback "
          "does. Returns status pending_review after timeoutSeconds (default 600). Sends progress notifications "
          "while waiting when the request has a progressToken (over HTTP the answer is an event stream from the "
          "start); set the client's tool timeout above timeoutSeconds." +
              budgetSentence(kFeedbackBudget, "thread", "the quotes, names and comments"),
          objectSchema({{"planId", stringProp("the plan's id")},
                        {"timeoutSeconds",
                         {{"type", "number"},
                          {"exclusiveMinimum", 0},
                          {"maximum", limits.maxWaitSeconds},
                          {"default", limits.defaultWaitSeconds},
                          {"description", "give up after this long and return the current status"}}}},
                       {"planId"}),
          feedbackSchema(), annotations("Wait for the review", true, true)),
      [backend, limits](std::shared_ptr<ToolCall> call) {
        Args args("wait_for_review", call->arguments(), {"planId", "timeoutSeconds"});
        auto planId = args.planId();
        auto timeout = args.number("timeoutSeconds", 0.001, static_cast<double>(limits.maxWaitSeconds));
        if (!args.ok()) return call->finish(args.error());
        const int64_t timeoutMs = static_cast<int64_t>(timeout.value_or(static_cast<double>(limits.defaultWaitSeconds)) * 1000);
        auto tick = [call, timeoutMs](int64_t waitedMs) {
          call->progress(static_cast<double>(waitedMs) / 1000, static_cast<double>(timeoutMs) / 1000,
                         "waiting for the reviewers (" + std::to_string(waitedMs / 1000) + " s)");
        };
        auto cancelWait = backend->waitForReview(*planId, timeoutMs, limits.progressIntervalMs, tick,
                                                 answer<Feedback>(call, feedbackResult));
        call->onCancel(std::move(cancelWait));
      }});

  return tools;
}

}  // namespace roundtable::mcp
