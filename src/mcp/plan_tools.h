// Roundtable's MCP tools (docs/mcp.md): create_plan, list_plans,
// read_plan, update_plan, get_feedback, wait_for_review.
//
// Each tool checks the agent's arguments against its input schema and
// answers mistakes with an isError result saying what to fix; results carry
// text for people and structuredContent matching the tool's outputSchema.
#pragma once

#include <cstdint>
#include <memory>

#include "mcp/plan_backend.h"
#include "mcp/server.h"

namespace roundtable::mcp {

struct PlanToolLimits {
  size_t maxTitleBytes = 1000;
  size_t maxContentBytes = 1u << 20;  // markdown
  size_t maxRepoBytes = 1000;
  int64_t defaultWaitSeconds = 600;
  int64_t maxWaitSeconds = 24 * 3600;
  // wait_for_review reports progress at least this often (the spec asks 30 s;
  // clients reset their request timeouts on progress).
  int64_t progressIntervalMs = 15000;
};

// What each tool's structuredContent may take of the model's context (Claude
// Code hands the model structuredContent, not the text), in bytes of compact
// JSON beside the strings that people wrote: titles, repositories, markdown,
// quotes, names and comments. Each tool's description states its budget;
// server_test.cc holds the tools to them.
struct ResultBudget {
  size_t fixed;        // the result's own share
  size_t perItem = 0;  // list_plans: each plan; get_feedback, wait_for_review: each thread
  size_t perComment = 0;
};
inline constexpr ResultBudget kCreatePlanBudget{400};  // the URLs included (snapshotUrl only when asked)
inline constexpr ResultBudget kListPlansBudget{100, 150};
inline constexpr ResultBudget kReadPlanBudget{400, 80};  // plus each kept revision
inline constexpr ResultBudget kUpdatePlanBudget{350};
inline constexpr ResultBudget kFeedbackBudget{220, 150, 90};

std::shared_ptr<const ToolSet> makePlanTools(std::shared_ptr<PlanBackend> backend, PlanToolLimits limits = {});

// What every Roundtable MCP server says about itself in initialize.
ServerInfo roundtableServerInfo();

}  // namespace roundtable::mcp
