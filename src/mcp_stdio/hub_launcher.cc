#include "mcp_stdio/hub_launcher.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <thread>
#include <vector>

#include "mcp_stdio/hub_stream.h"

namespace roundtable::mcp_stdio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string HubAddress::describe() const {
  if (!remote) return host + ":" + std::to_string(port);
  return (tls ? "https://" : "http://") + hostHeader();
}

std::string HubAddress::hostHeader() const {
  std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;  // an IPv6 address
  if (remote && port == (tls ? 443 : 80)) return name;
  return name + ":" + std::to_string(port);
}

Status parseHubUrl(std::string_view url, HubAddress* out) {
  HubAddress hub;
  hub.remote = true;
  std::string_view rest;
  if (url.starts_with("https://")) {
    hub.tls = true;
    hub.port = 443;
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    hub.port = 80;
    rest = url.substr(7);
  } else {
    return Status::InvalidArgument("the hub's URL must start with http:// or https://: '" + std::string(url) + "'");
  }
  size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash);
  if (!path.empty() && path != "/")
    return Status::InvalidArgument("the hub's URL has a path ('" + std::string(path) +
                                   "'): a hub serves at the root of its origin, e.g. https://roundtable.example.com");
  if (authority.find('@') != std::string_view::npos)
    return Status::InvalidArgument("the hub's URL carries credentials: pass a token with --token-file or ROUNDTABLE_TOKEN");
  std::string_view port;
  if (authority.starts_with("[")) {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Status::InvalidArgument("bad IPv6 address in '" + std::string(url) + "'");
    hub.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(":")) return Status::InvalidArgument("bad hub URL '" + std::string(url) + "'");
    if (!after.empty()) port = after.substr(1);
  } else {
    size_t colon = authority.find(':');
    hub.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (hub.host.empty() || hub.host.find_first_of(" \t\r\n") != std::string::npos)
    return Status::InvalidArgument("the hub's URL names no host: '" + std::string(url) + "'");
  if (!port.empty() || authority.ends_with(":")) {
    unsigned value = 0;
    bool digits = !port.empty() && port.size() <= 5 && port.find_first_not_of("0123456789") == std::string_view::npos;
    if (digits) value = static_cast<unsigned>(std::stoul(std::string(port)));
    if (!digits || value == 0 || value > 65535)
      return Status::InvalidArgument("bad port in the hub's URL '" + std::string(url) + "'");
    hub.port = static_cast<uint16_t>(value);
  }
  *out = std::move(hub);
  return Status::Ok();
}

std::optional<HubResponse> hubRequest(const HubAddress& address, std::string_view method, std::string_view target,
                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                      std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  HubStream stream(ioc, address);
  http::request<http::empty_body> req{http::string_to_verb(beast::string_view(method.data(), method.size())),
                                      beast::string_view(target.data(), target.size()), 11};
  req.set(http::field::host, address.hostHeader());
  for (const auto& [name, value] : headers) req.set(name, value);
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024);  // a health check's or a DELETE's answer is short
  beast::flat_buffer buffer;
  std::optional<HubResponse> out;
  stream.connect(timeout, [&](std::string error) {
    if (!error.empty()) return;
    stream.tcp().expires_after(timeout);
    stream.with([&](auto& s) {
      http::async_write(s, req, [&](beast::error_code ec, size_t) {
        if (ec) return;
        http::async_read(s, buffer, parser, [&](beast::error_code ec, size_t) {
          auto& res = parser.get();
          if (!ec) out = HubResponse{static_cast<int>(res.result_int()), std::string(res[http::field::server])};
        });
      });
    });
  });
  ioc.run();
  return out;
}

bool hubAnswers(const HubAddress& address, std::chrono::milliseconds timeout) {
  auto res = hubRequest(address, "GET", "/healthz", {}, timeout);
  // 503: a hub that runs but cannot store; starting another would not help.
  return res && (res->status == 200 || res->status == 503) && res->server == "roundtable";
}

namespace {

// Starts the hub detached from this process (its own session, stdio away
// from the agent's pipe, reparented to init), so it outlives this front and
// never writes to the MCP stdout. `*exitFd` becomes the read end of a pipe
// whose write end only the hub holds: it reads EOF once the hub has exited
// (or failed to start), so a hub that cannot start is known at once.
Status spawnHub(const HubAddress& address, const std::string& dataDir, const std::string& executable, int* exitFd) {
  std::error_code fsEc;
  std::filesystem::create_directories(dataDir, fsEc);
  std::string log = dataDir + "/hub.log";
  std::vector<std::string> args = {executable, "serve", "--host", address.host, "--port", std::to_string(address.port),
                                   "--data", dataDir};
  int alive[2];
  if (pipe2(alive, O_CLOEXEC) != 0) return Status::FailedPrecondition("cannot start the hub: pipe failed");
  pid_t child = fork();
  if (child < 0) {
    close(alive[0]);
    close(alive[1]);
    return Status::FailedPrecondition("cannot start the hub: fork failed");
  }
  if (child == 0) {
    setsid();
    if (fork() != 0) _exit(0);  // the grandchild runs the hub; init adopts it
    sigset_t none;  // a caller may block signals (the hook does); the hub must get them
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    int in = open("/dev/null", O_RDONLY);
    int out = open("/dev/null", O_WRONLY);
    int err = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    if (in >= 0) dup2(in, 0);
    if (out >= 0) dup2(out, 1);
    dup2(err >= 0 ? err : out, 2);
    int keep = fcntl(alive[1], F_DUPFD, 3);  // not close-on-exec: the hub holds it
    for (int fd = 3; fd < 1024; ++fd)
      if (fd != keep) close(fd);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(executable.c_str(), argv.data());
    _exit(127);
  }
  close(alive[1]);
  *exitFd = alive[0];
  int status = 0;
  waitpid(child, &status, 0);
  return Status::Ok();
}

// Whether the process holding the other end of `fd` has exited.
bool exited(int fd) {
  pollfd p{fd, POLLIN, 0};
  return poll(&p, 1, 0) == 1 && (p.revents & (POLLIN | POLLHUP));
}

}  // namespace

Status ensureHub(const HubAddress& address, const std::string& dataDir, const std::string& executable,
                 std::chrono::milliseconds startTimeout) {
  using namespace std::chrono;
  if (address.remote) return Status::Ok();  // not ours to start; a call that cannot reach it says so
  if (hubAnswers(address, milliseconds(1000))) return Status::Ok();
  int exitFd = -1;
  Status s = spawnHub(address, dataDir, executable, &exitFd);
  if (!s.ok()) return s;
  auto deadline = steady_clock::now() + startTimeout;
  bool gone = false;
  while (steady_clock::now() < deadline && !gone) {
    gone = exited(exitFd);  // then one last look: another front's hub may have won the race
    if (hubAnswers(address, milliseconds(500))) {
      close(exitFd);
      return Status::Ok();
    }
    if (!gone) std::this_thread::sleep_for(milliseconds(50));
  }
  close(exitFd);
  return Status::FailedPrecondition("no Roundtable hub answers on " + address.host + ":" + std::to_string(address.port) +
                                    " and starting one failed; see " + dataDir + "/hub.log");
}

}  // namespace roundtable::mcp_stdio
