// Defaults every subcommand shares: ROUNDTABLE_PORT, ROUNDTABLE_DATA,
// ROUNDTABLE_HUB and ROUNDTABLE_TOKEN stand for --port, --data, --hub and
// --token-file (flags win).
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "mcp_stdio/hub_launcher.h"

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
// The hub a front (`mcp`, `hook`, `open`) talks to: `hubUrl` (--hub), else
// ROUNDTABLE_HUB unless --port was given, else the local hub on hub->port;
// the token from `tokenFile` (its first line; --token-file, which ps does
// not show as it would a token) else ROUNDTABLE_TOKEN. On a bad URL or an
// unreadable token file, says why on stderr and throws CLI::RuntimeError(2).
void resolveHub(const std::string& hubUrl, bool portGiven, const std::string& tokenFile, mcp_stdio::HubAddress* hub);

// --hub and --token-file of `mcp` and `hook` (--hub excludes --port).
void addHubOptions(CLI::App* cmd, CLI::Option* port, std::string* hubUrl, std::string* tokenFile);

// This binary (/proc/self/exe), to start `roundtable serve`; "roundtable" if unknown.
std::string selfExecutable();

}  // namespace roundtable::cli
