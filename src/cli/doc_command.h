// `roundtable doc`: inspect, merge, diff and convert Yjs updates (v1 and v2).
#pragma once

#include <CLI/CLI.hpp>

namespace roundtable::cli {

void addDocCommand(CLI::App& app);

}  // namespace roundtable::cli
