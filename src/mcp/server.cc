#include "mcp/server.h"

#include <algorithm>

namespace roundtable::mcp {

const std::vector<std::string> kSessionVersions = {"2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"};
const std::vector<std::string> kSupportedVersions = [] {
  std::vector<std::string> all(kStatelessVersions.begin(), kStatelessVersions.end());
  all.insert(all.end(), kSessionVersions.begin(), kSessionVersions.end());
  return all;
}();

bool supportsVersion(const std::string& version) {
  return std::find(kSupportedVersions.begin(), kSupportedVersions.end(), version) != kSupportedVersions.end();
}

namespace {

bool supportsSessionVersion(const std::string& version) {
  return std::find(kSessionVersions.begin(), kSessionVersions.end(), version) != kSessionVersions.end();
}

Json serverInfoJson(const ServerInfo& info) {
  Json serverInfo{{"name", info.name}, {"version", info.version}};
  if (!info.title.empty()) serverInfo["title"] = info.title;
  return serverInfo;
}

// What revision 2026-07-28 adds to every result: its type and who answered.
void markComplete(Json& result, const ServerInfo& info) {
  result["resultType"] = "complete";
  result["_meta"][kMetaServerInfo] = serverInfoJson(info);
}

}  // namespace

Server::Server(ServerInfo info, std::shared_ptr<const ToolSet> tools) : info_(std::move(info)), tools_(std::move(tools)) {}

Server::~Server() { cancelAll(); }

std::string Server::protocolVersion() const {
  std::lock_guard lock(mutex_);
  return protocolVersion_;
}

bool Server::initialized() const {
  std::lock_guard lock(mutex_);
  return initialized_;
}

void Server::resume(const std::string& protocolVersion) {
  std::lock_guard lock(mutex_);
  protocolVersion_ = protocolVersion;
  initialized_ = true;
}

void Server::handle(const Incoming& message, Emit emit) {
  using Kind = Incoming::Kind;
  switch (message.kind) {
    case Kind::kInvalid:
      emit(makeError(message.id, message.errorCode, message.errorMessage), true);
      return;
    case Kind::kResponse:
      return;  // this server sends no requests, so there is nothing to match
    case Kind::kNotification:
      if (message.method == "notifications/initialized") {
        std::lock_guard lock(mutex_);
        initialized_ = true;
      } else if (message.method == "notifications/cancelled") {
        cancel(message.params);
      }
      return;  // unknown notifications are ignored, as JSON-RPC requires
    case Kind::kRequest:
      break;
  }
  if (isStatelessRequest(message)) return handleStateless(message, std::move(emit));
  const std::string& method = message.method;
  if (method == "initialize") {
    Json result = initialize(message.params);
    if (result.contains("error")) {
      emit(makeError(message.id, kInvalidParams, result["error"].get<std::string>()), true);
    } else {
      emit(makeResult(message.id, std::move(result)), true);
    }
  } else if (method == "ping") {
    emit(makeResult(message.id, Json::object()), true);
  } else if (method == "tools/list") {
    emit(makeResult(message.id, listTools(message.params)), true);
  } else if (method == "tools/call") {
    callTool(message, std::move(emit), /*stateless=*/false);
  } else if (method == "logging/setLevel") {
    // Accepted so that clients may set it; this server sends no log
    // messages (its logs go to the hub's stderr).
    static const char* const kLevels[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
    auto level = message.params.is_object() ? message.params.find("level") : Json::const_iterator();
    bool known = false;
    if (message.params.is_object() && level != message.params.end() && level->is_string())
      for (const char* l : kLevels) known = known || *level == l;
    if (known) {
      emit(makeResult(message.id, Json::object()), true);
    } else {
      emit(makeError(message.id, kInvalidParams, "logging/setLevel needs params.level, one of debug, info, notice, warning, error, critical, alert, emergency"), true);
    }
  } else {
    emit(makeError(message.id, kMethodNotFound, "method not found: " + method), true);
  }
}

Json Server::initialize(const Json& params) {
  auto requested = params.is_object() ? params.find("protocolVersion") : Json::const_iterator();
  if (!params.is_object() || requested == params.end() || !requested->is_string())
    return Json{{"error", "initialize needs params.protocolVersion (a string)"}};
  // Version negotiation: the client's revision if this server speaks it,
  // else the newest one this server speaks (the client may then disconnect).
  // (2026-07-28 has no initialize: asked for here, it gets 2025-11-25.)
  std::string version = requested->get<std::string>();
  if (!supportsSessionVersion(version)) version = kLatestVersion;
  {
    std::lock_guard lock(mutex_);
    protocolVersion_ = version;
  }
  Json result{{"protocolVersion", version},
              {"capabilities", {{"tools", {{"listChanged", false}}}, {"logging", Json::object()}}},
              {"serverInfo", serverInfoJson(info_)}};
  if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
  return result;
}

Json Server::listTools(const Json&) const {
  // Six tools: no pagination (no nextCursor).
  Json list = Json::array();
  for (const Tool& tool : *tools_) list.push_back(tool.definition);
  return Json{{"tools", std::move(list)}};
}

void Server::handleStateless(const Incoming& message, Emit emit) {
  if (auto error = checkStatelessRequest(message)) return emit(std::move(*error), true);
  const std::string& method = message.method;
  if (method == "server/discover") {
    emit(makeResult(message.id, completeResult(discover())), true);
  } else if (method == "tools/list") {
    Json result = listTools(message.params);
    result["ttlMs"] = kListTtlMs;
    result["cacheScope"] = "public";  // the same tools for every client
    emit(makeResult(message.id, completeResult(std::move(result))), true);
  } else if (method == "tools/call") {
    callTool(message, std::move(emit), /*stateless=*/true);
  } else {
    // initialize, ping and logging/setLevel included: 2026-07-28 removed them.
    emit(makeError(message.id, kMethodNotFound, "method not found: " + method + " (revision 2026-07-28)"), true);
  }
}

Json Server::discover() const {
  // Logging is not offered: this server sends no log messages (its logs go
  // to the hub's stderr), and 2026-07-28 deprecates the feature.
  Json result{{"supportedVersions", kSupportedVersions},
              {"capabilities", {{"tools", {{"listChanged", false}}}}},
              {"ttlMs", kListTtlMs},
              {"cacheScope", "public"}};
  if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
  return result;
}

Json Server::completeResult(Json result) const {
  markComplete(result, info_);
  return result;
}

void Server::callTool(const Incoming& message, Emit emit, bool stateless) {
  const Json& params = message.params;
  auto name = params.is_object() ? params.find("name") : Json::const_iterator();
  if (!params.is_object() || name == params.end() || !name->is_string()) {
    emit(makeError(message.id, kInvalidParams, "tools/call needs params.name (a string)"), true);
    return;
  }
  const std::string toolName = name->get<std::string>();
  auto tool = std::find_if(tools_->begin(), tools_->end(), [&](const Tool& t) { return t.name() == toolName; });
  if (tool == tools_->end()) {
    emit(makeError(message.id, kInvalidParams, "unknown tool: " + toolName), true);
    return;
  }
  Json arguments = Json::object();
  if (auto args = params.find("arguments"); args != params.end() && !args->is_null()) {
    if (!args->is_object()) {
      emit(makeError(message.id, kInvalidParams, "tools/call params.arguments must be an object"), true);
      return;
    }
    arguments = *args;
  }
  std::optional<Json> progressToken;
  if (auto meta = params.find("_meta"); meta != params.end() && meta->is_object()) {
    if (auto token = meta->find("progressToken");
        token != meta->end() && (token->is_string() || token->is_number_integer()))
      progressToken = *token;
  }
  const std::string key = message.id.dump();
  // Results of stateless calls say what they are and who answered (the call
  // may outlive this Server: it keeps its own copy of the server's identity).
  std::optional<ServerInfo> complete;
  if (stateless) complete = info_;
  // Forget the call once it is over, whichever way it ends.
  auto wrapped = [inFlight = inFlight_, key, complete = std::move(complete), emit = std::move(emit)](Json reply, bool final) {
    if (final) {
      std::lock_guard lock(inFlight->mutex);
      inFlight->calls.erase(key);
    }
    if (final && complete && reply.is_object() && reply.contains("result") && reply["result"].is_object())
      markComplete(reply["result"], *complete);
    emit(std::move(reply), final);
  };
  auto call = std::make_shared<ToolCall>(message.id, std::move(arguments), std::move(progressToken), std::move(wrapped));
  {
    std::lock_guard lock(inFlight_->mutex);
    inFlight_->calls[key] = call;
  }
  try {
    tool->run(call);
  } catch (const std::exception& e) {
    // A tool bug must not take the session down; the agent sees what failed.
    call->finish(ToolResult::error(std::string("internal error in ") + toolName + ": " + e.what()));
  }
}

void Server::cancel(const Json& params) {
  if (!params.is_object()) return;
  auto id = params.find("requestId");
  if (id == params.end()) return;
  std::shared_ptr<ToolCall> call;
  {
    std::lock_guard lock(inFlight_->mutex);
    auto it = inFlight_->calls.find(id->dump());
    if (it == inFlight_->calls.end()) return;  // finished meanwhile, or never existed
    call = it->second.lock();
    inFlight_->calls.erase(it);
  }
  if (call) call->cancel();
}

void Server::cancelAll() {
  std::vector<std::shared_ptr<ToolCall>> calls;
  {
    std::lock_guard lock(inFlight_->mutex);
    for (auto& [key, weak] : inFlight_->calls)
      if (auto call = weak.lock()) calls.push_back(std::move(call));
    inFlight_->calls.clear();
  }
  for (auto& call : calls) call->cancel();
}

size_t Server::callsInFlight() const {
  std::lock_guard lock(inFlight_->mutex);
  size_t n = 0;
  for (const auto& [key, weak] : inFlight_->calls) n += !weak.expired();
  return n;
}

}  // namespace roundtable::mcp
