#include "cli/environment.h"

#include <cstdlib>
#include <filesystem>
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
