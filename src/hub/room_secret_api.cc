#include "hub/room_secret_api.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "hub/plan_service.h"
#include "hub/room_secrets.h"
#include "hub/url.h"

namespace roundtable::hub {

namespace http = boost::beast::http;

namespace {

std::string secretJson(const std::string& secret) { return nlohmann::json{{"secret", secret}}.dump() + "\n"; }

std::string errorJson(std::string_view message) { return nlohmann::json{{"error", message}}.dump() + "\n"; }

// The secret in a POST body {"secret":"..."}, or empty when the body is not that.
std::string secretOfBody(const std::string& body) {
  nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return {};
  auto it = parsed.find("secret");
  return it != parsed.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

HttpResponse noStoreJson(const HttpRequest& request, http::status status, const std::string& json) {
  auto res = makeResponse(request, status, "application/json", json);
  res.set(http::field::cache_control, "no-store");
  return res;
}

std::optional<std::string> RoomSecretApi::planIdOf(std::string_view target) {
  constexpr std::string_view kPrefix = "/api/plans/", kSuffix = "/room-secret";
  std::string_view path = targetPath(target);
  if (!path.starts_with(kPrefix) || !path.ends_with(kSuffix) || path.size() < kPrefix.size() + kSuffix.size())
    return std::nullopt;
  auto id = percentDecode(path.substr(kPrefix.size(), path.size() - kPrefix.size() - kSuffix.size()));
  return id ? *id : std::string();
}

RoomSecretApi::RoomSecretApi(std::shared_ptr<RoomSecrets> secrets, std::shared_ptr<PlanService> plans)
    : secrets_(std::move(secrets)), plans_(std::move(plans)) {}

void RoomSecretApi::serve(const HttpRequest& request, const std::string& planId, Respond respond) const {
  if (request.method() != http::verb::post) {
    auto secret = secrets_->get(planId);
    if (!secret) return respond(noStoreJson(request, http::status::not_found, errorJson("this plan has no room secret")));
    return respond(noStoreJson(request, http::status::ok, secretJson(*secret)));
  }
  std::string offered = secretOfBody(request.body());
  if (!RoomSecrets::valid(offered)) {
    return respond(noStoreJson(request, http::status::bad_request,
                               errorJson("the body must be {\"secret\": 16 to 128 characters of [A-Za-z0-9_-]}")));
  }
  // Only a plan the hub has gets a secret: anyone else's ids would fill the
  // table (RoomSecrets::kMaxSecrets), and new plans could then get none.
  auto answer = [secrets = secrets_, planId, offered, respond = std::move(respond),
                 head = HttpRequest(request.method(), request.target(), request.version()),
                 keepAlive = request.keep_alive()](bool exists) mutable {
    head.keep_alive(keepAlive);
    if (!exists) return respond(noStoreJson(head, http::status::not_found, errorJson("no such plan")));
    std::string kept;
    Status s = secrets->adopt(planId, offered, &kept);
    if (!s.ok()) {
      spdlog::warn("room secret of plan '{}': {}", planId, s.message());
      auto status = s.code() == StatusCode::kResourceExhausted ? http::status::insufficient_storage
                                                               : http::status::internal_server_error;
      return respond(noStoreJson(head, status, errorJson(s.message())));
    }
    respond(noStoreJson(head, http::status::ok, secretJson(kept)));
  };
  if (!plans_) return answer(true);
  plans_->planExists(planId, std::move(answer));
}

}  // namespace roundtable::hub
