// HubCall: one POST of a JSON-RPC message to the hub's Streamable HTTP
// endpoint (/mcp), and its answer, whether plain JSON or an event stream;
// HubClient: a blocking MCP client of the hub made of such calls. `roundtable
// mcp` (stdio_bridge.h) and `roundtable hook` (hook/) both talk to the hub
// through these.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "mcp/json_rpc.h"
#include "mcp/stateless.h"
#include "mcp_stdio/hub_launcher.h"
#include "mcp_stdio/hub_stream.h"
#include "roundtable/base/status.h"

namespace roundtable::mcp_stdio {

class HubCall : public std::enable_shared_from_this<HubCall> {
 public:
  struct Result {
    bool connected = false;      // the request reached the hub
    bool answered = false;       // a final message or an accepted notification came back
    int status = 0;              // HTTP status
    std::string sessionId;       // Mcp-Session-Id of the response
    std::string error;           // transport failure
    std::string unreachable;     // why connecting failed (DNS, TCP, TLS), when it did
    std::string refusal;         // a 401's reason (the hub's error_description), at most 200 bytes
    bool cancelled = false;      // cancel() ended it
  };
  // Each JSON-RPC message of the answer, in order: notifications (progress)
  // and then the response.
  using OnMessage = std::function<void(mcp::Json)>;
  using Done = std::function<void(Result)>;

  // `sessionId` and `protocolVersion` may be empty (initialize).
  HubCall(boost::asio::io_context& ioc, const HubAddress& hub, std::string sessionId, std::string protocolVersion,
          std::string body, OnMessage onMessage, Done done);

  // Connects and sends; `done` runs once, on the io_context, after the last
  // message. Connecting times out after 10 s; the answer may take as long as
  // a review.
  void start();
  // For a request of revision 2026-07-28 (no session): the headers that
  // mirror its body. Before start().
  void setHeaders(const mcp::MirroredHeaders& headers);
  // Closes the connection: for a 2026-07-28 request, that cancels it on the
  // hub. `done` runs with `cancelled` set, and nothing more is delivered.
  void cancel();

 private:
  void onHeader(boost::beast::error_code ec);
  void readMore();
  void complete();
  void drainEvents();
  void deliver(mcp::Json message);
  void finish(std::string error);

  HubAddress hub_;
  HubStream stream_;
  bool withSession_;
  boost::beast::http::request<boost::beast::http::string_body> request_;
  boost::beast::http::response_parser<boost::beast::http::string_body> parser_;
  std::function<size_t(uint64_t, boost::beast::string_view, boost::beast::error_code&)> onChunkBody_;
  boost::beast::flat_buffer buffer_;
  std::string body_;
  bool stream_events_ = false;
  OnMessage onMessage_;
  Done done_;
  Result result_;
};

// What a user reads when the hub refused a request for its access token
// (HTTP 401): the hub's reason, and what to do about it.
std::string refusalMessage(const HubAddress& hub, const std::string& reason);

// Ends an MCP session on the hub (DELETE /mcp), which cancels its calls in
// flight. Blocks for at most `timeout`; failures are ignored (the hub forgets
// idle sessions anyway).
void deleteHubSession(const HubAddress& hub, const std::string& sessionId,
                      std::chrono::milliseconds timeout = std::chrono::seconds(2));

// A blocking MCP client of the hub: one session, tool calls one at a time.
// Not thread-safe, except sessionId(), which another thread may read to end
// the session (deleteHubSession) while a call blocks.
class HubClient {
 public:
  explicit HubClient(HubAddress hub) : hub_(std::move(hub)) {}

  // initialize and notifications/initialized. Unavailable if the hub cannot
  // be reached or refuses (FailedPrecondition).
  Status open(const std::string& clientName, const std::string& clientVersion);

  // tools/call `name` with `arguments`. On success `*result` is the call's
  // result (check its isError). FailedPrecondition: the hub could not be reached or
  // closed the connection before answering; Internal: a JSON-RPC error.
  Status callTool(const std::string& name, const mcp::Json& arguments, mcp::Json* result);

  std::string sessionId() const;

 private:
  Status post(const mcp::Json& message, mcp::Json* reply, HubCall::Result* outcome);

  HubAddress hub_;
  boost::asio::io_context ioc_;
  mutable std::mutex mutex_;
  std::string sessionId_;  // guarded by mutex_
  std::string protocolVersion_;
  int64_t nextId_ = 1;
};

}  // namespace roundtable::mcp_stdio
