#include "cli/serve_command.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/environment.h"
#include "cli/token_command.h"
#include "auth/token.h"
#include "hub/hub.h"

namespace roundtable::cli {

namespace {

struct ServeFlags {
  hub::HubOptions options;
  std::string dataDir;
  std::string configFile;
  std::string webDir;
  std::vector<std::string> stun;
  std::string turnUrl, turnUsername, turnCredential, turnSecret, turnSecretFile;
  int64_t turnTtlSeconds = 86400;
  int64_t unloadGraceMs = 30000;
  int64_t awarenessTimeoutMs = 30000;
  std::string fsync = "background";
  std::string store = "sqlite";
  std::string bus;
  std::string busPasswordFile;
  bool noP2p = false;
  int64_t mcpProgressMs = 15000;
  std::string logLevel = "info";
  std::string tokenSecretFile;
  std::string shareTokenExpires = "30d";
  bool noAccessControl = false;
};

bool isLoopback(const std::string& host) {
  return host == "127.0.0.1" || host == "::1" || host.starts_with("127.");
}

// A secret kept in a file (so that it is not visible in `ps`): its first
// line. `what` names it in the error.
bool readSecretFile(const std::string& path, std::string* secret, const char* what = "a TURN secret") {
  std::ifstream in(path);
  if (!in || !std::getline(in, *secret) || secret->empty()) {
    std::cerr << "cannot read " << what << " from " << path << " (its first line holds it)\n";
    return false;
  }
  if (secret->back() == '\r') secret->pop_back();
  return true;
}

// An ICE server's "urls": one string or a list of them (RTCIceServer's shape).
std::vector<std::string> readUrls(const nlohmann::json& server) {
  const auto& urls = server.at("urls");
  if (urls.is_string()) return {urls.get<std::string>()};
  return urls.get<std::vector<std::string>>();
}

// "turn": one object or a list of them, each {urls, secret | secretFile, ttlSeconds?}.
bool readTurnRestServers(const nlohmann::json& turn, hub::HubOptions* options) {
  const nlohmann::json list = turn.is_array() ? turn : nlohmann::json::array({turn});
  for (const auto& server : list) {
    hub::TurnRestServer rest;
    rest.urls = readUrls(server);
    if (server.contains("secretFile")) {
      if (!readSecretFile(server["secretFile"].get<std::string>(), &rest.secret)) return false;
    } else {
      rest.secret = server.at("secret").get<std::string>();
    }
    int64_t ttl = server.value("ttlSeconds", int64_t{86400});
    if (ttl <= 0 || rest.urls.empty() || rest.secret.empty()) {
      std::cerr << "config file: each \"turn\" entry needs urls, a non-empty secret and a positive ttlSeconds\n";
      return false;
    }
    rest.ttl = std::chrono::seconds(ttl);
    options->turnRestServers.push_back(std::move(rest));
  }
  return true;
}

// The config file holds what is awkward on a command line (TURN credentials,
// lists); flags add to it.
bool readConfigFile(const std::string& path, hub::HubOptions* options) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "cannot read config file " << path << "\n";
    return false;
  }
  auto json = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    std::cerr << "config file " << path << " is not a JSON object\n";
    return false;
  }
  try {
    for (const auto& url : json.value("signaling", nlohmann::json::array())) options->signalingUrls.push_back(url);
    for (const auto& origin : json.value("allowOrigins", nlohmann::json::array())) options->allowOrigins.push_back(origin);
    for (const auto& host : json.value("allowHosts", nlohmann::json::array())) options->allowHosts.push_back(host);
    if (json.contains("publicUrl")) options->publicUrl = json["publicUrl"].get<std::string>();
    for (const auto& server : json.value("iceServers", nlohmann::json::array())) {
      hub::IceServer ice;
      ice.urls = readUrls(server);
      ice.username = server.value("username", "");
      ice.credential = server.value("credential", "");
      options->iceServers.push_back(std::move(ice));
    }
    if (json.contains("turn") && !readTurnRestServers(json["turn"], options)) return false;
  } catch (const nlohmann::json::exception& e) {
    std::cerr << "config file " << path << ": " << e.what() << "\n";
    return false;
  }
  return true;
}

void addCommonFlags(CLI::App* cmd, ServeFlags* f) {
  hub::HubOptions& o = f->options;
  cmd->add_option("--host", o.host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", o.port, "Port to listen on (0: any free port)");
  cmd->add_option("--threads", o.threads, "Worker threads")->capture_default_str();
  cmd->add_option("--config", f->configFile,
                  "JSON file with signaling, iceServers, turn, allowOrigins, allowHosts, publicUrl "
                  "(serve: DATA/config.json when present)");
  cmd->add_option("--allow-origin", o.allowOrigins, "Also accept requests from pages of this origin (repeatable)");
  cmd->add_option("--allow-host", o.allowHosts, "Also answer to this host name (repeatable)");
  cmd->add_option("--public-url", o.publicUrl, "Public address of the review site that share links point to");
  cmd->add_option("--signaling", o.signalingUrls, "Signaling relay URL for the web app, besides this one (repeatable)");
  cmd->add_option("--stun", f->stun, "STUN server URL for the web app, e.g. stun:stun.example.com:3478 (repeatable)");
  cmd->add_option("--turn", f->turnUrl, "TURN server URL for the web app");
  cmd->add_option("--turn-username", f->turnUsername, "TURN username");
  cmd->add_option("--turn-credential", f->turnCredential, "TURN password");
  cmd->add_option("--turn-secret", f->turnSecret,
                  "Secret shared with the TURN server (coturn static-auth-secret): hand out credentials that expire");
  cmd->add_option("--turn-secret-file", f->turnSecretFile, "File whose first line is that secret (not shown by ps)");
  cmd->add_option("--turn-ttl", f->turnTtlSeconds, "Lifetime of handed-out TURN credentials, in seconds")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-message-bytes", o.maxMessageBytes, "Largest WebSocket message accepted")->capture_default_str();
  cmd->add_option("--max-queued-bytes", o.maxQueuedBytes,
                  "Bytes queued for one slow client before it is disconnected")->capture_default_str();
  cmd->add_option("--max-document-bytes", o.maxDocumentBytes,
                  "Largest size of one document; an update past it is refused (close 4413)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--idle-seconds", o.idleSeconds,
                  "A WebSocket silent this long gets a ping; silent twice as long, it is closed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--max-conns-per-ip", o.maxConnsPerIp, "Connections one address may hold")->capture_default_str();
  cmd->add_option("--max-topics-per-conn", o.maxTopicsPerConn, "Signaling topics one connection may join")->capture_default_str();
  cmd->add_option("--token-secret-file", f->tokenSecretFile,
                  "Turn access control on: every endpoint but /healthz and the web app's files needs an access token "
                  "signed with the secret in this file (roundtable token issue; docs/hub.md)");
  cmd->add_option("--log-level", f->logLevel, "trace, debug, info, warn, error")->capture_default_str();
}

int runHub(ServeFlags& f, bool documents) {
  auto logger = spdlog::stderr_color_mt("roundtable");
  spdlog::set_default_logger(logger);
  spdlog::set_level(spdlog::level::from_str(f.logLevel));
  hub::HubOptions& o = f.options;
  // A hub that `roundtable mcp` starts gets no flags: a team's public review
  // site and TURN server live in the data directory's config.json.
  if (documents && f.configFile.empty() && !f.dataDir.empty()) {
    std::error_code ec;
    std::filesystem::path beside = std::filesystem::path(f.dataDir) / "config.json";
    if (std::filesystem::is_regular_file(beside, ec)) f.configFile = beside.string();
  }
  if (!f.configFile.empty()) {
    hub::HubOptions fromFile;
    if (!readConfigFile(f.configFile, &fromFile)) return 2;
    o.signalingUrls.insert(o.signalingUrls.begin(), fromFile.signalingUrls.begin(), fromFile.signalingUrls.end());
    o.allowOrigins.insert(o.allowOrigins.end(), fromFile.allowOrigins.begin(), fromFile.allowOrigins.end());
    o.allowHosts.insert(o.allowHosts.end(), fromFile.allowHosts.begin(), fromFile.allowHosts.end());
    o.iceServers = fromFile.iceServers;
    o.turnRestServers = fromFile.turnRestServers;
    if (o.publicUrl.empty()) o.publicUrl = fromFile.publicUrl;
  }
  for (const auto& url : f.stun) o.iceServers.push_back({{url}, "", ""});
  if (!f.turnSecretFile.empty() && !readSecretFile(f.turnSecretFile, &f.turnSecret)) return 2;
  if (!f.turnSecret.empty()) {
    if (f.turnUrl.empty() || !f.turnUsername.empty() || !f.turnCredential.empty()) {
      std::cerr << "--turn-secret needs --turn URL and replaces --turn-username/--turn-credential\n";
      return 2;
    }
    o.turnRestServers.push_back({{f.turnUrl}, f.turnSecret, std::chrono::seconds(f.turnTtlSeconds)});
  } else if (!f.turnUrl.empty()) {
    o.iceServers.push_back({{f.turnUrl}, f.turnUsername, f.turnCredential});
  }
  o.serveDocuments = documents;
  if (documents) {
    o.dataDir = f.dataDir;
    if (f.store != "sqlite") o.postgresUrl = f.store;
    o.busUrl = f.bus;
    if (!f.busPasswordFile.empty() && !readSecretFile(f.busPasswordFile, &o.busPassword, "Redis's password"))
      return 2;
    o.unloadGrace = std::chrono::milliseconds(f.unloadGraceMs);
    o.awarenessTimeout = std::chrono::milliseconds(f.awarenessTimeoutMs);
    o.sync = f.fsync == "always" ? store::SyncMode::kEveryCommit
             : f.fsync == "off"  ? store::SyncMode::kOff
                                 : store::SyncMode::kBackground;
    o.mcpProgressInterval = std::chrono::milliseconds(std::max<int64_t>(f.mcpProgressMs, 10));
  }
  if (!f.webDir.empty()) o.webDir = f.webDir;
  if (!f.tokenSecretFile.empty()) {
    std::string error;
    if (!readTokenSecret(f.tokenSecretFile, &o.tokenSecret, &error)) {
      std::cerr << error << "\n";
      return 2;
    }
    auto ttl = auth::parseDuration(f.shareTokenExpires);
    if (!ttl) {
      std::cerr << "--share-token-expires must be a duration such as 30d or 12h\n";
      return 2;
    }
    o.shareTokenTtl = std::chrono::seconds(*ttl);
    spdlog::info("access control on: tokens signed with the secret in {}", f.tokenSecretFile);
  } else if (!isLoopback(o.host)) {
    if (documents && !f.noAccessControl) {
      // Plans on a network address with no access control: anyone who can
      // reach it reads and changes them. Said once, loudly, and refused.
      std::cerr << "refusing to serve plans on " << o.host << " without access control: anyone who reaches it could "
                << "read and change every plan.\nGive --token-secret-file FILE (docs/hub.md, \"Access control\"), "
                << "or --no-access-control if something else guards this address.\n";
      return 2;
    }
    spdlog::warn("NO ACCESS CONTROL on {}: anyone who reaches this address can use every endpoint{}", o.host,
                 documents ? " and every plan (--no-access-control)" : " (the relay sees only encrypted rooms)");
  }

  std::unique_ptr<hub::Hub> hub;
  Status s = hub::Hub::Create(o, &hub);
  if (!s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }
  hub->run();
  return 0;
}

}  // namespace

void addServeCommand(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  f->options.port = defaultPort(4141);
  f->dataDir = defaultDataDir();
  CLI::App* cmd = app.add_subcommand("serve", "Run the hub: sync, store and relay plans; serve the web app");
  addCommonFlags(cmd, f.get());
  cmd->add_option("--data", f->dataDir, "Data directory (default ~/.roundtable, or ROUNDTABLE_DATA)");
  cmd->add_option("--web-dir", f->webDir, "Directory with the built web app (default: found beside the binary)");
  cmd->add_option("--unload-grace-ms", f->unloadGraceMs, "Keep a document in memory this long after its last client leaves")
      ->capture_default_str();
  cmd->add_option("--awareness-timeout-ms", f->awarenessTimeoutMs, "Drop presence not renewed within this time")
      ->capture_default_str();
  cmd->add_option("--mcp-progress-ms", f->mcpProgressMs, "wait_for_review sends MCP progress at least this often")
      ->capture_default_str();
  cmd->add_option("--share-token-expires", f->shareTokenExpires,
                  "With access control: how long the reviewer's token in create_plan's links lasts")
      ->capture_default_str();
  cmd->add_flag("--no-access-control", f->noAccessControl,
                "Serve on a non-loopback --host without a token secret (refused otherwise)");
  cmd->add_option("--fsync", f->fsync,
                  "When an update reaches the disk. Every mode commits it to SQLite's WAL before any other client "
                  "sees it, so a crash of the hub loses nothing anyone saw. background: fsynced within about 50 ms, "
                  "so a power loss can cost the last 50 ms; agents' writes are answered after their fsync. "
                  "always: fsynced before anyone sees it. off: only at SQLite's checkpoints")
      ->check(CLI::IsMember({"always", "background", "off"}))
      ->capture_default_str();
  cmd->add_option("--store", f->store,
                  "Where documents are kept. sqlite: a database in the data directory (one hub). "
                  "postgres://user@host:port/db (or postgresql://, or libpq's key=value form with dbname=): "
                  "a PostgreSQL 15 database, which the hub creates its tables in; --fsync does not apply")
      ->check([](const std::string& v) -> std::string {
        if (v == "sqlite" || v.starts_with("postgres://") || v.starts_with("postgresql://") ||
            v.find("dbname=") != std::string::npos) {
          return "";
        }
        return "must be sqlite or a PostgreSQL connection string (postgres://user@host:port/db)";
      })
      ->capture_default_str();
  cmd->add_option("--bus", f->bus,
                  "redis://[[user]:password@]host[:port][/db] or unix://[[user]:password@]/path/to/redis.sock[?db=N]: "
                  "replicas of a team server. Hubs sharing one --store postgres:// database relay each other's edits "
                  "and presence through this Redis server (Redis only carries news; the documents stay in "
                  "PostgreSQL)");
  cmd->add_option("--bus-password-file", f->busPasswordFile,
                  "File whose first line is Redis's password (not shown by ps; instead of one in --bus)");
  cmd->add_flag("--no-p2p", f->noP2p,
                "Do not join plans' WebRTC rooms: remote reviewers then reach plans only through an author's open "
                "browser (docs/p2p.md)");
  cmd->add_option("--p2p-max-rooms", f->options.p2pMaxRooms, "WebRTC rooms the hub joins at most, newest plans first")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--p2p-max-peers", f->options.p2pMaxPeers, "WebRTC connections per room at most")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--p2p-max-peers-total", f->options.p2pMaxPeersTotal,
                  "WebRTC connections in all rooms at most (each is a pipeline with threads of its own)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--p2p-recent-days", f->options.p2pRecentDays,
                  "Besides plans pending review, join the rooms of plans changed within this many days")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->callback([f] {
    if (f->noP2p) f->options.p2p = false;
    throw CLI::RuntimeError(runHub(*f, /*documents=*/true));
  });
}

void addSignalCommand(CLI::App& app) {
  auto f = std::make_shared<ServeFlags>();
  f->options.host = "0.0.0.0";
  f->options.port = 4444;  // y-webrtc's own default
  f->options.serveWeb = false;
  f->options.anyOriginForSignal = true;
  CLI::App* cmd = app.add_subcommand("signal", "Run the y-webrtc signaling relay alone (for a public host)");
  addCommonFlags(cmd, f.get());
  cmd->add_flag("--web", f->options.serveWeb, "Also serve the web app and its /config.json");
  cmd->add_option("--web-dir", f->webDir, "Directory with the built web app (default: found beside the binary)");
  cmd->callback([f] { throw CLI::RuntimeError(runHub(*f, /*documents=*/false)); });
}

}  // namespace roundtable::cli
