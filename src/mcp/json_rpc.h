// JSON-RPC 2.0 as MCP uses it: classifying what a client sent and building
// what the server answers. No batches: MCP 2025-06-18 removed them, so an
// array is an invalid request.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace roundtable::mcp {

using Json = nlohmann::json;

// Standard error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;

struct Incoming {
  enum class Kind { kRequest, kNotification, kResponse, kInvalid };
  Kind kind = Kind::kInvalid;
  Json id;             // kRequest: the id exactly as sent (string or integer)
  std::string method;  // kRequest, kNotification
  Json params;         // object or null
  // kInvalid: the error to answer (id null unless the id could be read).
  int errorCode = kInvalidRequest;
  std::string errorMessage;
};

// Deepest nesting of arrays and objects parseMessage accepts.
inline constexpr int kMaxNesting = 64;

// Whether the JSON text nests arrays and objects at most `maxDepth` deep;
// checked on the text, before a parser builds anything (nothing here recurses).
bool nestingWithin(std::string_view text, int maxDepth);

// Classifies one message already parsed from JSON.
Incoming classify(const Json& message);
// Parses and classifies text; malformed JSON gives kInvalid with kParseError,
// nesting deeper than kMaxNesting kInvalid with kInvalidRequest.
Incoming parseMessage(std::string_view text);

Json makeResult(const Json& id, Json result);
Json makeError(const Json& id, int code, std::string_view message);
Json makeNotification(std::string_view method, Json params);

}  // namespace roundtable::mcp
