#include "mcp_stdio/hub_call.h"

#include <boost/asio/ip/tcp.hpp>

#include "mcp/server.h"

namespace roundtable::mcp_stdio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using mcp::Json;

namespace {

// The reason of a 401: error_description in WWW-Authenticate (RFC 6750), else
// the first line of the body. Either comes from the network: cut short and
// kept to printable ASCII.
std::string refusalReason(beast::string_view challenge, const std::string& body) {
  std::string reason;
  constexpr std::string_view kKey = "error_description=\"";
  std::string_view c(challenge.data(), challenge.size());
  if (size_t at = c.find(kKey); at != std::string_view::npos) {
    std::string_view rest = c.substr(at + kKey.size());
    reason = std::string(rest.substr(0, rest.find('"')));
  } else {
    reason = body.substr(0, body.find('\n'));
    if (reason.starts_with("unauthorized: ")) reason.erase(0, 14);
  }
  if (reason.empty() && !c.empty()) reason = "no access token";
  if (reason.size() > 200) reason.resize(200);
  for (char& ch : reason)
    if (static_cast<unsigned char>(ch) < 0x20 || static_cast<unsigned char>(ch) > 0x7e) ch = '?';
  return reason;
}

}  // namespace

HubCall::HubCall(asio::io_context& ioc, const HubAddress& hub, std::string sessionId, std::string protocolVersion,
        std::string body, OnMessage onMessage, Done done)
    : hub_(hub), stream_(ioc, hub_), withSession_(!sessionId.empty()), onMessage_(std::move(onMessage)), done_(std::move(done)) {
  request_ = {http::verb::post, "/mcp", 11};
  request_.set(http::field::host, hub.hostHeader());
  request_.set(http::field::content_type, "application/json");
  request_.set(http::field::accept, "application/json, text/event-stream");
  if (!sessionId.empty()) request_.set("Mcp-Session-Id", sessionId);
  if (!protocolVersion.empty()) request_.set("MCP-Protocol-Version", protocolVersion);
  if (!hub.token.empty()) request_.set(http::field::authorization, "Bearer " + hub.token);
  request_.body() = std::move(body);
  request_.prepare_payload();
  parser_.body_limit(256u << 20);
  // Beast keeps a reference to the callback: it lives here, beside the parser.
  onChunkBody_ = [this](uint64_t, beast::string_view data, beast::error_code&) {
    body_.append(data.data(), data.size());
    drainEvents();
    return data.size();
  };
}


void HubCall::setHeaders(const mcp::MirroredHeaders& headers) {
  if (headers.protocolVersion) request_.set("MCP-Protocol-Version", *headers.protocolVersion);
  if (headers.method) request_.set("Mcp-Method", *headers.method);
  if (headers.name) request_.set("Mcp-Name", *headers.name);
}

void HubCall::cancel() {
  asio::post(stream_.tcp().get_executor(), [self = shared_from_this()] {
    if (!self->done_) return;
    self->result_.cancelled = true;
    self->finish("cancelled");
  });
}

void HubCall::start() {
  stream_.connect(std::chrono::seconds(10), [self = shared_from_this()](std::string error) {
    if (!error.empty()) {
      self->result_.unreachable = error;
      return self->finish("cannot reach the hub" + (self->hub_.remote ? " at " + self->hub_.describe() : "") + ": " + error);
    }
    self->result_.connected = true;
    self->stream_.with([&](auto& s) {
      http::async_write(s, self->request_, [self, &s](beast::error_code ec, size_t) {
        if (ec) return self->finish("sending to the hub failed: " + ec.message());
        self->stream_.tcp().expires_never();  // answers may take as long as a review
        self->parser_.on_chunk_body(self->onChunkBody_);
        http::async_read_header(s, self->buffer_, self->parser_,
                                [self](beast::error_code ec, size_t) { self->onHeader(ec); });
      });
    });
  });
}


void HubCall::onHeader(beast::error_code ec) {
  if (ec) return finish("the hub closed the connection: " + ec.message());
  auto& res = parser_.get();
  result_.status = static_cast<int>(res.result_int());
  result_.sessionId = std::string(res["Mcp-Session-Id"]);
  stream_events_ = res[http::field::content_type].starts_with("text/event-stream");
  readMore();
}

void HubCall::readMore() {
  if (parser_.is_done()) return complete();
  stream_.with([&](auto& s) {
    http::async_read_some(s, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->finish("the hub closed the connection: " + ec.message());
      self->readMore();
    });
  });
}

void HubCall::complete() {
  // 404 to a request in a session: the hub restarted and forgot it. That
  // answer is for the bridge (which opens a new session and sends the
  // request again), not for the agent.
  if (withSession_ && result_.status == 404) return finish("");
  std::string& plain = parser_.get().body();  // a body that was not chunked
  body_ += plain;
  if (result_.status == 401) {
    result_.refusal = refusalReason(parser_.get()[http::field::www_authenticate], body_);
    return finish("");
  }
  if (stream_events_) {
    body_ += "\n\n";
    drainEvents();
  } else if (!body_.empty()) {
    Json message = Json::parse(body_, nullptr, false);
    if (!message.is_discarded()) deliver(std::move(message));
  }
  if (result_.status == 202) result_.answered = true;
  finish("");
}

// Server-sent events: "data:" lines of each event (ended by a blank line).
void HubCall::drainEvents() {
  if (!stream_events_) return;
  for (;;) {
    size_t end = body_.find("\n\n");
    size_t crlf = body_.find("\r\n\r\n");
    size_t sep = 2;
    if (crlf != std::string::npos && (end == std::string::npos || crlf < end)) {
      end = crlf;
      sep = 4;
    }
    if (end == std::string::npos) return;
    std::string event = body_.substr(0, end);
    body_.erase(0, end + sep);
    std::string data;
    size_t pos = 0;
    while (pos <= event.size()) {
      size_t nl = event.find('\n', pos);
      std::string line = event.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.starts_with("data:")) {
        std::string_view value(line);
        value.remove_prefix(5);
        if (value.starts_with(' ')) value.remove_prefix(1);
        if (!data.empty()) data += '\n';
        data += value;
      }
      if (nl == std::string::npos) break;
      pos = nl + 1;
    }
    if (data.empty()) continue;
    Json message = Json::parse(data, nullptr, false);
    if (!message.is_discarded()) deliver(std::move(message));
  }
}

void HubCall::deliver(Json message) {
  if (!done_) return;  // finished (cancelled) meanwhile
  if (message.contains("result") || message.contains("error")) result_.answered = true;
  onMessage_(std::move(message));
}

void HubCall::finish(std::string error) {
  if (!done_) return;
  result_.error = std::move(error);
  stream_.close();
  auto done = std::move(done_);
  done_ = nullptr;
  done(std::move(result_));
}

std::string refusalMessage(const HubAddress& hub, const std::string& reason) {
  std::string what = reason.empty() ? (hub.token.empty() ? "no access token" : "the access token") : reason;
  std::string hint = hub.token.empty()
                         ? "pass one with --token-file or ROUNDTABLE_TOKEN (roundtable token issue --scope plan:create)"
                         : "the token is missing, expired or too narrow: ask the hub's operator for a new one "
                           "(roundtable token issue --scope plan:create)";
  return "the Roundtable hub at " + hub.describe() + " refused the request (HTTP 401, " + what + "): " + hint;
}

void deleteHubSession(const HubAddress& hub, const std::string& sessionId, std::chrono::milliseconds timeout) {
  if (sessionId.empty()) return;
  std::vector<std::pair<std::string, std::string>> headers{{"Mcp-Session-Id", sessionId}};
  if (!hub.token.empty()) headers.emplace_back("Authorization", "Bearer " + hub.token);
  (void)hubRequest(hub, "DELETE", "/mcp", headers, timeout);
}

Status HubClient::post(const Json& message, Json* reply, HubCall::Result* outcome) {
  std::string session = sessionId();
  bool isRequest = message.contains("id");
  auto call = std::make_shared<HubCall>(
      ioc_, hub_, session, protocolVersion_, message.dump(-1, ' ', false, Json::error_handler_t::replace),
      [&](Json m) {
        if (isRequest && (m.contains("result") || m.contains("error"))) *reply = std::move(m);
      },
      [&](HubCall::Result r) { *outcome = std::move(r); });
  call->start();
  ioc_.restart();
  ioc_.run();
  if (!outcome->error.empty()) return Status::FailedPrecondition(outcome->error);
  if (outcome->status == 401) return Status::FailedPrecondition(refusalMessage(hub_, outcome->refusal));
  if (isRequest && reply->is_null())
    return Status::FailedPrecondition("the hub answered HTTP " + std::to_string(outcome->status) + " without a response");
  if (!isRequest && outcome->status != 202)
    return Status::FailedPrecondition("the hub answered HTTP " + std::to_string(outcome->status));
  return Status::Ok();
}

Status HubClient::open(const std::string& clientName, const std::string& clientVersion) {
  {
    std::lock_guard lock(mutex_);
    sessionId_.clear();
  }
  protocolVersion_.clear();
  Json init{{"jsonrpc", "2.0"},
            {"id", nextId_++},
            {"method", "initialize"},
            {"params",
             {{"protocolVersion", mcp::kLatestVersion},
              {"capabilities", Json::object()},
              {"clientInfo", {{"name", clientName}, {"version", clientVersion}}}}}};
  Json reply;
  HubCall::Result outcome;
  if (Status s = post(init, &reply, &outcome); !s.ok())
    return outcome.status == 401 ? s : Status::FailedPrecondition("initialize: " + s.message());
  if (outcome.status != 200 || outcome.sessionId.empty() || !reply.contains("result") || !reply["result"].is_object())
    return Status::FailedPrecondition("the hub refused to open an MCP session (HTTP " + std::to_string(outcome.status) + ")");
  const Json& version = reply["result"]["protocolVersion"];
  protocolVersion_ = version.is_string() ? version.get<std::string>() : std::string(mcp::kLatestVersion);
  {
    std::lock_guard lock(mutex_);
    sessionId_ = outcome.sessionId;
  }
  Json initialized{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
  Json none;
  if (Status s = post(initialized, &none, &outcome); !s.ok())
    return Status::FailedPrecondition("notifications/initialized: " + s.message());
  return Status::Ok();
}

Status HubClient::callTool(const std::string& name, const Json& arguments, Json* result) {
  Json request{{"jsonrpc", "2.0"},
               {"id", nextId_++},
               {"method", "tools/call"},
               {"params", {{"name", name}, {"arguments", arguments}}}};
  Json reply;
  HubCall::Result outcome;
  if (Status s = post(request, &reply, &outcome); !s.ok())
    return outcome.status == 401 ? s : Status::FailedPrecondition(name + ": " + s.message());
  if (reply.contains("error")) {
    const Json& error = reply["error"];
    std::string message = error.is_object() && error.contains("message") && error["message"].is_string()
                              ? error["message"].get<std::string>()
                              : "unknown error";
    return Status::Internal(name + ": " + message);
  }
  if (!reply["result"].is_object()) return Status::Internal(name + ": the hub's answer has no result");
  *result = std::move(reply["result"]);
  return Status::Ok();
}

std::string HubClient::sessionId() const {
  std::lock_guard lock(mutex_);
  return sessionId_;
}

}  // namespace roundtable::mcp_stdio
