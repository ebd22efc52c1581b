// `roundtable hook claude-code`: the hook Claude Code runs when its model
// calls ExitPlanMode (docs/claude-code.md). It sends the plan to review
// through the hub, as create_plan and update_plan do, waits for the
// reviewers' decision and answers Claude Code with it:
//   - changes requested: deny, with a message for the model (the decision,
//     who made it, each open thread with its quote and comments, and the
//     instruction to revise the plan and exit plan mode again);
//   - approved: allow, the plan echoed in updatedInput with the open threads
//     appended as notes.
// The same Claude session and plan file give the same Roundtable plan: a
// resubmission is update_plan on it (its next revision; unchanged blocks keep
// their threads), remembered in DATA/claude-code/.
// Whatever goes wrong (input that is not a hook's, an unreadable or oversized
// plan, a hub that cannot be reached or started) ends with exit status 0,
// nothing on stdout and one line on stderr: Claude Code then asks the user
// itself. Never a silent allow.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>

#include "mcp_stdio/hub_launcher.h"

namespace roundtable::hook {

struct ClaudeCodeHookOptions {
  mcp_stdio::HubAddress hub;
  std::string dataDir;      // for a hub this command starts, and the plans it remembers
  std::string executable;   // this binary, to run `serve`
  bool openBrowser = true;  // open the review page when a plan is created
  // Each wait_for_review call lasts at most this long; the hook calls it
  // again until a decision (Claude Code's hook timeout ends the wait).
  int64_t waitSeconds = 600;
};

// Reads the hook input from `in`, writes the decision (or nothing) to `out`
// and what happened to `err`. Returns the exit status: always 0, since a
// non-zero status would make Claude Code show an error instead of asking.
int runClaudeCodeHook(const ClaudeCodeHookOptions& options, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace roundtable::hook
