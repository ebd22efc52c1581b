// roundtable: one binary, one subcommand per part (see docs/product.md).
#include <CLI/CLI.hpp>

#include "cli/doc_command.h"
#include "cli/hook_command.h"
#include "cli/mcp_command.h"
#include "cli/serve_command.h"
#include "cli/token_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Roundtable: review an AI agent's implementation plan together, in real time"};
  app.set_version_flag("--version", "roundtable " ROUNDTABLE_VERSION, "Print the version and exit");
  app.require_subcommand(1);
  roundtable::cli::addServeCommand(app);
  roundtable::cli::addSignalCommand(app);
  roundtable::cli::addDocCommand(app);
  roundtable::cli::addMcpCommand(app);
  roundtable::cli::addOpenCommand(app);
  roundtable::cli::addHookCommand(app);
  roundtable::cli::addTokenCommand(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  return 0;
}
