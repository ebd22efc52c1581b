// Access tokens: JSON Web Tokens (RFC 7519) signed by the hub with
// HMAC-SHA256 (JWS "HS256", RFC 7515) under a secret only the hub holds.
// Strings in, decisions out; no I/O (the secret is read by the caller).
//
//   header   {"alg":"HS256","typ":"JWT"}
//   claims   {"sub":"alice","scope":"plan:review","plan":"a1b2...","iat":1765000000,"exp":1767592000}
//
// Scopes are ordered; each allows what the ones before it allow:
//   plan:read     sync a plan's documents without changing them; read it over MCP
//   plan:review   also change them: comment, decide (approve, ask for changes)
//   plan:create   also create and update plans (an agent)
//   admin         everything, including /metrics
// A token with `plan` opens that plan only (its document and its WebRTC
// room); one without opens every plan within its scope.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "roundtable/base/status.h"

namespace roundtable::auth {

enum class Scope : uint8_t { kRead = 1, kReview = 2, kCreate = 3, kAdmin = 4 };

// "plan:read", "plan:review", "plan:create", "admin".
std::string_view scopeName(Scope scope);
// The scope a name means; nullopt for anything else (names are exact).
std::optional<Scope> parseScope(std::string_view name);

struct Claims {
  std::string subject;  // `sub`: who the token was issued to (for logs)
  Scope scope = Scope::kRead;
  std::string plan;     // `plan`: empty when the token is not bound to one plan
  int64_t issuedAt = 0;   // `iat`, seconds since the Unix epoch
  int64_t expiresAt = 0;  // `exp`, seconds since the Unix epoch
};

// A token longer than this is refused before anything else is looked at.
inline constexpr size_t kMaxTokenBytes = 4096;
// Secrets shorter than this are refused (RFC 7518 3.2: at least the hash's size).
inline constexpr size_t kMinSecretBytes = 32;
// Clock difference between hubs that is tolerated on `exp`, `nbf` and `iat`.
inline constexpr int64_t kLeewaySeconds = 5;
inline constexpr size_t kMaxSubjectBytes = 256;
inline constexpr size_t kMaxPlanBytes = 128;

// Whether a plan id can be named by a token: 1 to kMaxPlanBytes of
// [A-Za-z0-9_-] (what the hub's plan ids are made of).
bool isValidPlanId(std::string_view plan);

// A signed token carrying `claims`. The caller has checked them
// (validateClaims); the secret has at least kMinSecretBytes.
std::string issueToken(std::string_view secret, const Claims& claims);

// Ok if the claims are ones issueToken may sign: a subject of at most
// kMaxSubjectBytes of UTF-8 without control characters, a valid plan id or
// none, a plan only with plan:read or plan:review, and exp after iat.
Status validateClaims(const Claims& claims);

// Verifies `token` at `nowSeconds`: its size, its form (three base64url parts
// without padding), the signature (compared in constant time), the header
// (alg exactly HS256; anything else, "none" included, is refused; no `crit`),
// and the claims (exp, iat and sub required, scope one of the names above,
// plan valid if present; expired, not yet valid (nbf) or issued in the
// future, each beyond kLeewaySeconds, is refused). On success fills *out.
// Errors are InvalidArgument with a short reason that names no secret and
// is safe to send to the client. Never throws (except std::bad_alloc).
Status verifyToken(std::string_view secret, std::string_view token, int64_t nowSeconds, Claims* out);

// Whether a verified token allows an action needing `needed` on `plan`
// (empty: an action on no single plan, e.g. list or create plans, which
// plan-bound tokens are never allowed).
bool allows(const Claims& claims, Scope needed, std::string_view plan);

// "7d", "12h", "30m", "45s" or plain seconds: the seconds it means; nullopt
// for anything else, 0, or more than ten years.
std::optional<int64_t> parseDuration(std::string_view text);

// HMAC-SHA256 of `data` under `secret`, base64url (43 characters): a value
// only holders of the secret can make.
std::string signature(std::string_view secret, std::string_view data);
// Whether `mac` is signature(secret, data); compared in constant time.
bool verifySignature(std::string_view secret, std::string_view data, std::string_view mac);

// base64url without padding (RFC 4648 section 5), as JWTs use it.
std::string base64UrlEncode(std::string_view bytes);
// Strict: the alphabet only, no padding, no impossible lengths or trailing bits.
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace roundtable::auth
