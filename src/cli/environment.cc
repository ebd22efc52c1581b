#include "cli/environment.h"

#include <cstdlib>
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

}  // namespace roundtable::cli
