#include "mcp_stdio/stdio_bridge.h"

#include <fcntl.h>
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
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "mcp/json_rpc.h"
#include "mcp/server.h"

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
  std::string tool = message.params.value("name", "");
  return tool == "list_plans" || tool == "read_plan" || tool == "get_feedback" || tool == "wait_for_review";
}

// One POST to the hub's /mcp and its answer (JSON or an event stream).
class HubCall : public std::enable_shared_from_this<HubCall> {
 public:
  struct Result {
    bool connected = false;      // the request reached the hub
    bool answered = false;       // a final message or an accepted notification came back
    int status = 0;              // HTTP status
    std::string sessionId;       // Mcp-Session-Id of the response
    std::string error;           // transport failure
  };
  using OnMessage = std::function<void(Json)>;
  using Done = std::function<void(Result)>;

  HubCall(asio::io_context& ioc, const HubAddress& hub, std::string sessionId, std::string protocolVersion,
          std::string body, OnMessage onMessage, Done done)
      : stream_(ioc), hub_(hub), withSession_(!sessionId.empty()), onMessage_(std::move(onMessage)), done_(std::move(done)) {
    request_ = {http::verb::post, "/mcp", 11};
    request_.set(http::field::host, hub.host + ":" + std::to_string(hub.port));
    request_.set(http::field::content_type, "application/json");
    request_.set(http::field::accept, "application/json, text/event-stream");
    if (!sessionId.empty()) request_.set("Mcp-Session-Id", sessionId);
    if (!protocolVersion.empty()) request_.set("MCP-Protocol-Version", protocolVersion);
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

  void start() {
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

 private:
  void onHeader(beast::error_code ec) {
    if (ec) return finish("the hub closed the connection: " + ec.message());
    auto& res = parser_.get();
    result_.status = static_cast<int>(res.result_int());
    result_.sessionId = std::string(res["Mcp-Session-Id"]);
    stream_events_ = res[http::field::content_type].starts_with("text/event-stream");
    readMore();
  }

  void readMore() {
    if (parser_.is_done()) return complete();
    http::async_read_some(stream_, buffer_, parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->finish("the hub closed the connection: " + ec.message());
      self->readMore();
    });
  }

  void complete() {
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
  void drainEvents() {
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

  void deliver(Json message) {
    if (message.contains("result") || message.contains("error")) result_.answered = true;
    onMessage_(std::move(message));
  }

  void finish(std::string error) {
    if (!done_) return;
    result_.error = std::move(error);
    beast::error_code ec;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    auto done = std::move(done_);
    done_ = nullptr;
    done(std::move(result_));
  }

  beast::tcp_stream stream_;
  HubAddress hub_;
  bool withSession_;
  http::request<http::string_body> request_;
  http::response_parser<http::string_body> parser_;
  std::function<size_t(uint64_t, beast::string_view, beast::error_code&)> onChunkBody_;
  beast::flat_buffer buffer_;
  std::string body_;
  bool stream_events_ = false;
  OnMessage onMessage_;
  Done done_;
  Result result_;
};

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
              out_.write(mcp::makeError(message.id, mcp::kInternalError, "the hub refused the request (HTTP " + std::to_string(r.status) + ")"));
            return;
          }
          // The hub is gone (or restarted and forgot the session).
          if (attempt >= 2 || (r.connected && r.status != 404 && !safeToRetry(message))) {
            if (message.kind == mcp::Incoming::Kind::kRequest)
              out_.write(mcp::makeError(message.id, mcp::kInternalError,
                                        "the Roundtable hub stopped while handling this request (" + r.error +
                                            "); it is restarted on the next call. Check list_plans before repeating a "
                                            "create_plan or update_plan."));
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
              spdlog::error("cannot open a session with the hub: {}", r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error);
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
    std::thread([this, then = std::move(then)] {
      Status s = ensureHub(options_.hub, options_.dataDir, options_.executable);
      if (!s.ok()) spdlog::error("{}", s.message());
      asio::post(ioc_, then);
    }).detach();
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
    // End the hub session so its calls in flight stop; then leave.
    if (sessionId_.empty()) return work_->reset();
    std::thread([this, sessionId = sessionId_] {
      asio::io_context ioc;
      beast::tcp_stream stream(ioc);
      boost::system::error_code ec;
      auto ip = asio::ip::make_address(options_.hub.host, ec);
      if (!ec) {
        stream.expires_after(std::chrono::seconds(2));
        http::request<http::empty_body> req{http::verb::delete_, "/mcp", 11};
        req.set(http::field::host, options_.hub.host + ":" + std::to_string(options_.hub.port));
        req.set("Mcp-Session-Id", sessionId);
        stream.async_connect(asio::ip::tcp::endpoint(ip, options_.hub.port), [&](beast::error_code ec) {
          if (ec) return;
          http::async_write(stream, req, [&](beast::error_code, size_t) {});
        });
        ioc.run();
      }
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
