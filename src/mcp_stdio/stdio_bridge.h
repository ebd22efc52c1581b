// StdioBridge: `roundtable mcp`, the MCP server an agent launches.
//
// It speaks MCP on stdin/stdout (newline-delimited JSON-RPC) and carries every
// message to the hub's Streamable HTTP endpoint (/mcp), so all agents work on
// the hub's one store and see each other's plans. The tools run in the hub;
// this process adds what belongs to the agent's machine and session:
//   - it starts the hub when none answers, and again if it stops, then opens a
//     new hub session with the agent's original initialize and retries what
//     is safe to retry (reads and waits; a create or update that may have
//     happened is reported instead of repeated);
//     a hub named by URL (HubAddress::remote) is never started: a call that
//     cannot reach it is answered with an error naming it;
//   - it opens the browser on the plan a create_plan call made (unless told
//     not to);
//   - logs go to stderr only; it exits when stdin closes, ending its hub
//     session (which cancels its calls in flight).
#pragma once

#include <string>

#include "mcp_stdio/hub_launcher.h"

namespace roundtable::mcp_stdio {

struct BridgeOptions {
  HubAddress hub;
  std::string dataDir;     // for a hub this bridge starts
  std::string executable;  // this binary, to run `serve`
  bool openBrowser = true;
  size_t maxLineBytes = 8u << 20;
};

// Runs until stdin reaches EOF. Returns the process exit code.
int runStdioBridge(const BridgeOptions& options);

// Opens `url` in the user's browser ($BROWSER, else xdg-open or open),
// detached, its output discarded. Does nothing for URLs that are not http(s).
void openInBrowser(const std::string& url);

}  // namespace roundtable::mcp_stdio
