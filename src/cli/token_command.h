// `roundtable token issue`: prints an access token signed with the hub's
// secret (docs/hub.md, "Access control").
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace roundtable::cli {

void addTokenCommand(CLI::App& app);

// The token secret in `path`: its bytes, without a final line break. False,
// with *error saying why, if it cannot be read or is shorter than
// auth::kMinSecretBytes.
bool readTokenSecret(const std::string& path, std::string* secret, std::string* error);

}  // namespace roundtable::cli
