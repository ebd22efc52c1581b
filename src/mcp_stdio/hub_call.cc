#include "mcp_stdio/hub_call.h"

#include <boost/asio/ip/tcp.hpp>

#include "mcp/server.h"

namespace roundtable::mcp_stdio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using mcp::Json;

HubCall::HubCall(asio::io_context& ioc, const HubAddress& hub, std::string sessionId, std::string protocolVersion,
        std::string body, OnMessage onMessage, Done done)
    : stream_(ioc), hub_(hub), withSession_(!sessionId.empty()), onMessage_(std::move(onMessage)), done_(std::move(done)) {
  request_ = {http::verb::post, "/mcp", 11};
  request_.set(http::field::host, hub.host + ":" + std::to_string(hub.port));
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
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    if (!self->done_) return;
    self->result_.cancelled = true;
    self->finish("cancelled");
  });
}

void HubCall::start() {
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(hub_.host, ec);
  if (ec) return finish("bad hub address " + hub_.host);
  stream_.expires_after(std::chrono::seconds(10));
  stream_.async_connect(asio::ip::tcp::endpoint(ip, hub_.port), [self = shared_from_this()](beast::error_code ec) {
    if (ec) return self->finish("cannot reach the hub: " + ec.message());
    self->result_.connected = true;
    http::async_write(self->stream_, self->request_, [self](beast::error_code ec, size_t) {
      if (ec) return self->finish("sending to the hub failed: " + ec.message());
      self->stream_.expires_never();  // answers may take as long as a review
      self->parser_.on_chunk_body(self->onChunkBody_);
      http::async_read_header(self->stream_, self->buffer_, self->parser_,
                              [self](beast::error_code ec, size_t) { self->onHeader(ec); });
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
  http::async_read_some(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
    if (ec) return self->finish("the hub closed the connection: " + ec.message());
    self->readMore();
  });
}

void HubCall::complete() {
  // 404 to a request in a session: the hub restarted and forgot it. That
  // answer is for the bridge (which opens a new session and sends the
  // request again), not for the agent.
  if (withSession_ && result_.status == 404) return finish("");
  std::string& plain = parser_.get().body();  // a body that was not chunked
  body_ += plain;
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
  beast::error_code ec;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
  auto done = std::move(done_);
  done_ = nullptr;
  done(std::move(result_));
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
  if (Status s = post(init, &reply, &outcome); !s.ok()) return Status::FailedPrecondition("initialize: " + s.message());
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
  if (Status s = post(request, &reply, &outcome); !s.ok()) return Status::FailedPrecondition(name + ": " + s.message());
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
