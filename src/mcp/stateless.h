// MCP revision 2026-07-28: requests without the initialize handshake or a
// session. Every request names its protocol version and the client's
// capabilities in params._meta; on Streamable HTTP the version, the method and
// the tool name are mirrored into headers (MCP-Protocol-Version, Mcp-Method,
// Mcp-Name) that must match the body. Sources, in the specification repository
// (modelcontextprotocol/modelcontextprotocol at b0f60ba): docs/specification/
// 2026-07-28/basic/index.mdx (_meta, error codes), basic/versioning.mdx,
// basic/transports/streamable-http.mdx and schema/2026-07-28/schema.ts.
//
// Nothing here keeps state: a request is checked and answered from what it
// carries, so any hub replica can serve it.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mcp/json_rpc.h"

namespace roundtable::mcp {

// Error codes the specification reserves (-32020 to -32099).
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kMissingRequiredClientCapability = -32021;
inline constexpr int kUnsupportedProtocolVersion = -32022;

// Reserved _meta keys.
inline constexpr const char* kMetaProtocolVersion = "io.modelcontextprotocol/protocolVersion";
inline constexpr const char* kMetaClientCapabilities = "io.modelcontextprotocol/clientCapabilities";
inline constexpr const char* kMetaClientInfo = "io.modelcontextprotocol/clientInfo";
inline constexpr const char* kMetaLogLevel = "io.modelcontextprotocol/logLevel";
inline constexpr const char* kMetaServerInfo = "io.modelcontextprotocol/serverInfo";

// Revisions served per request, without a session, newest first (constant
// initialized: other translation units build their lists from it).
inline constexpr std::array<std::string_view, 1> kStatelessVersions = {"2026-07-28"};
bool isStatelessVersion(std::string_view version);

// Whether a request is to be served statelessly: its params._meta has the
// key io.modelcontextprotocol/protocolVersion (whatever its value). Anything
// else is a request of the session revisions (initialize, or a request in a
// session), answered as before 2026-07-28: there, server/discover is -32601.
// (On HTTP, McpEndpoint also takes a request with no session and a
// 2026-07-28 MCP-Protocol-Version header as stateless, and rejects it when
// its _meta is missing.)
bool isStatelessRequest(const Incoming& message);

// The headers Streamable HTTP mirrors from the body; absent ones are nullopt.
struct MirroredHeaders {
  std::optional<std::string> protocolVersion;  // MCP-Protocol-Version
  std::optional<std::string> method;           // Mcp-Method
  std::optional<std::string> name;             // Mcp-Name (tools/call, resources/read, prompts/get)
};

// Checks a stateless request's _meta, and on HTTP (`headers` given) the
// mirrored headers, in the order the conformance suite probes them: required
// _meta fields (-32602), MCP-Protocol-Version against _meta (-32020), the
// version (-32022, data {supported, requested}), Mcp-Method and Mcp-Name
// (-32020). Returns the error response, or nullopt when the request may be
// served. Every one of these is HTTP 400.
std::optional<Json> checkStatelessRequest(const Incoming& message, const MirroredHeaders* headers = nullptr);

// The headers a client sends for `message` (the stdio bridge, a client of the
// hub): the version from its _meta (else the newest stateless one), the method
// and, where the specification asks for it, the encoded name.
MirroredHeaders mirroredHeaders(const Incoming& message);

// Header values that are not plain visible ASCII (or look like the sentinel)
// travel as "=?base64?...?=" (streamable-http.mdx, Value Encoding).
std::string encodeHeaderValue(std::string_view value);
// The value of such a header; nullopt when it is neither plain visible ASCII
// nor well-formed base64 in the sentinel.
std::optional<std::string> decodeHeaderValue(std::string_view header);

}  // namespace roundtable::mcp
