// Tools: what an MCP server offers through tools/list and tools/call.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "mcp/json_rpc.h"

namespace roundtable::mcp {

// What a tool call returns: text for people, and for tools with an output
// schema the same result as data. An error result (isError) tells the agent
// what to fix; it is not a protocol error.
struct ToolResult {
  std::string text;
  std::optional<Json> structured;
  bool isError = false;

  static ToolResult error(std::string message) { return {std::move(message), std::nullopt, true}; }
  Json toJson() const;
};

// One tools/call in flight. Thread-safe: a tool may finish, report progress
// and observe cancellation from any thread.
class ToolCall {
 public:
  // Carries the call's messages to the client: progress notifications
  // (final false), then the response (final true). A null final message
  // means the call ended without a response (cancelled).
  using Emit = std::function<void(Json message, bool final)>;
  ToolCall(Json id, Json arguments, std::optional<Json> progressToken, Emit emit);

  const Json& arguments() const { return arguments_; }
  const Json& requestId() const { return id_; }

  // Sends notifications/progress when the caller asked for progress (a
  // progressToken in _meta); otherwise does nothing. `progress` must increase.
  void progress(double progress, std::optional<double> total, const std::string& message);
  // Completes the call. Only the first call counts; after cancellation the
  // result is dropped (the client no longer expects one).
  void finish(ToolResult result);

  bool cancelled() const { return cancelled_.load(); }
  // Runs `f` once when the client cancels the call (at once if it already
  // did). Cleared after finish().
  void onCancel(std::function<void()> f);
  // Called by the server for notifications/cancelled.
  void cancel();

 private:
  const Json id_;
  const Json arguments_;
  const std::optional<Json> progressToken_;
  std::mutex mutex_;
  Emit emit_;  // reset once finished or cancelled
  std::function<void()> onCancel_;
  std::atomic<bool> cancelled_{false};
};

struct Tool {
  // The entry for tools/list: name, title, description, inputSchema,
  // outputSchema (optional), annotations.
  Json definition;
  // Runs the call; must eventually call call->finish() (unless cancelled).
  std::function<void(std::shared_ptr<ToolCall> call)> run;

  std::string name() const { return definition.at("name").get<std::string>(); }
};

}  // namespace roundtable::mcp
