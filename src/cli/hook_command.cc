#include "cli/hook_command.h"

#include <iostream>

#include "cli/environment.h"
#include "hook/claude_code_hook.h"

namespace roundtable::cli {

void addHookCommand(CLI::App& app) {
  auto options = std::make_shared<hook::ClaudeCodeHookOptions>();
  auto noOpen = std::make_shared<bool>(false);
  auto hubUrl = std::make_shared<std::string>();
  auto tokenFile = std::make_shared<std::string>();
  options->hub.port = defaultPort(4141);
  options->dataDir = defaultDataDir();
  CLI::App* hookCmd = app.add_subcommand("hook", "Hooks that send an agent's plans to review");
  hookCmd->require_subcommand(1);
  CLI::App* cmd = hookCmd->add_subcommand(
      "claude-code",
      "Claude Code's hook on ExitPlanMode (PermissionRequest or PreToolUse): sends the plan to review, waits for the "
      "decision and answers it on stdout");
  CLI::Option* port = cmd->add_option("--port", options->hub.port, "Port of the hub on this machine (default 4141, or ROUNDTABLE_PORT)");
  addHubOptions(cmd, port, hubUrl.get(), tokenFile.get());
  cmd->add_option("--data", options->dataDir, "Data directory of a hub this command starts (default ~/.roundtable, or ROUNDTABLE_DATA)");
  cmd->add_flag("--no-open", *noOpen, "Do not open the browser on new plans (or ROUNDTABLE_NO_OPEN=1)");
  cmd->add_option("--wait-seconds", options->waitSeconds, "Length of each wait_for_review call (the hook waits until a decision)")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
  cmd->callback([options, noOpen, hubUrl, tokenFile, port] {
    options->openBrowser = !*noOpen && !envNoOpen();
    options->executable = selfExecutable();
    // A bad --hub or token file: the hook's rule is still no decision, exit 0.
    try {
      resolveHub(*hubUrl, port->count() > 0, *tokenFile, &options->hub);
    } catch (const CLI::RuntimeError&) {
      std::cerr << "roundtable hook: no decision, Claude Code asks as usual\n";
      throw CLI::RuntimeError(0);
    }
    throw CLI::RuntimeError(hook::runClaudeCodeHook(*options, std::cin, std::cout, std::cerr));
  });
}

}  // namespace roundtable::cli
