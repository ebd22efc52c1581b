#include "cli/token_command.h"

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>

#include "auth/token.h"

namespace roundtable::cli {

namespace {

constexpr size_t kMaxSecretFileBytes = 4096;

struct IssueFlags {
  std::string secretFile;
  std::string scope;
  std::string plan;
  std::string expires = "7d";
  std::string subject;
};

int issue(const IssueFlags& f) {
  std::string secret, error;
  if (!readTokenSecret(f.secretFile, &secret, &error)) {
    std::cerr << error << "\n";
    return 2;
  }
  auto scope = auth::parseScope(f.scope);
  if (!scope) {
    std::cerr << "--scope must be plan:read, plan:review, plan:create or admin\n";
    return 2;
  }
  auto seconds = auth::parseDuration(f.expires);
  if (!seconds) {
    std::cerr << "--expires must be a duration such as 7d, 12h, 30m or 45s (at most ten years)\n";
    return 2;
  }
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  auth::Claims claims{.subject = f.subject.empty() ? std::string(auth::scopeName(*scope)) : f.subject,
                      .scope = *scope,
                      .plan = f.plan,
                      .issuedAt = now,
                      .expiresAt = now + *seconds};
  if (Status s = auth::validateClaims(claims); !s.ok()) {
    std::cerr << s.message() << "\n";
    return 2;
  }
  std::cout << auth::issueToken(secret, claims) << "\n";
  return 0;
}

}  // namespace

bool readTokenSecret(const std::string& path, std::string* secret, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    *error = "cannot read the token secret file " + path;
    return false;
  }
  std::string bytes;
  bytes.resize(kMaxSecretFileBytes + 1);
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  bytes.resize(static_cast<size_t>(in.gcount()));
  if (bytes.size() > kMaxSecretFileBytes) {
    *error = "the token secret file " + path + " is larger than 4096 bytes";
    return false;
  }
  while (!bytes.empty() && (bytes.back() == '\n' || bytes.back() == '\r')) bytes.pop_back();
  if (bytes.size() < auth::kMinSecretBytes) {
    *error = "the token secret in " + path + " is shorter than 32 bytes (make one with: openssl rand -base64 48 > " +
             path + ")";
    return false;
  }
  *secret = std::move(bytes);
  return true;
}

void addTokenCommand(CLI::App& app) {
  CLI::App* token = app.add_subcommand("token", "Access tokens for a hub with access control");
  token->require_subcommand(1);
  auto f = std::make_shared<IssueFlags>();
  CLI::App* cmd = token->add_subcommand("issue", "Print a new access token (a JWT signed with the hub's secret)");
  cmd->add_option("--secret-file", f->secretFile, "The file the hub's --token-secret-file names")->required();
  cmd->add_option("--scope", f->scope,
                  "plan:read (sync, no changes), plan:review (comment, decide), plan:create (agents: create and "
                  "update plans) or admin (also /metrics); each allows what the ones before it allow")
      ->required();
  cmd->add_option("--plan", f->plan, "Bind the token to this plan id (plan:read and plan:review only)");
  cmd->add_option("--expires", f->expires, "Lifetime: 7d, 12h, 30m, 45s")->capture_default_str();
  cmd->add_option("--subject", f->subject, "Who the token is for (shown in the hub's log)");
  cmd->callback([f] { throw CLI::RuntimeError(issue(*f)); });
}

}  // namespace roundtable::cli
