// `roundtable hook claude-code`: the hook Claude Code runs on ExitPlanMode
// (src/hook/claude_code_hook.h, docs/claude-code.md).
#pragma once

#include <CLI/CLI.hpp>

namespace roundtable::cli {

void addHookCommand(CLI::App& app);

}  // namespace roundtable::cli
