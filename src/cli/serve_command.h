// `roundtable serve` (the hub) and `roundtable signal` (the relay alone).
#pragma once

#include <CLI/CLI.hpp>

namespace roundtable::cli {

void addServeCommand(CLI::App& app);
void addSignalCommand(CLI::App& app);

}  // namespace roundtable::cli
