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

namespace roundtable::mcp_stdio {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::optional<HubResponse> hubRequest(const HubAddress& address, std::string_view method, std::string_view target,
                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                      std::chrono::milliseconds timeout) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  boost::system::error_code ec;
  auto ip = asio::ip::make_address(address.host, ec);
  if (ec) return std::nullopt;
  stream.expires_after(timeout);
  http::request<http::empty_body> req{http::string_to_verb(beast::string_view(method.data(), method.size())),
                                      beast::string_view(target.data(), target.size()), 11};
  req.set(http::field::host, address.host + ":" + std::to_string(address.port));
  for (const auto& [name, value] : headers) req.set(name, value);
  http::response<http::string_body> res;
  beast::flat_buffer buffer;
  std::optional<HubResponse> out;
  stream.async_connect(asio::ip::tcp::endpoint(ip, address.port), [&](beast::error_code ec) {
    if (ec) return;
    http::async_write(stream, req, [&](beast::error_code ec, size_t) {
      if (ec) return;
      http::async_read(stream, buffer, res, [&](beast::error_code ec, size_t) {
        if (!ec) out = HubResponse{static_cast<int>(res.result_int()), std::string(res[http::field::server])};
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
