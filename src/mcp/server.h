// Server: one MCP session's protocol logic, independent of the transport
// (stdio lines or Streamable HTTP).
//
//   auto tools = std::make_shared<ToolSet>(...);
//   Server server(info, tools);
//   server.handle(message, [](Json reply, bool final) { write(reply); });
//
// Handles initialize (with version negotiation), ping, tools/list,
// tools/call, logging/setLevel, notifications/initialized and
// notifications/cancelled;
// anything else is -32601. Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "mcp/json_rpc.h"
#include "mcp/tool.h"

namespace roundtable::mcp {

// Protocol revisions this server speaks, newest first.
extern const std::vector<std::string> kSupportedVersions;
inline constexpr const char* kLatestVersion = "2025-11-25";

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

  // The protocol revision agreed at initialize (empty before).
  std::string protocolVersion() const;
  bool initialized() const;
  // Cancels every call in flight (the session is ending).
  void cancelAll();
  // Tool calls started and not yet answered.
  size_t callsInFlight() const;

 private:
  Json initialize(const Json& params);
  Json listTools(const Json& params) const;
  void callTool(const Incoming& message, Emit emit);
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

// Whether `version` is one this server speaks.
bool supportsVersion(const std::string& version);

}  // namespace roundtable::mcp
