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
  auto hubUrl = std::make_shared<std::string>();
  auto tokenFile = std::make_shared<std::string>();
  options->hub.port = defaultPort(4141);
  options->dataDir = defaultDataDir();
  CLI::App* cmd = app.add_subcommand(
      "mcp", "MCP server for AI agents on stdin/stdout; works through the hub, starting a local one when none answers "
      "(never one named by --hub)");
  CLI::Option* port = cmd->add_option("--port", options->hub.port, "Port of the hub on this machine (default 4141, or ROUNDTABLE_PORT)");
  addHubOptions(cmd, port, hubUrl.get(), tokenFile.get());
  cmd->add_option("--data", options->dataDir, "Data directory of a hub this command starts (default ~/.roundtable, or ROUNDTABLE_DATA)");
  cmd->add_flag("--no-open", *noOpen, "Do not open the browser on new plans (or ROUNDTABLE_NO_OPEN=1)");
  cmd->add_option("--log-level", *logLevel, "stderr log level: trace, debug, info, warn, error")->capture_default_str();
  cmd->callback([options, noOpen, logLevel, hubUrl, tokenFile, port] {
    resolveHub(*hubUrl, port->count() > 0, *tokenFile, &options->hub);
    // stdout carries MCP only: every log line goes to stderr.
    spdlog::set_default_logger(spdlog::stderr_color_mt("roundtable-mcp"));
    spdlog::set_level(spdlog::level::from_str(*logLevel));
    options->openBrowser = !*noOpen && !envNoOpen();
    options->executable = selfExecutable();
    throw CLI::RuntimeError(mcp_stdio::runStdioBridge(*options));
  });
}

void addOpenCommand(CLI::App& app) {
  auto planId = std::make_shared<std::string>();
  auto hub = std::make_shared<mcp_stdio::HubAddress>();
  auto hubUrl = std::make_shared<std::string>();
  auto token = std::make_shared<std::string>();
  hub->port = defaultPort(4141);
  CLI::App* cmd = app.add_subcommand("open", "Open a plan's review page in the browser");
  cmd->add_option("PLAN_ID", *planId, "The plan's id (list_plans shows them)")->required();
  CLI::Option* port = cmd->add_option("--port", hub->port, "Port of the hub on this machine (default 4141, or ROUNDTABLE_PORT)");
  cmd->add_option("--hub", *hubUrl, "URL of a hub elsewhere, e.g. https://roundtable.example.com (or ROUNDTABLE_HUB)")
      ->excludes(port);
  cmd->add_option("--token-file", *token,
                  "A token for the page (first line of FILE), put in the link's fragment; without it, the page asks "
                  "for none and a hub with access control refuses it");
  cmd->callback([planId, hub, hubUrl, token, port] {
    resolveHub(*hubUrl, port->count() > 0, "", hub.get());
    if (!token->empty()) resolveHub("", true, *token, hub.get());
    std::string base = hub->remote ? hub->describe() : "http://" + hub->hostHeader();
    // The fragment never reaches the server or Referer (docs/hub.md "Where tokens travel").
    std::string url = base + "/plan/" + *planId + (token->empty() ? "" : "#access_token=" + hub->token);
    std::cout << (token->empty() ? url : base + "/plan/" + *planId) << "\n";  // the token stays off the terminal
    mcp_stdio::openInBrowser(url);
  });
}

}  // namespace roundtable::cli
