#include "cli/environment.h"

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace roundtable::cli {

std::string defaultDataDir() {
  if (const char* env = std::getenv("ROUNDTABLE_DATA"); env && *env) return env;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : ".") + "/.roundtable";
}

uint16_t defaultPort(uint16_t fallback) {
  if (const char* env = std::getenv("ROUNDTABLE_PORT"); env && *env) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end && *end == '\0' && v >= 0 && v <= 65535) return static_cast<uint16_t>(v);
    std::cerr << "ignoring ROUNDTABLE_PORT='" << env << "': not a port number\n";
  }
  return fallback;
}

std::string envToken() {
  const char* v = std::getenv("ROUNDTABLE_TOKEN");
  return v ? std::string(v) : std::string();
}

void resolveHub(const std::string& hubUrl, bool portGiven, const std::string& tokenFile, mcp_stdio::HubAddress* hub) {
  std::string url = hubUrl;
  if (url.empty() && !portGiven)
    if (const char* env = std::getenv("ROUNDTABLE_HUB"); env && *env) url = env;
  if (!url.empty()) {
    mcp_stdio::HubAddress remote;
    if (Status s = mcp_stdio::parseHubUrl(url, &remote); !s.ok()) {
      std::cerr << "roundtable: " << s.message() << "\n";
      throw CLI::RuntimeError(2);
    }
    *hub = std::move(remote);
  }
  if (tokenFile.empty()) {
    hub->token = envToken();
    return;
  }
  std::ifstream file(tokenFile);
  std::string line;
  if (file) {
    // A token is at most 4096 bytes (the hub refuses longer): read a little more, no further.
    char buf[8192];
    file.getline(buf, sizeof buf);
    line.assign(buf, static_cast<size_t>(std::max<std::streamsize>(0, file.gcount())));
    while (!line.empty() && (line.back() == '\0' || line.back() == '\n')) line.pop_back();
  }
  size_t b = line.find_first_not_of(" \t\r");
  size_t e = line.find_last_not_of(" \t\r");
  hub->token = b == std::string::npos ? "" : line.substr(b, e - b + 1);
  if (!file.is_open() || hub->token.empty()) {
    std::cerr << "roundtable: cannot read a token from " << tokenFile
              << (file.is_open() ? ": its first line is empty" : ": no such readable file") << "\n";
    throw CLI::RuntimeError(2);
  }
}

void addHubOptions(CLI::App* cmd, CLI::Option* port, std::string* hubUrl, std::string* tokenFile) {
  cmd->add_option("--hub", *hubUrl,
                  "URL of a hub elsewhere, e.g. https://roundtable.example.com (or ROUNDTABLE_HUB); never started from here")
      ->excludes(port);
  cmd->add_option("--token-file", *tokenFile, "Access token for a hub with access control: the first line of FILE (or ROUNDTABLE_TOKEN)");
}

bool envNoOpen() {
  const char* v = std::getenv("ROUNDTABLE_NO_OPEN");
  return v && *v && std::string(v) != "0";
}

std::string selfExecutable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? "roundtable" : path.string();
}

}  // namespace roundtable::cli
