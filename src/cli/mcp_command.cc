#include "cli/mcp_command.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <iostream>

#include "cli/environment.h"
#include "mcp_stdio/stdio_bridge.h"

namespace roundtable::cli {


void addMcpCommand(CLI::App& app) {
  auto options = std::make_shared<mcp_stdio::BridgeOptions>();
  auto noOpen = std::make_shared<bool>(false);
  auto logLevel = std::make_shared<std::string>("warn");
  options->hub.port = defaultPort(4141);
  options->dataDir = defaultDataDir();
  CLI::App* cmd = app.add_subcommand(
      "mcp", "MCP server for AI agents on stdin/stdout; works through the hub, starting it when none answers");
  cmd->add_option("--port", options->hub.port, "Port of the hub (default 4141, or ROUNDTABLE_PORT)");
  cmd->add_option("--data", options->dataDir, "Data directory of a hub this command starts (default ~/.roundtable, or ROUNDTABLE_DATA)");
  cmd->add_flag("--no-open", *noOpen, "Do not open the browser on new plans (or ROUNDTABLE_NO_OPEN=1)");
  cmd->add_option("--log-level", *logLevel, "stderr log level: trace, debug, info, warn, error")->capture_default_str();
  cmd->callback([options, noOpen, logLevel] {
    // stdout carries MCP only: every log line goes to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("roundtable-mcp"));
    spdlog::set_level(spdlog::level::from_str(*logLevel));
    options->openBrowser = !*noOpen && !envNoOpen();
    options->executable = selfExecutable();
    options->hub.token = envToken();
    throw CLI::RuntimeError(mcp_stdio::runStdioBridge(*options));
  });
}

void addOpenCommand(CLI::App& app) {
  auto planId = std::make_shared<std::string>();
  auto port = std::make_shared<uint16_t>(defaultPort(4141));
  CLI::App* cmd = app.add_subcommand("open", "Open a plan's review page in the browser");
  cmd->add_option("PLAN_ID", *planId, "The plan's id (list_plans shows them)")->required();
  cmd->add_option("--port", *port, "Port of the hub (default 4141, or ROUNDTABLE_PORT)");
  cmd->callback([planId, port] {
    std::string url = "http://127.0.0.1:" + std::to_string(*port) + "/plan/" + *planId;
    std::cout << url << "\n";
    mcp_stdio::openInBrowser(url);
  });
}

}  // namespace roundtable::cli
