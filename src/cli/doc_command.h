// `roundtable doc`: inspect and convert Yjs v1 updates.
#pragma once

#include <CLI/CLI.hpp>

namespace roundtable::cli {

void addDocCommand(CLI::App& app);

}  // namespace roundtable::cli
