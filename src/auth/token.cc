#include "auth/token.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <limits>
#include <nlohmann/json.hpp>

#include "lib0/utf.h"

namespace roundtable::auth {

namespace {

using Json = nlohmann::json;

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
// The header issueToken writes, and the only alg verifyToken accepts.
constexpr std::string_view kHeader = R"({"alg":"HS256","typ":"JWT"})";
constexpr int64_t kMaxDurationSeconds = 10LL * 366 * 24 * 3600;

std::array<unsigned char, 32> hmacSha256(std::string_view secret, std::string_view data) {
  std::array<unsigned char, 32> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), mac.data(), &length);
  return mac;
}

int value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// A JSON integer claim as seconds; nullopt if absent, not an integer, or out of range.
std::optional<int64_t> integerClaim(const Json& claims, const char* name) {
  auto it = claims.find(name);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_unsigned()) {
    uint64_t v = it->get<uint64_t>();
    if (v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max() / 2)) return std::nullopt;
    return static_cast<int64_t>(v);
  }
  if (it->is_number_integer()) {
    int64_t v = it->get<int64_t>();
    if (v < 0) return std::nullopt;
    return v;
  }
  return std::nullopt;
}

bool validSubject(std::string_view s) {
  if (s.empty() || s.size() > kMaxSubjectBytes) return false;
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return lib0::isValidUtf8(s);
}

}  // namespace

std::string_view scopeName(Scope scope) {
  switch (scope) {
    case Scope::kRead: return "plan:read";
    case Scope::kReview: return "plan:review";
    case Scope::kCreate: return "plan:create";
    case Scope::kAdmin: return "admin";
  }
  return "";
}

std::optional<Scope> parseScope(std::string_view name) {
  for (Scope s : {Scope::kRead, Scope::kReview, Scope::kCreate, Scope::kAdmin})
    if (name == scopeName(s)) return s;
  return std::nullopt;
}

bool isValidPlanId(std::string_view plan) {
  if (plan.empty() || plan.size() > kMaxPlanBytes) return false;
  for (char c : plan)
    if (value(c) < 0) return false;
  return true;
}

std::string base64UrlEncode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t n = uint32_t(uint8_t(bytes[i])) << 16;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
  } else if (rest == 2) {
    uint32_t n = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
  }
  return out;
}

std::optional<std::string> base64UrlDecode(std::string_view text) {
  if (text.size() % 4 == 1) return std::nullopt;  // no byte count ends there
  std::string out;
  out.reserve(text.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (char c : text) {
    int v = value(c);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  // The bits left over must be zero: otherwise two texts would mean the same bytes.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

Status validateClaims(const Claims& claims) {
  if (!validSubject(claims.subject))
    return Status::InvalidArgument("the subject must be 1 to 256 bytes of UTF-8 without control characters");
  if (!claims.plan.empty() && !isValidPlanId(claims.plan))
    return Status::InvalidArgument("a plan id is 1 to 128 characters of A-Z, a-z, 0-9, '-' and '_'");
  if (!claims.plan.empty() && claims.scope != Scope::kRead && claims.scope != Scope::kReview)
    return Status::InvalidArgument("only plan:read and plan:review tokens can be bound to a plan");
  if (claims.issuedAt < 0 || claims.expiresAt <= claims.issuedAt)
    return Status::InvalidArgument("the token must expire after it is issued");
  return Status::Ok();
}

std::string issueToken(std::string_view secret, const Claims& claims) {
  nlohmann::ordered_json body;
  body["sub"] = claims.subject;
  body["scope"] = std::string(scopeName(claims.scope));
  if (!claims.plan.empty()) body["plan"] = claims.plan;
  body["iat"] = claims.issuedAt;
  body["exp"] = claims.expiresAt;
  std::string signingInput = base64UrlEncode(kHeader) + "." + base64UrlEncode(body.dump());
  auto mac = hmacSha256(secret, signingInput);
  return signingInput + "." + base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

Status verifyToken(std::string_view secret, std::string_view token, int64_t nowSeconds, Claims* out) {
  if (token.empty()) return Status::InvalidArgument("no token");
  if (token.size() > kMaxTokenBytes) return Status::InvalidArgument("token too long");
  size_t dot1 = token.find('.');
  size_t dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos)
    return Status::InvalidArgument("malformed token (not three parts)");
  std::string_view headerPart = token.substr(0, dot1);
  std::string_view claimsPart = token.substr(dot1 + 1, dot2 - dot1 - 1);
  std::string_view signaturePart = token.substr(dot2 + 1);
  if (headerPart.empty() || claimsPart.empty()) return Status::InvalidArgument("malformed token (empty part)");

  // The signature first: nothing an outsider wrote is parsed as JSON.
  auto signature = base64UrlDecode(signaturePart);
  if (!signature || signature->size() != 32) return Status::InvalidArgument("bad signature");
  auto mac = hmacSha256(secret, token.substr(0, dot2));
  if (CRYPTO_memcmp(mac.data(), signature->data(), mac.size()) != 0) return Status::InvalidArgument("bad signature");

  auto headerText = base64UrlDecode(headerPart);
  auto claimsText = base64UrlDecode(claimsPart);
  if (!headerText || !claimsText) return Status::InvalidArgument("malformed token (not base64url)");
  Json header = Json::parse(*headerText, nullptr, /*allow_exceptions=*/false);
  if (!header.is_object()) return Status::InvalidArgument("malformed token header");
  auto alg = header.find("alg");
  if (alg == header.end() || !alg->is_string() || alg->get_ref<const std::string&>() != "HS256")
    return Status::InvalidArgument("token algorithm is not HS256");
  if (header.contains("crit")) return Status::InvalidArgument("token header has critical extensions");
  if (auto typ = header.find("typ"); typ != header.end() && (!typ->is_string() || typ->get_ref<const std::string&>() != "JWT"))
    return Status::InvalidArgument("token type is not JWT");

  Json claims = Json::parse(*claimsText, nullptr, /*allow_exceptions=*/false);
  if (!claims.is_object()) return Status::InvalidArgument("malformed token claims");
  Claims c;
  auto exp = integerClaim(claims, "exp");
  auto iat = integerClaim(claims, "iat");
  if (!exp || !iat) return Status::InvalidArgument("token lacks a valid exp or iat");
  c.expiresAt = *exp;
  c.issuedAt = *iat;
  if (nowSeconds >= c.expiresAt + kLeewaySeconds) return Status::InvalidArgument("token expired");
  if (c.issuedAt > nowSeconds + kLeewaySeconds) return Status::InvalidArgument("token issued in the future");
  if (claims.contains("nbf")) {
    auto nbf = integerClaim(claims, "nbf");
    if (!nbf) return Status::InvalidArgument("token has an invalid nbf");
    if (*nbf > nowSeconds + kLeewaySeconds) return Status::InvalidArgument("token not valid yet");
  }
  auto sub = claims.find("sub");
  if (sub == claims.end() || !sub->is_string() || !validSubject(sub->get_ref<const std::string&>()))
    return Status::InvalidArgument("token lacks a valid sub");
  c.subject = sub->get<std::string>();
  auto scope = claims.find("scope");
  std::optional<Scope> parsed;
  if (scope != claims.end() && scope->is_string()) parsed = parseScope(scope->get_ref<const std::string&>());
  if (!parsed) return Status::InvalidArgument("token lacks a known scope");
  c.scope = *parsed;
  if (auto plan = claims.find("plan"); plan != claims.end()) {
    if (!plan->is_string() || !isValidPlanId(plan->get_ref<const std::string&>()))
      return Status::InvalidArgument("token names an invalid plan");
    c.plan = plan->get<std::string>();
  }
  if (Status s = validateClaims(c); !s.ok()) return s;
  *out = std::move(c);
  return Status::Ok();
}

bool allows(const Claims& claims, Scope needed, std::string_view plan) {
  if (static_cast<uint8_t>(claims.scope) < static_cast<uint8_t>(needed)) return false;
  if (claims.plan.empty()) return true;
  return !plan.empty() && plan == claims.plan;
}

std::optional<int64_t> parseDuration(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  int64_t unit = 1;
  switch (text.back()) {
    case 's': unit = 1; text.remove_suffix(1); break;
    case 'm': unit = 60; text.remove_suffix(1); break;
    case 'h': unit = 3600; text.remove_suffix(1); break;
    case 'd': unit = 86400; text.remove_suffix(1); break;
    default: break;
  }
  if (text.empty()) return std::nullopt;
  int64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + (c - '0');
    if (n > kMaxDurationSeconds) return std::nullopt;
  }
  int64_t seconds = n * unit;
  if (seconds <= 0 || seconds > kMaxDurationSeconds) return std::nullopt;
  return seconds;
}

std::string signature(std::string_view secret, std::string_view data) {
  auto mac = hmacSha256(secret, data);
  return base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

bool verifySignature(std::string_view secret, std::string_view data, std::string_view mac) {
  std::string expected = signature(secret, data);
  return mac.size() == expected.size() && CRYPTO_memcmp(mac.data(), expected.data(), mac.size()) == 0;
}

}  // namespace roundtable::auth
