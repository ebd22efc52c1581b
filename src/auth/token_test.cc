#include "auth/token.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <nlohmann/json.hpp>

namespace roundtable::auth {
namespace {

const std::string kSecret(40, 's');
constexpr int64_t kNow = 1'800'000'000;

Claims reviewClaims() {
  Claims c;
  c.subject = "alice";
  c.scope = Scope::kReview;
  c.plan = "abc123";
  c.issuedAt = kNow;
  c.expiresAt = kNow + 3600;
  return c;
}

// A token with the given header and claims texts, signed with `secret`
// (what a forger with the secret, or a test, writes by hand).
std::string sign(std::string_view secret, std::string_view header, std::string_view claims) {
  std::string input = base64UrlEncode(header) + "." + base64UrlEncode(claims);
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), int(secret.size()), reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &len);
  return input + "." + base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

Status verify(std::string_view token, int64_t now = kNow, Claims* out = nullptr) {
  Claims ignored;
  return verifyToken(kSecret, token, now, out ? out : &ignored);
}

TEST(Token, RoundTripsItsClaims) {
  std::string token = issueToken(kSecret, reviewClaims());
  Claims c;
  ASSERT_TRUE(verify(token, kNow, &c).ok()) << verify(token).message();
  EXPECT_EQ(c.subject, "alice");
  EXPECT_EQ(c.scope, Scope::kReview);
  EXPECT_EQ(c.plan, "abc123");
  EXPECT_EQ(c.issuedAt, kNow);
  EXPECT_EQ(c.expiresAt, kNow + 3600);
}

TEST(Token, IsAStandardJwtThatOtherLibrariesRead) {
  std::string token = issueToken(kSecret, reviewClaims());
  size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  auto header = nlohmann::json::parse(*base64UrlDecode(token.substr(0, dot1)));
  EXPECT_EQ(header, nlohmann::json::parse(R"({"alg":"HS256","typ":"JWT"})"));
  auto claims = nlohmann::json::parse(*base64UrlDecode(token.substr(dot1 + 1, dot2 - dot1 - 1)));
  EXPECT_EQ(claims["sub"], "alice");
  EXPECT_EQ(claims["scope"], "plan:review");
  EXPECT_EQ(claims["plan"], "abc123");
  EXPECT_EQ(claims["exp"], kNow + 3600);
  // RFC 7515 appendix A.1's HS256 example, checked against its published signature.
  std::string jwkKey = *base64UrlDecode(
      "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow");
  std::string example =
      "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlL"
      "mNvbS9pc19yb290Ijp0cnVlfQ.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
  Claims c;
  // Signature and header pass; it is refused only for lacking iat, sub and scope.
  EXPECT_EQ(verifyToken(jwkKey, example, 1300819000, &c).message(), "token lacks a valid exp or iat");
  std::string tampered = example;
  tampered.back() = tampered.back() == 'k' ? 'A' : 'k';
  EXPECT_EQ(verifyToken(jwkKey, tampered, 1300819000, &c).message(), "bad signature");
}

TEST(Signature, OnlyTheSecretsHoldersMakeOne) {
  std::string mac = signature("secret", "data");
  EXPECT_EQ(mac.size(), 43u);  // 32 bytes, base64url without padding
  EXPECT_TRUE(verifySignature("secret", "data", mac));
  EXPECT_FALSE(verifySignature("other", "data", mac));
  EXPECT_FALSE(verifySignature("secret", "datA", mac));
  EXPECT_FALSE(verifySignature("secret", "data", mac.substr(0, 42)));
  EXPECT_FALSE(verifySignature("secret", "data", ""));
  std::string altered = mac;
  altered[0] = altered[0] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(verifySignature("secret", "data", altered));
}

TEST(Token, RefusesAnotherSecretsSignature) {
  std::string token = issueToken(std::string(40, 'x'), reviewClaims());
  EXPECT_EQ(verify(token).message(), "bad signature");
}

TEST(Token, RefusesChangedClaims) {
  std::string token = issueToken(kSecret, reviewClaims());
  size_t dot1 = token.find('.'), dot2 = token.rfind('.');
  Claims admin = reviewClaims();
  admin.scope = Scope::kAdmin;
  admin.plan.clear();
  std::string other = issueToken(std::string(40, 'x'), admin);
  size_t odot1 = other.find('.'), odot2 = other.rfind('.');
  std::string spliced = token.substr(0, dot1) + other.substr(odot1, odot2 - odot1) + token.substr(dot2);
  EXPECT_EQ(verify(spliced).message(), "bad signature");
}

TEST(Token, RefusesAlgNoneAndOtherAlgorithms) {
  std::string claims = R"({"sub":"eve","scope":"admin","iat":1800000000,"exp":1800003600})";
  // alg none with an empty signature: the classic forgery.
  std::string none = base64UrlEncode(R"({"alg":"none","typ":"JWT"})") + "." + base64UrlEncode(claims) + ".";
  EXPECT_FALSE(verify(none).ok());
  // Even correctly MACed, a header naming another algorithm is refused.
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"HS512"})", R"({"alg":"hs256"})", R"({"typ":"JWT"})",
                             R"({"alg":["HS256"]})", R"({"alg":"HS256","crit":["exp"]})", R"({"alg":"HS256","typ":1})",
                             R"([])", "not json"}) {
    Status s = verify(sign(kSecret, header, claims));
    EXPECT_FALSE(s.ok()) << header;
  }
  EXPECT_TRUE(verify(sign(kSecret, R"({"alg":"HS256"})", claims)).ok());
}

TEST(Token, ExpiresWithOnlyAFewSecondsOfLeeway) {
  Claims c = reviewClaims();
  std::string token = issueToken(kSecret, c);
  EXPECT_TRUE(verify(token, c.expiresAt - 1).ok());
  EXPECT_TRUE(verify(token, c.expiresAt + kLeewaySeconds - 1).ok());
  EXPECT_EQ(verify(token, c.expiresAt + kLeewaySeconds).message(), "token expired");
  EXPECT_EQ(verify(token, c.expiresAt + 86400).message(), "token expired");
  EXPECT_EQ(verify(token, c.issuedAt - kLeewaySeconds - 1).message(), "token issued in the future");
  std::string notYet = sign(kSecret, R"({"alg":"HS256"})",
                            R"({"sub":"a","scope":"admin","iat":1800000000,"nbf":1800000100,"exp":1800003600})");
  EXPECT_EQ(verify(notYet).message(), "token not valid yet");
  EXPECT_TRUE(verify(notYet, kNow + 100).ok());
}

TEST(Token, RequiresItsClaims) {
  const char* header = R"({"alg":"HS256","typ":"JWT"})";
  for (const char* claims : {
           R"({"scope":"admin","iat":1800000000,"exp":1800003600})",               // no sub
           R"({"sub":"","scope":"admin","iat":1800000000,"exp":1800003600})",      // empty sub
           R"({"sub":"a\u0001","scope":"admin","iat":1800000000,"exp":1800003600})",
           R"({"sub":"a","iat":1800000000,"exp":1800003600})",                     // no scope
           R"({"sub":"a","scope":"root","iat":1800000000,"exp":1800003600})",      // unknown scope
           R"({"sub":"a","scope":"ADMIN","iat":1800000000,"exp":1800003600})",
           R"({"sub":"a","scope":"admin","exp":1800003600})",                      // no iat
           R"({"sub":"a","scope":"admin","iat":1800000000})",                      // no exp
           R"({"sub":"a","scope":"admin","iat":1800000000,"exp":1.8e9})",          // not an integer
           R"({"sub":"a","scope":"admin","iat":1800000000,"exp":"1800003600"})",
           R"({"sub":"a","scope":"admin","iat":-1,"exp":1800003600})",
           R"({"sub":"a","scope":"admin","iat":1800000000,"exp":18446744073709551615})",
           R"({"sub":"a","scope":"plan:read","plan":"../x","iat":1800000000,"exp":1800003600})",
           R"({"sub":"a","scope":"plan:read","plan":7,"iat":1800000000,"exp":1800003600})",
           R"({"sub":"a","scope":"plan:read","plan":"","iat":1800000000,"exp":1800003600})",
           R"([1,2])",
           R"("x")",
       }) {
    EXPECT_FALSE(verify(sign(kSecret, header, claims)).ok()) << claims;
  }
}

TEST(Token, RefusesMalformedTokens) {
  std::string good = issueToken(kSecret, reviewClaims());
  EXPECT_EQ(verify("").message(), "no token");
  EXPECT_FALSE(verify("a.b").ok());
  EXPECT_FALSE(verify("a.b.c.d").ok());
  EXPECT_FALSE(verify(good + ".").ok());
  EXPECT_FALSE(verify("." + good.substr(good.find('.'))).ok());
  EXPECT_FALSE(verify(good + "=").ok());  // padding is not base64url in a JWT
  std::string withSpace = good;
  withSpace.insert(5, " ");
  EXPECT_FALSE(verify(withSpace).ok());
  std::string huge = good + std::string(kMaxTokenBytes, 'A');
  EXPECT_EQ(verify(huge).message(), "token too long");
}

TEST(Token, ScopesAreOrderedAndPlanBound) {
  Claims review = reviewClaims();
  EXPECT_TRUE(allows(review, Scope::kRead, "abc123"));
  EXPECT_TRUE(allows(review, Scope::kReview, "abc123"));
  EXPECT_FALSE(allows(review, Scope::kCreate, "abc123"));
  EXPECT_FALSE(allows(review, Scope::kRead, "other"));
  EXPECT_FALSE(allows(review, Scope::kRead, ""));  // listing every plan
  Claims agent{.subject = "agent", .scope = Scope::kCreate, .plan = "", .issuedAt = kNow, .expiresAt = kNow + 60};
  EXPECT_TRUE(allows(agent, Scope::kCreate, ""));
  EXPECT_TRUE(allows(agent, Scope::kReview, "any"));
  EXPECT_FALSE(allows(agent, Scope::kAdmin, ""));
  Claims admin = agent;
  admin.scope = Scope::kAdmin;
  EXPECT_TRUE(allows(admin, Scope::kAdmin, ""));
}

TEST(Token, ValidatesClaimsBeforeSigning) {
  EXPECT_TRUE(validateClaims(reviewClaims()).ok());
  Claims c = reviewClaims();
  c.scope = Scope::kCreate;
  EXPECT_FALSE(validateClaims(c).ok());  // a plan-bound create token means nothing
  c = reviewClaims();
  c.expiresAt = c.issuedAt;
  EXPECT_FALSE(validateClaims(c).ok());
  c = reviewClaims();
  c.subject = std::string(kMaxSubjectBytes + 1, 'a');
  EXPECT_FALSE(validateClaims(c).ok());
  c = reviewClaims();
  c.subject = "\xff";
  EXPECT_FALSE(validateClaims(c).ok());
  c = reviewClaims();
  c.plan = "a/b";
  EXPECT_FALSE(validateClaims(c).ok());
}

TEST(Token, ParsesDurations) {
  EXPECT_EQ(parseDuration("7d"), 7 * 86400);
  EXPECT_EQ(parseDuration("12h"), 12 * 3600);
  EXPECT_EQ(parseDuration("30m"), 1800);
  EXPECT_EQ(parseDuration("45s"), 45);
  EXPECT_EQ(parseDuration("90"), 90);
  for (const char* bad : {"", "d", "0", "0d", "-1d", "1w", "1.5h", "99999d", "10000000000000000000"})
    EXPECT_FALSE(parseDuration(bad)) << bad;
}

TEST(Base64Url, IsStrict) {
  EXPECT_EQ(base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64UrlDecode("-_8"), "\xfb\xff");
  EXPECT_EQ(base64UrlDecode(""), "");
  EXPECT_FALSE(base64UrlDecode("-_9"));  // trailing bits set
  EXPECT_FALSE(base64UrlDecode("A"));    // no byte count ends after 6 bits
  EXPECT_FALSE(base64UrlDecode("+/8"));  // base64, not base64url
  EXPECT_FALSE(base64UrlDecode("-_8="));
  for (size_t n = 0; n < 10; ++n) {
    std::string bytes;
    for (size_t i = 0; i < n; ++i) bytes += char(i * 37 + 200);
    EXPECT_EQ(base64UrlDecode(base64UrlEncode(bytes)), bytes);
  }
}

}  // namespace
}  // namespace roundtable::auth
