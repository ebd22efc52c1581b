#include "mcp/json_rpc.h"

namespace roundtable::mcp {

Incoming classify(const Json& message) {
  Incoming in;
  if (!message.is_object()) {
    in.errorMessage = message.is_array() ? "batches are not supported (MCP 2025-06-18 and later)"
                                         : "a JSON-RPC message must be an object";
    return in;
  }
  if (auto id = message.find("id"); id != message.end()) {
    // Only string and integer ids can be echoed verbatim; anything else makes
    // the message invalid, answered with a null id.
    if (id->is_string() || id->is_number_integer()) in.id = *id;
  }
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0") {
    in.errorMessage = "\"jsonrpc\" must be \"2.0\"";
    return in;
  }
  auto method = message.find("method");
  if (method == message.end()) {
    if (message.contains("result") || message.contains("error")) {
      in.kind = Incoming::Kind::kResponse;
      return in;
    }
    in.errorMessage = "a request needs a \"method\"";
    return in;
  }
  if (!method->is_string()) {
    in.errorMessage = "\"method\" must be a string";
    return in;
  }
  in.method = method->get<std::string>();
  if (auto params = message.find("params"); params != message.end()) {
    if (!params->is_object()) {
      in.errorMessage = "\"params\" must be an object";
      return in;
    }
    in.params = *params;
  }
  if (auto id = message.find("id"); id != message.end()) {
    if (!(id->is_string() || id->is_number_integer())) {
      in.errorMessage = "\"id\" must be a string or an integer";
      return in;
    }
    in.kind = Incoming::Kind::kRequest;
  } else {
    in.kind = Incoming::Kind::kNotification;
  }
  return in;
}

// nlohmann::json copies, compares and prints nested values recursively, so a
// message nested a hundred thousand levels deep (well within a body limit)
// would exhaust the stack. MCP messages are a few levels deep: the nesting is
// checked on the text, before anything is built.
bool nestingWithin(std::string_view text, int maxDepth) {
  int depth = 0;
  bool inString = false, escaped = false;
  for (char c : text) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '[' || c == '{') {
      if (++depth > maxDepth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

Incoming parseMessage(std::string_view text) {
  if (!nestingWithin(text, kMaxNesting)) {
    Incoming in;
    in.errorMessage = "the message is nested deeper than " + std::to_string(kMaxNesting) + " levels";
    return in;
  }
  Json message = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (message.is_discarded()) {
    Incoming in;
    in.errorCode = kParseError;
    in.errorMessage = "parse error: not valid JSON";
    return in;
  }
  return classify(message);
}

Json makeResult(const Json& id, Json result) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json makeError(const Json& id, int code, std::string_view message) {
  return Json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}};
}

Json makeNotification(std::string_view method, Json params) {
  return Json{{"jsonrpc", "2.0"}, {"method", method}, {"params", std::move(params)}};
}

}  // namespace roundtable::mcp
