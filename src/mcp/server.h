// Server: one MCP session's protocol logic, independent of the transport
// (stdio lines or Streamable HTTP).
//
//   auto tools = std::make_shared<ToolSet>(...);
//   Server server(info, tools);
//   server.handle(message, [](Json reply, bool final) { write(reply); });
//
// Two eras (docs/specification/2026-07-28/basic/versioning.mdx):
//  * revisions up to 2025-11-25: initialize (with version negotiation), ping,
//    tools/list, tools/call, logging/setLevel, notifications/initialized and
//    notifications/cancelled;
//  * revision 2026-07-28: a request whose params._meta names its protocol
//    version (stateless.h) is served from what it carries alone, whether or
//    not initialize came first: server/discover, tools/list, tools/call.
//    Results carry resultType and _meta serverInfo; tools/list and
//    server/discover carry ttlMs and cacheScope.
// Anything else is -32601. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mcp/json_rpc.h"
#include "mcp/stateless.h"
#include "mcp/tool.h"

namespace roundtable::mcp {

// Protocol revisions this server speaks, newest first: the stateless ones
// (stateless.h) and those that start with initialize.
extern const std::vector<std::string> kSupportedVersions;
extern const std::vector<std::string> kSessionVersions;
// The newest revision that starts with initialize: what initialize answers
// when the client asks for one this server does not speak.
inline constexpr const char* kLatestVersion = "2025-11-25";
// How long clients may cache tools/list and server/discover (the tools are
// fixed for the life of the hub process), in milliseconds.
inline constexpr int64_t kListTtlMs = 3600 * 1000;

struct ServerInfo {
  std::string name = "roundtable";
  std::string title = "Roundtable";
  std::string version;
  std::string instructions;  // sent in the initialize result
};

using ToolSet = std::vector<Tool>;

class Server {
 public:
  using Emit = ToolCall::Emit;
  Server(ServerInfo info, std::shared_ptr<const ToolSet> tools);
  ~Server();  // cancels the calls still in flight

  // Handles one message. For a request, `emit` receives zero or more
  // notifications belonging to it and then its response (final = true; a
  // null response when it was cancelled), possibly later and from another
  // thread. Notifications and responses from the client produce nothing.
  void handle(const Incoming& message, Emit emit);

  // The protocol revision agreed at initialize (empty before; stateless
  // requests leave it alone).
  std::string protocolVersion() const;
  bool initialized() const;
  // Takes up a session opened elsewhere (by another replica of the hub) as
  // if its initialize had agreed on `protocolVersion`.
  void resume(const std::string& protocolVersion);
  // Cancels every call in flight (the session is ending).
  void cancelAll();
  // Tool calls started and not yet answered.
  size_t callsInFlight() const;

 private:
  Json initialize(const Json& params);
  Json listTools(const Json& params) const;
  // `stateless`: the result gets what revision 2026-07-28 adds to results.
  void callTool(const Incoming& message, Emit emit, bool stateless);
  void handleStateless(const Incoming& message, Emit emit);
  Json discover() const;
  // resultType and _meta serverInfo (revision 2026-07-28).
  Json completeResult(Json result) const;
  void cancel(const Json& params);

  const ServerInfo info_;
  const std::shared_ptr<const ToolSet> tools_;
  mutable std::mutex mutex_;
  std::string protocolVersion_;
  bool initialized_ = false;
  // Calls in flight by their request id's JSON text. Shared with the calls'
  // completion callbacks, which may outlive the Server.
  struct InFlight {
    std::mutex mutex;
    std::map<std::string, std::weak_ptr<ToolCall>> calls;
  };
  const std::shared_ptr<InFlight> inFlight_ = std::make_shared<InFlight>();
};

// Whether `version` is one this server speaks (any era).
bool supportsVersion(const std::string& version);

}  // namespace roundtable::mcp
