// The test drivers' loop: one JSON request per stdin line, one JSON answer per
// stdout line; an exception becomes {"ok":false,"error":...}.
#pragma once

#include <functional>
#include <iostream>
#include <string>

#include "lib0/json.h"
#include "roundtable/lib0/value.h"
#include "roundtable/base/status.h"

namespace roundtable::testing {

// The name a Node test sees in an answer's "code" for a Status error.
inline const char* statusCodeName(StatusCode c) {
  switch (c) {
    case StatusCode::kOk: return "Ok";
    case StatusCode::kInvalidArgument: return "InvalidArgument";
    case StatusCode::kNotFound: return "NotFound";
    case StatusCode::kFailedPrecondition: return "FailedPrecondition";
    case StatusCode::kResourceExhausted: return "ResourceExhausted";
    case StatusCode::kInternal: return "Internal";
  }
  return "?";
}

inline int serveJsonLines(const std::function<lib0::Value(const lib0::Value&)>& handle) {
  std::ios::sync_with_stdio(false);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (line.empty()) continue;
    lib0::Value res;
    try {
      res = handle(lib0::parseJSON(line));
    } catch (const std::exception& e) {
      lib0::Value::Object o;
      o.set("ok", false);
      o.set("error", std::string(e.what()));
      res = lib0::Value(std::move(o));
    }
    std::cout << lib0::toJSON(res) << '\n' << std::flush;
  }
  return 0;
}

}  // namespace roundtable::testing
