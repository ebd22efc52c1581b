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

std::shared_ptr<const ToolSet> makePlanTools(std::shared_ptr<PlanBackend> backend, PlanToolLimits limits = {});

// What every Roundtable MCP server says about itself in initialize.
ServerInfo roundtableServerInfo();

}  // namespace roundtable::mcp
