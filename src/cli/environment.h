// Defaults every subcommand shares: ROUNDTABLE_PORT and ROUNDTABLE_DATA stand
// for --port and --data (flags win).
#pragma once

#include <cstdint>
#include <string>

namespace roundtable::cli {

// ROUNDTABLE_PORT if set (a warning on stderr if it is not a port), else `fallback`.
uint16_t defaultPort(uint16_t fallback);
// ROUNDTABLE_DATA if set, else ~/.roundtable.
std::string defaultDataDir();
// ROUNDTABLE_NO_OPEN set to anything but "" or "0".
bool envNoOpen();
// ROUNDTABLE_TOKEN: the access token `roundtable mcp` and `roundtable hook`
// send to a hub with access control; empty if unset.
std::string envToken();
// This binary (/proc/self/exe), to start `roundtable serve`; "roundtable" if unknown.
std::string selfExecutable();

}  // namespace roundtable::cli
