#pragma once

#include <CLI/CLI.hpp>

namespace roundtable::cli {

// `roundtable mcp`: the stdio MCP server for agents (see mcp_stdio/stdio_bridge.h).
void addMcpCommand(CLI::App& app);
// `roundtable open PLAN_ID`: opens a plan's review page in the browser.
void addOpenCommand(CLI::App& app);

}  // namespace roundtable::cli
