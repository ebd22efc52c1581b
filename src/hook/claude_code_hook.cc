#include "hook/claude_code_hook.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <filesystem>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>
#include <thread>

#include "hook/claude_code_input.h"
#include "mcp/plan_backend.h"
#include "mcp_stdio/hub_call.h"
#include "mcp_stdio/stdio_bridge.h"

namespace roundtable::hook {

namespace fs = std::filesystem;

namespace {

constexpr const char* kClientVersion = "1";
constexpr const char* kPrefix = "roundtable hook: ";
constexpr const char* kFallback = "; no decision, Claude Code asks as usual";

// Reads at most `limit` + 1 bytes, so that more than `limit` is noticed.
std::string readLimited(std::istream& in, size_t limit) {
  std::string data;
  char buf[65536];
  while (data.size() <= limit) {
    in.read(buf, sizeof buf);
    if (in.gcount() > 0) data.append(buf, static_cast<size_t>(in.gcount()));
    if (!in) break;
  }
  return data;
}

// The plan the model wrote: its file when the input names one (relative to
// the session's directory), else the inline plan.
Status readPlan(const HookInput& in, std::string* plan, std::string* source) {
  if (!in.planFilePath) {
    if (!in.plan) return Status::InvalidArgument("ExitPlanMode's input has neither 'planFilePath' nor 'plan'");
    if (in.plan->size() > kMaxPlanBytes)
      return Status::InvalidArgument("the plan is " + std::to_string(in.plan->size()) + " bytes; at most " +
                                     std::to_string(kMaxPlanBytes) + " go to review");
    *plan = *in.plan;
    *source = "the inline plan";
    return Status::Ok();
  }
  fs::path path(*in.planFilePath);
  if (path.is_relative() && !in.cwd.empty()) path = fs::path(in.cwd) / path;
  *source = path.string();
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0)
    return Status::NotFound("cannot read the plan file " + path.string() + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::InvalidArgument("the plan file " + path.string() + " is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxPlanBytes)
    return Status::InvalidArgument("the plan file " + path.string() + " is " + std::to_string(st.st_size) +
                                   " bytes; at most " + std::to_string(kMaxPlanBytes) + " go to review");
  std::ifstream file(path, std::ios::binary);
  if (!file) return Status::NotFound("cannot read the plan file " + path.string() + ": " + std::strerror(errno));
  *plan = readLimited(file, kMaxPlanBytes);
  if (file.bad()) return Status::NotFound("cannot read the plan file " + path.string());
  if (plan->size() > kMaxPlanBytes)
    return Status::InvalidArgument("the plan file " + path.string() + " grew over " + std::to_string(kMaxPlanBytes) +
                                   " bytes while it was read");
  return Status::Ok();
}

// owner/name from a remote URL (https://host/owner/name.git, git@host:owner/name), else "".
std::string repoFromRemote(std::string url) {
  while (!url.empty() && (url.back() == '/' || url.back() == ' ')) url.pop_back();
  if (url.ends_with(".git")) url.resize(url.size() - 4);
  size_t slash = url.find_last_of('/');
  if (slash == std::string::npos || slash == 0) return "";
  size_t before = url.find_last_of("/:", slash - 1);
  if (before == std::string::npos) return "";
  std::string repo = url.substr(before + 1);
  return repo.find_first_of(" \t@") == std::string::npos && repo.size() <= 200 ? repo : "";
}

// The first line of a small file, trimmed; "" if it cannot be read.
std::string firstLineOf(const fs::path& file) {
  std::ifstream f(file);
  std::string line;
  std::getline(f, line);
  size_t b = line.find_first_not_of(" \t\r");
  size_t e = line.find_last_not_of(" \t\r");
  return b == std::string::npos ? "" : line.substr(b, e - b + 1);
}

// The git directory holding the config of the work tree at `dir`, whose
// `.git` is `dotGit`: the folder itself, or for a linked work tree (a file
// "gitdir: PATH") the main repository's (PATH/commondir).
fs::path configDirOf(const fs::path& dir, const fs::path& dotGit) {
  std::error_code ec;
  if (fs::is_directory(dotGit, ec)) return dotGit;
  std::string line = firstLineOf(dotGit);
  if (!line.starts_with("gitdir:")) return {};
  size_t start = line.find_first_not_of(" \t", 7);
  if (start == std::string::npos) return {};
  fs::path gitDir(line.substr(start));
  if (gitDir.is_relative()) gitDir = dir / gitDir;
  std::string common = firstLineOf(gitDir / "commondir");
  if (common.empty()) return gitDir;
  fs::path commonDir(common);
  return commonDir.is_relative() ? gitDir / commonDir : commonDir;
}

// The repository the session works in: owner/name of its origin remote, else
// the name of the work tree's top folder, else "".
std::string repositoryOf(const std::string& cwd) {
  if (cwd.empty()) return "";
  std::error_code ec;
  fs::path dir = fs::path(cwd);
  for (int depth = 0; depth < 64 && !dir.empty(); ++depth) {
    fs::path dotGit = dir / ".git";
    if (!fs::exists(dotGit, ec)) {
      if (dir == dir.parent_path()) break;
      dir = dir.parent_path();
      continue;
    }
    std::ifstream config(configDirOf(dir, dotGit) / "config");
    std::string line;
    bool origin = false;
    for (int n = 0; n < 10000 && std::getline(config, line); ++n) {
      size_t start = line.find_first_not_of(" \t");
      if (start == std::string::npos) continue;
      std::string_view t = std::string_view(line).substr(start);
      if (t.starts_with("[")) origin = t.starts_with("[remote \"origin\"]");
      size_t eq = t.find('=');
      if (!origin || !t.starts_with("url") || eq == std::string_view::npos) continue;
      size_t value = t.find_first_not_of(" \t", eq + 1);
      std::string repo = repoFromRemote(std::string(value == std::string_view::npos ? "" : t.substr(value)));
      if (!repo.empty()) return repo;
    }
    return dir.filename().string();
  }
  return "";
}

// Members of the hub's answers and of remembered files, read without
// trusting their types (nlohmann's value() throws on a mismatch).
std::string stringAt(const Json& object, const char* key) {
  auto it = object.is_object() ? object.find(key) : object.end();
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}
bool isError(const Json& result) {
  auto it = result.find("isError");
  return it != result.end() && it->is_boolean() && it->get<bool>();
}
const Json& structured(const Json& result) {
  static const Json kNone = Json::object();
  auto it = result.find("structuredContent");
  return it != result.end() && it->is_object() ? *it : kNone;
}

// Where the plan of one Claude session and plan file is remembered.
fs::path rememberedPath(const std::string& dataDir, const HookInput& in) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
  };
  mix(in.sessionId);
  mix(in.planFilePath.value_or(""));
  char name[32];
  std::snprintf(name, sizeof name, "%016llx.json", static_cast<unsigned long long>(h));
  return fs::path(dataDir) / "claude-code" / name;
}

struct Remembered {
  std::string planId, url;
};

std::optional<Remembered> recall(const fs::path& file, const HookInput& in) {
  std::ifstream f(file);
  if (!f) return std::nullopt;
  std::string text = readLimited(f, 64 * 1024);
  Json j = Json::parse(text, nullptr, false);
  if (stringAt(j, "session") != in.sessionId || stringAt(j, "planFile") != in.planFilePath.value_or("") ||
      stringAt(j, "planId").empty())
    return std::nullopt;
  return Remembered{stringAt(j, "planId"), stringAt(j, "url")};
}

void remember(const fs::path& file, const HookInput& in, const Remembered& r, std::ostream& err) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fs::path tmp = file;
  tmp += ".tmp" + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::trunc);
    f << Json{{"session", in.sessionId}, {"planFile", in.planFilePath.value_or("")}, {"planId", r.planId}, {"url", r.url}}
             .dump(-1, ' ', false, Json::error_handler_t::replace);
    if (!f) {
      err << kPrefix << "cannot remember the plan in " << file.string()
          << "; a resubmission will make a new plan\n";
      return;
    }
  }
  fs::rename(tmp, file, ec);
}

std::string resultText(const Json& result) {
  std::string text;
  if (result.contains("content") && result["content"].is_array())
    for (const Json& c : result["content"])
      if (stringAt(c, "type") == "text") text += stringAt(c, "text");
  return text;
}

// The first line of `text`, for the one stderr line.
std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// Ends the hub session when Claude Code kills the hook (the user pressed Esc),
// so no wait is left behind on the hub.
class SignalGuard {
 public:
  explicit SignalGuard(std::function<void()> onSignal) {
    sigemptyset(&set_);
    sigaddset(&set_, SIGTERM);
    sigaddset(&set_, SIGINT);
    sigaddset(&set_, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set_, &old_);
    thread_ = std::thread([this, onSignal = std::move(onSignal)] {
      int sig = 0;
      sigwait(&set_, &sig);
      if (done_.load()) return;
      onSignal();
      _exit(128 + sig);
    });
  }
  ~SignalGuard() {
    done_ = true;
    pthread_kill(thread_.native_handle(), SIGTERM);
    thread_.join();
    pthread_sigmask(SIG_SETMASK, &old_, nullptr);
  }

 private:
  sigset_t set_, old_;
  std::atomic<bool> done_{false};
  std::thread thread_;
};

// The hook, start to end; runClaudeCodeHook adds the last-resort catch.
int decide(const ClaudeCodeHookOptions& options, std::istream& input, std::ostream& out, std::ostream& err) {
  std::string bytes = readLimited(input, kMaxHookInputBytes);
  HookInput in;
  if (Status s = parseHookInput(bytes, &in); !s.ok()) {
    err << kPrefix << s.message() << kFallback << "\n";
    return 0;
  }
  if (in.toolName != "ExitPlanMode") {
    err << kPrefix << "the hook decides on ExitPlanMode only, not '" << in.toolName.substr(0, 64) << "'" << kFallback
        << "\n";
    return 0;
  }
  std::string planText, source;
  if (Status s = readPlan(in, &planText, &source); !s.ok()) {
    err << kPrefix << s.message() << kFallback << "\n";
    return 0;
  }
  if (planText.find_first_not_of(" \t\r\n") == std::string::npos) {
    err << kPrefix << source << " is empty" << kFallback << "\n";
    return 0;
  }

  if (Status s = mcp_stdio::ensureHub(options.hub, options.dataDir, options.executable); !s.ok()) {
    err << kPrefix << s.message() << kFallback << "\n";
    return 0;
  }
  mcp_stdio::HubClient hub(options.hub);
  SignalGuard guard([&] { mcp_stdio::deleteHubSession(options.hub, hub.sessionId()); });
  if (Status s = hub.open("roundtable-hook-claude-code", kClientVersion); !s.ok()) {
    err << kPrefix << s.message() << kFallback << "\n";
    return 0;
  }

  // Send the plan: the next revision of the session's plan, or a new plan.
  const std::string title = planTitle(planText, "Plan from Claude Code");
  const fs::path memory = rememberedPath(options.dataDir, in);
  std::optional<Remembered> known = recall(memory, in);
  Remembered plan;
  int64_t revision = 1;
  Json result;
  if (known) {
    Status s = hub.callTool("update_plan", {{"planId", known->planId}, {"title", title}, {"content", planText}}, &result);
    if (!s.ok()) {
      err << kPrefix << s.message() << kFallback << "\n";
      return 0;
    }
    if (!isError(result)) {
      plan = *known;
      const Json& metadata = structured(result).value("metadata", Json::object());
      if (metadata.is_object() && metadata.contains("revision") && metadata["revision"].is_number_integer())
        revision = metadata["revision"].get<int64_t>();
    } else if (resultText(result).find(mcp::kUnknownPlan) != std::string::npos) {
      // The plan is gone (another data directory): this submission starts a new one.
      err << kPrefix << "plan " << known->planId << " is gone; sending a new plan\n";
      known.reset();
    } else {
      err << kPrefix << firstLine(resultText(result)) << kFallback << "\n";
      return 0;
    }
  }
  if (!known) {
    Json args{{"title", title}, {"content", planText}};
    if (std::string repo = repositoryOf(in.cwd); !repo.empty()) args["repo"] = repo;
    if (Status s = hub.callTool("create_plan", args, &result); !s.ok()) {
      err << kPrefix << s.message() << kFallback << "\n";
      return 0;
    }
    plan.planId = stringAt(structured(result), "planId");
    plan.url = stringAt(structured(result), "url");
    if (isError(result) || plan.planId.empty()) {
      err << kPrefix << firstLine(resultText(result)) << kFallback << "\n";
      return 0;
    }
    remember(memory, in, plan, err);
    if (options.openBrowser) mcp_stdio::openInBrowser(plan.url);
  }
  err << "Roundtable: \"" << title << "\" (revision " << revision << ") is up for review at " << plan.url
      << "; waiting for the reviewers' decision\n";
  err.flush();

  // Wait for a decision on this revision. A hub that stops meanwhile is
  // started again and the wait resumed (waiting changes nothing).
  Review review;
  for (int failures = 0;;) {
    Json wait;
    Status s = hub.callTool("wait_for_review", {{"planId", plan.planId}, {"timeoutSeconds", options.waitSeconds}}, &wait);
    if (!s.ok()) {
      if (++failures > 3) {
        err << kPrefix << "lost the hub while waiting (" << s.message() << ")" << kFallback << "\n";
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200 * failures));
      if (mcp_stdio::ensureHub(options.hub, options.dataDir, options.executable).ok())
        (void)hub.open("roundtable-hook-claude-code", kClientVersion);
      continue;
    }
    failures = 0;
    if (isError(wait)) {
      err << kPrefix << firstLine(resultText(wait)) << kFallback << "\n";
      return 0;
    }
    if (Status r = reviewFromFeedback(structured(wait), &review); !r.ok()) {
      err << kPrefix << "the hub's answer to wait_for_review: " << r.message() << kFallback << "\n";
      return 0;
    }
    if (review.status == "approved" || review.status == "changes_requested") break;
  }

  Json decision;
  if (review.status == "approved") {
    std::string reason = "Approved in Roundtable" + (review.reviewedBy.empty() ? "" : " by " + review.reviewedBy);
    decision = allowOutput(in, planText, review, reason);
  } else {
    decision = denyOutput(in, changesRequestedMessage(review, revision, plan.url));
  }
  out << decision.dump(-1, ' ', false, Json::error_handler_t::replace) << "\n";
  out.flush();
  return 0;
}

}  // namespace

int runClaudeCodeHook(const ClaudeCodeHookOptions& options, std::istream& input, std::ostream& out, std::ostream& err) {
  // Nothing below should throw; if anything does (memory, a library), the
  // answer is still no decision rather than a crash Claude Code reports.
  try {
    return decide(options, input, out, err);
  } catch (const std::exception& e) {
    err << kPrefix << "internal error: " << e.what() << kFallback << "\n";
    return 0;
  }
}

}  // namespace roundtable::hook
