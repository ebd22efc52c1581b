// PlanBackend: the plan operations behind Roundtable's MCP tools. The hub
// implements it on its documents; the tools (plan_tools.h) validate the
// agent's arguments, call it and word the results.
//
// Every operation answers through its callback, possibly on another thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plan/metadata.h"
#include "plan/plan_doc.h"
#include "plan/plan_index.h"
#include "plan/revisions.h"
#include "roundtable/base/status.h"

namespace roundtable::mcp {

template <typename T>
struct Outcome {
  Status status;  // not ok: nothing else is set
  T value{};
};
template <typename T>
using Reply = std::function<void(Outcome<T>)>;

using plan::PlanMetadata;
using plan::PlanSummary;

struct NewPlan {
  std::string title, content;  // content: markdown
  std::optional<std::string> repo;
  std::optional<int64_t> pr;
  bool snapshot = false;  // CreatedPlan::snapshotUrl wanted (it costs a compression of the whole plan)
};

struct CreatedPlan {
  std::string planId;
  std::string url;       // the live review page on the hub, with the room secret in its fragment
  std::string shareUrl;  // the same page for reviewers elsewhere (the public site when there is one)
  std::string snapshotUrl;  // empty unless NewPlan::snapshot
  size_t blocks = 0;     // every block, nested ones included (as update_plan counts them)
};

struct PlanText {
  PlanMetadata metadata;
  std::string markdown;              // of revision `revision`
  int64_t revision = 0;              // the revision shown (0: the current one)
  std::vector<plan::RevisionSummary> revisions;  // kept ones and the current one, oldest first
};

struct PlanChange {
  std::string planId;
  std::optional<std::string> title;
  std::optional<plan::PlanStatus> status;
  std::optional<std::string> content;  // markdown
};

struct UpdatedPlan {
  PlanMetadata metadata;
  // For a content change: blocks kept as they were (with their comments),
  // added and removed.
  size_t kept = 0, added = 0, removed = 0;
};

using plan::FeedbackComment;
using plan::FeedbackThread;

struct Feedback {
  PlanMetadata metadata;
  std::vector<FeedbackThread> threads;
};

// How a backend's NotFound for an unknown plan id begins, so that clients of
// the tools (the Claude Code hook) can tell a plan that is gone from a failure.
inline constexpr const char* kUnknownPlan = "no plan with id";

class PlanBackend {
 public:
  virtual ~PlanBackend() = default;
  virtual void createPlan(NewPlan plan, Reply<CreatedPlan> reply) = 0;
  // Newest first; `status` empty lists every plan.
  virtual void listPlans(std::string status, Reply<std::vector<PlanSummary>> reply) = 0;
  // `revision`: an earlier kept revision (nullopt: the current one).
  virtual void readPlan(std::string planId, std::optional<int64_t> revision, bool includeAnnotations,
                        Reply<PlanText> reply) = 0;
  virtual void updatePlan(PlanChange change, Reply<UpdatedPlan> reply) = 0;
  virtual void getFeedback(std::string planId, Reply<Feedback> reply) = 0;

  // Waits until the plan's status is approved or changes_requested (at once
  // if it already is), then answers its feedback; after `timeoutMs` answers
  // it as it stands. `tick` is called at least every `tickMs` while waiting.
  // The returned function cancels the wait (no reply follows).
  virtual std::function<void()> waitForReview(std::string planId, int64_t timeoutMs, int64_t tickMs,
                                              std::function<void(int64_t waitedMs)> tick,
                                              Reply<Feedback> reply) = 0;
};

}  // namespace roundtable::mcp
