// McpEndpoint: MCP over Streamable HTTP at /mcp, revisions 2026-07-28
// (stateless) and 2025-11-25 back to 2025-03-26 (sessions).
//
// Revision 2026-07-28: a POST whose request carries params._meta with
// io.modelcontextprotocol/protocolVersion (or that names no session and
// sends an MCP-Protocol-Version header of no session revision) is served on
// its own, with no session: the headers MCP-Protocol-Version, Mcp-Method and
// Mcp-Name must match the body (else 400, -32020), the version must be one
// this server serves so (else 400, -32022), an unknown method is 404
// (-32601). Closing its event stream cancels it. The rest of this comment
// describes the session revisions.
//
//   POST /mcp     one JSON-RPC message. A request is answered with
//                 application/json, or with text/event-stream when messages
//                 precede its response (progress); wait_for_review always
//                 answers with an event stream, opened at once;
//                 notifications and responses get 202. `initialize` creates a
//                 session (Mcp-Session-Id header); every later request names it.
//   GET /mcp      an event stream for server-initiated messages (this server
//                 sends none yet; it holds the stream open with comments).
//   DELETE /mcp   ends the session, cancelling its calls in flight.
//
// Requests have already passed the hub's Host/Origin policy (DNS rebinding).
// An unknown session is 404 (the client re-initializes); an unsupported
// MCP-Protocol-Version header is 400.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/beast/core.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "hub/connection_limiter.h"
#include "hub/router.h"
#include "mcp/server.h"

namespace roundtable::hub {

struct McpLimits {
  // At most this many sessions; a new one takes the place of the least
  // valuable (see McpEndpoint::createSession), so a new agent always gets in.
  size_t maxSessions = 1000;
  // A session no request has used for this long is forgotten.
  std::chrono::seconds idleTimeout{24 * 3600};
  std::chrono::seconds keepAliveInterval{20};  // comments on idle event streams
  // Empty: session ids are random, and a session lives only here. Else ids
  // are signed with this key, and a request naming a session this endpoint
  // does not hold (another replica of a team server opened it, or this one
  // forgot it) but signed with the key takes it up, at the revision its
  // MCP-Protocol-Version header names: replicas that share the key serve each
  // other's sessions. The hub derives it from --token-secret-file.
  std::string sessionKey;
};

class McpEndpoint : public std::enable_shared_from_this<McpEndpoint> {
 public:
  McpEndpoint(std::shared_ptr<const mcp::ToolSet> tools, McpLimits limits = {});

  // Takes over the connection for one request to /mcp; hands it back to a new
  // HttpSession afterwards when it stays open.
  void serve(boost::beast::tcp_stream stream, boost::beast::flat_buffer buffer, HttpRequest request,
             std::shared_ptr<Router> router, ConnectionToken token);

  size_t sessionCount() const;

 private:
  friend class McpExchange;
  struct Session {
    std::shared_ptr<mcp::Server> server;
    std::chrono::steady_clock::time_point lastUsed;
    bool usedAfterInitialize = false;  // a request (not a notification) named it after initialize
    bool streamOpen = false;           // a GET stream is attached
  };
  // The session `id` names (its use noted: `request` for a JSON-RPC
  // request), or one taken up if it is signed with limits_.sessionKey (at
  // `resumeAt`, the request's revision; never when that is empty), or null.
  std::shared_ptr<Session> findSession(const std::string& id, bool request, const std::string& resumeAt = {});
  // A new session. At the limit it takes the place of another, chosen in this
  // order: idle sessions never used after initialize (a flood of initialize
  // requests), then idle ones, then busy ones (their calls are cancelled),
  // each least recently used first; the evicted session's agent is told to
  // initialize again (404), as MCP clients do.
  std::string createSession(std::shared_ptr<Session>* out);
  // Adds a session under `id`, within the limit as above.
  void admitSession(const std::string& id, std::shared_ptr<Session>* out);
  // Whether `id` is signed with limits_.sessionKey.
  bool signedSession(const std::string& id) const;
  static constexpr size_t kMaxEnded = 4096;
  bool removeSession(const std::string& id);
  void expireIdle();

  const std::shared_ptr<const mcp::ToolSet> tools_;
  const McpLimits limits_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, std::shared_ptr<Session>> sessions_;
  // Sessions ended by DELETE, newest last, so they are not taken up again
  // here (at most kMaxEnded).
  std::deque<std::string> ended_;
  std::unordered_set<std::string> endedSet_;
};

}  // namespace roundtable::hub
