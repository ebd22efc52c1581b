#include "hub/access.h"

#include <boost/beast/core/string.hpp>

#include "hub/beast_string.h"
#include "hub/router.h"
#include "hub/url.h"

namespace roundtable::hub {

namespace http = boost::beast::http;

namespace {

int64_t nowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// Quotes for a WWW-Authenticate parameter: our descriptions hold no quotes or
// backslashes, but keep the header well-formed whatever they say.
std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text)
    if (c != '"' && c != '\\' && static_cast<unsigned char>(c) >= 0x20) out += c;
  return out + "\"";
}

}  // namespace

std::string AccessControl::tokenOf(const Request& request) {
  std::string_view authorization = sv(request[http::field::authorization]);
  if (!authorization.empty()) {
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.size() > kBearer.size() &&
        boost::beast::iequals(boost::beast::string_view(authorization.data(), kBearer.size()),
                              boost::beast::string_view(kBearer.data(), kBearer.size()))) {
      std::string_view token = authorization.substr(kBearer.size());
      while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
      while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
      return std::string(token);
    }
    return {};  // another scheme: no bearer token
  }
  std::string_view target = sv(request.target());
  size_t question = target.find('?');
  if (question == std::string_view::npos) return {};
  std::string_view query = target.substr(question + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    constexpr std::string_view kName = "access_token=";
    if (pair.starts_with(kName)) {
      std::string_view value = pair.substr(kName.size());
      if (value.size() > 3 * auth::kMaxTokenBytes) return std::string(value);  // refused as too long
      return percentDecode(value).value_or(std::string());
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return {};
}

Status AccessControl::check(const Request& request, auth::Claims* out) const {
  if (!enabled()) {
    *out = auth::Claims{.subject = "local", .scope = auth::Scope::kAdmin};
    return Status::Ok();
  }
  std::string token = tokenOf(request);
  if (token.empty()) return Status::NotFound("no access token");
  return auth::verifyToken(secret_, token, nowSeconds(), out);
}

std::string AccessControl::reviewerToken(const std::string& planId, std::chrono::seconds ttl) const {
  if (!enabled() || !auth::isValidPlanId(planId)) return {};
  int64_t now = nowSeconds();
  auth::Claims claims{.subject = "reviewer", .scope = auth::Scope::kReview, .plan = planId, .issuedAt = now,
                      .expiresAt = now + ttl.count()};
  return auth::issueToken(secret_, claims);
}

AccessControl::Response AccessControl::unauthorized(const Request& request, std::string_view error,
                                                    std::string_view description, std::string_view scope) {
  std::string challenge = "Bearer realm=\"roundtable\"";
  if (!error.empty()) {
    challenge += ", error=" + quoted(error);
    challenge += ", error_description=" + quoted(description);
    if (!scope.empty()) challenge += ", scope=" + quoted(scope);
  }
  auto res = makeResponse(request, http::status::unauthorized, "text/plain; charset=utf-8",
                          "unauthorized: " + std::string(description) + "\n");
  res.set(http::field::www_authenticate, challenge);
  res.set(http::field::cache_control, "no-store");
  return res;
}

bool tokenExpired(int64_t expiresAt) { return expiresAt != 0 && nowSeconds() >= expiresAt + auth::kLeewaySeconds; }

std::string planSignalingTopic(std::string_view planId) { return "roundtable-" + std::string(planId); }

}  // namespace roundtable::hub
