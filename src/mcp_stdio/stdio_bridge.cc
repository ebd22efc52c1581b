#include "mcp_stdio/stdio_bridge.h"

#include <fcntl.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdio>
#include <deque>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "mcp/json_rpc.h"
#include "mcp/server.h"
#include "mcp/stateless.h"
#include "mcp_stdio/hub_call.h"

namespace roundtable::mcp_stdio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using mcp::Json;

namespace {

// One message per line on stdout; writes come from one thread but a mutex
// keeps a line whole whatever happens.
class StdoutWriter {
 public:
  void write(const Json& message) {
    std::string line = message.dump(-1, ' ', false, Json::error_handler_t::replace);
    line += '\n';
    std::lock_guard lock(mutex_);
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  }

 private:
  std::mutex mutex_;
};

// Tools whose calls can be sent again after the hub died mid-call: they
// change nothing.
bool safeToRetry(const mcp::Incoming& message) {
  if (message.method != "tools/call") return message.method != "initialize";
  std::string tool = message.params.is_object() ? message.params.value("name", "") : "";
  return tool == "list_plans" || tool == "read_plan" || tool == "get_feedback" || tool == "wait_for_review";
}

class Bridge {
 public:
  explicit Bridge(const BridgeOptions& options) : options_(options) {}

  int run() {
    // stdin is read on its own thread: it may be a pipe, a file or a
    // terminal, and only some of those work with epoll.
    std::thread reader([this] {
      std::string line;
      while (std::getline(std::cin, line)) {
        asio::post(ioc_, [this, line = std::move(line)]() mutable { onLine(std::move(line)); });
      }
      asio::post(ioc_, [this] { onEof(); });
    });
    reader.detach();
    auto work = asio::make_work_guard(ioc_);
    work_ = &work;
    ioc_.run();
    return 0;
  }

 private:
  void onLine(std::string line) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) return;
    if (line.size() > options_.maxLineBytes) {
      out_.write(mcp::makeError(nullptr, mcp::kInvalidRequest, "message too large"));
      return;
    }
    mcp::Incoming message = mcp::parseMessage(line);
    if (message.kind == mcp::Incoming::Kind::kInvalid) {
      out_.write(mcp::makeError(message.id, message.errorCode, message.errorMessage));
      return;
    }
    // Revision 2026-07-28: the request carries all it needs; it goes to the
    // hub as it is, with no session.
    if (mcp::isStatelessRequest(message)) return sendStateless(std::move(line), std::move(message), 0);
    if (message.kind == mcp::Incoming::Kind::kNotification && message.method == "notifications/cancelled" &&
        cancelStateless(message.params))
      return;
    if (message.kind == mcp::Incoming::Kind::kRequest && message.method == "initialize") {
      initParams_ = message.params;
      sessionId_.clear();
      initializing_ = true;
      send(std::move(line), message, /*attempt=*/0);
      return;
    }
    if (sessionId_.empty()) {
      // Before the session exists (initialize in flight, or a client that
      // skipped it), hold the message.
      waiting_.push_back([this, line = std::move(line), message]() mutable { send(std::move(line), message, 0); });
      if (!initializing_) reinitialize();
      return;
    }
    send(std::move(line), message, 0);
  }

  void send(std::string line, mcp::Incoming message, int attempt) {
    const bool isInitialize = message.kind == mcp::Incoming::Kind::kRequest && message.method == "initialize";
    std::string tool = message.method == "tools/call" ? message.params.value("name", "") : "";
    auto call = std::make_shared<HubCall>(
        ioc_, options_.hub, isInitialize ? "" : sessionId_, protocolVersion_, line,
        [this, tool](Json reply) {
          if (reply.contains("result") && reply["result"].is_object()) {
            if (reply["result"].contains("protocolVersion") && reply["result"]["protocolVersion"].is_string())
              protocolVersion_ = reply["result"]["protocolVersion"].get<std::string>();
            if (tool == "create_plan") maybeOpen(reply["result"]);
          }
          out_.write(reply);
        },
        [this, line, message, attempt, isInitialize](HubCall::Result r) mutable {
          if (isInitialize && r.answered && r.status == 200) {
            sessionId_ = r.sessionId;
            initializing_ = false;
            flushWaiting();
            return;
          }
          if (r.answered || (r.error.empty() && r.status != 404)) {
            if (message.kind == mcp::Incoming::Kind::kRequest && !r.answered && r.status >= 400)
              out_.write(mcp::makeError(message.id, mcp::kInternalError, refused(r)));
            return;
          }
          // The hub is gone (or restarted and forgot the session).
          if (attempt >= 2 || (r.connected && r.status != 404 && !safeToRetry(message))) {
            if (message.kind == mcp::Incoming::Kind::kRequest)
              out_.write(mcp::makeError(message.id, mcp::kInternalError, lost(r)));
            if (isInitialize) initializing_ = false;
            return;
          }
          if (isInitialize) {
            restartHubThen([this, line = std::move(line), message, attempt]() mutable {
              send(std::move(line), message, attempt + 1);
            });
            return;
          }
          waiting_.push_back([this, line = std::move(line), message, attempt]() mutable {
            send(std::move(line), message, attempt + 1);
          });
          if (!initializing_) {
            sessionId_.clear();
            reinitialize();
          }
        });
    call->start();
  }

  // A request of revision 2026-07-28: no session to open or reopen. When the
  // hub is gone it is started again and the request resent if that is safe.
  void sendStateless(std::string line, mcp::Incoming message, int attempt) {
    std::string tool =
        message.method == "tools/call" && message.params.is_object() ? message.params.value("name", "") : "";
    const std::string key = message.id.dump();
    auto call = std::make_shared<HubCall>(
        ioc_, options_.hub, "", "", line,
        [this, tool](Json reply) {
          if (tool == "create_plan" && reply.contains("result") && reply["result"].is_object()) maybeOpen(reply["result"]);
          out_.write(reply);
        },
        [this, line, message, attempt, key](HubCall::Result r) mutable {
          statelessCalls_.erase(key);
          if (r.cancelled || r.answered) return;
          if (r.error.empty()) {
            out_.write(mcp::makeError(message.id, mcp::kInternalError, refused(r)));
            return;
          }
          if (attempt >= 2 || (r.connected && !safeToRetry(message))) {
            out_.write(mcp::makeError(message.id, mcp::kInternalError, lost(r)));
            return;
          }
          restartHubThen([this, line = std::move(line), message, attempt]() mutable {
            sendStateless(std::move(line), std::move(message), attempt + 1);
          });
        });
    call->setHeaders(mcp::mirroredHeaders(message));
    statelessCalls_[key] = call;
    call->start();
  }

  // notifications/cancelled for a 2026-07-28 request in flight: closing its
  // connection cancels it on the hub. False if no such request is in flight.
  bool cancelStateless(const Json& params) {
    if (!params.is_object() || !params.contains("requestId")) return false;
    auto it = statelessCalls_.find(params["requestId"].dump());
    if (it == statelessCalls_.end()) return false;
    if (auto call = it->second.lock()) call->cancel();
    statelessCalls_.erase(it);
    return true;
  }

  // Opens a new hub session with the agent's own initialize (starting the
  // hub if needed), then sends what waited for it.
  void reinitialize() {
    initializing_ = true;
    restartHubThen([this] {
      Json params = initParams_.is_object() ? initParams_
                                            : Json{{"protocolVersion", mcp::kLatestVersion},
                                                   {"capabilities", Json::object()},
                                                   {"clientInfo", {{"name", "unknown"}, {"version", "0"}}}};
      Json request{{"jsonrpc", "2.0"}, {"id", "roundtable-bridge-init"}, {"method", "initialize"}, {"params", params}};
      auto call = std::make_shared<HubCall>(
          ioc_, options_.hub, "", "", request.dump(),
          [this](Json reply) {
            if (reply.contains("result") && reply["result"].contains("protocolVersion"))
              protocolVersion_ = reply["result"]["protocolVersion"].get<std::string>();
          },
          [this](HubCall::Result r) {
            initializing_ = false;
            if (!r.answered || r.status != 200 || r.sessionId.empty()) {
              spdlog::error("cannot open a session with the hub: {}",
                            r.status == 401 ? refusalMessage(options_.hub, r.refusal)
                                            : r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error);
              failWaiting();
              return;
            }
            sessionId_ = r.sessionId;
            Json initialized{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
            std::make_shared<HubCall>(ioc_, options_.hub, sessionId_, protocolVersion_, initialized.dump(),
                                      [](Json) {}, [](HubCall::Result) {})
                ->start();
            flushWaiting();
          });
      call->start();
    });
  }

  // Runs `then` once a hub answers, starting one if needed (on a helper
  // thread: starting takes a moment and must not stall the streams in flight).
  void restartHubThen(std::function<void()> then) {
    if (options_.hub.remote) return asio::post(ioc_, std::move(then));  // not ours to start: just try again
    std::thread([this, then = std::move(then)] {
      Status s = ensureHub(options_.hub, options_.dataDir, options_.executable);
      if (!s.ok()) spdlog::error("{}", s.message());
      asio::post(ioc_, then);
    }).detach();
  }

  // The error an agent reads for a request the hub answered with an error
  // status and no JSON-RPC message.
  std::string refused(const HubCall::Result& r) const {
    if (r.status == 401) return refusalMessage(options_.hub, r.refusal);
    return "the hub refused the request (HTTP " + std::to_string(r.status) + ")";
  }

  // The error for a request that got no answer: the hub could not be reached,
  // or went away mid-call.
  std::string lost(const HubCall::Result& r) const {
    const std::string check = " Check list_plans before repeating a create_plan or update_plan.";
    if (!options_.hub.remote)
      return "the Roundtable hub stopped while handling this request (" + r.error + "); it is restarted on the next call." + check;
    if (!r.unreachable.empty())
      return "the Roundtable hub at " + options_.hub.describe() + " is unreachable (" + r.unreachable + ")";
    return "the connection to the Roundtable hub at " + options_.hub.describe() + " broke while handling this request (" +
           r.error + ")." + check;
  }

  void flushWaiting() {
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& f : waiting) f();
  }

  void failWaiting() {
    // Each waiting send retries once more; with no session it reports the failure.
    auto waiting = std::move(waiting_);
    waiting_.clear();
    for (auto& f : waiting) f();
  }

  void maybeOpen(const Json& result) {
    if (!options_.openBrowser || result.value("isError", false)) return;
    auto sc = result.find("structuredContent");
    if (sc == result.end() || !sc->is_object() || !sc->contains("url") || !(*sc)["url"].is_string()) return;
    openInBrowser((*sc)["url"].get<std::string>());
  }

  void onEof() {
    // 2026-07-28 requests in flight: closing their connections cancels them
    // on the hub. Then end the hub session so its calls in flight stop; then
    // leave.
    for (auto& [key, weak] : statelessCalls_)
      if (auto call = weak.lock()) call->cancel();
    statelessCalls_.clear();
    if (sessionId_.empty()) return work_->reset();
    std::thread([this, sessionId = sessionId_] {
      deleteHubSession(options_.hub, sessionId);
      asio::post(ioc_, [this] {
        work_->reset();
        ioc_.stop();
      });
    }).detach();
  }

  const BridgeOptions options_;
  asio::io_context ioc_;
  asio::executor_work_guard<asio::io_context::executor_type>* work_ = nullptr;
  StdoutWriter out_;
  Json initParams_;
  std::string sessionId_;
  std::string protocolVersion_;
  bool initializing_ = false;
  std::vector<std::function<void()>> waiting_;
  // 2026-07-28 requests in flight, by their id's JSON text.
  std::map<std::string, std::weak_ptr<HubCall>> statelessCalls_;
};

}  // namespace

void openInBrowser(const std::string& url) {
  if (!url.starts_with("http://") && !url.starts_with("https://")) return;
  std::vector<std::string> command;
  if (const char* browser = std::getenv("BROWSER"); browser && *browser) {
    command = {browser, url};
  } else {
#ifdef __APPLE__
    command = {"open", url};
#else
    command = {"xdg-open", url};
#endif
  }
  pid_t child = fork();
  if (child < 0) return;
  if (child == 0) {
    setsid();
    if (fork() != 0) _exit(0);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int null = open("/dev/null", O_RDWR);
    if (null >= 0) {
      dup2(null, 0);
      dup2(null, 1);  // never onto the MCP stdout
      dup2(null, 2);
    }
    std::vector<char*> argv;
    for (auto& a : command) argv.push_back(a.data());
    argv.push_back(nullptr);
    execvp(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
}

int runStdioBridge(const BridgeOptions& options) {
  Status s = ensureHub(options.hub, options.dataDir, options.executable);
  if (!s.ok()) {
    // Keep serving: each request retries starting the hub and reports why it failed.
    spdlog::error("{}", s.message());
  }
  Bridge bridge(options);
  return bridge.run();
}

}  // namespace roundtable::mcp_stdio
