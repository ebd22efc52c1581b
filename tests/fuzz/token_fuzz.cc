// libFuzzer target: access tokens (auth/token.h) through the verifier. Besides
// the sanitizers, it checks the promises of token.h and aborts when one breaks:
//  * whatever the input, verifying returns (no crash, no throw);
//  * input not signed with the secret is refused (the fuzzer cannot find a MAC);
//  * the input's first two parts re-signed with the secret reach the header and
//    claims checks; if accepted, the claims are ones issueToken may sign, and a
//    token issued with them verifies to the same claims.
//
// Build and run (clang):
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DROUNDTABLE_FUZZ=ON -DROUNDTABLE_TESTS=OFF \
//     -DROUNDTABLE_BENCH=OFF && cmake --build build-fuzz --target roundtable_token_fuzz
//   ./build-fuzz/roundtable_token_fuzz -max_len=8192 -max_total_time=60 CORPUS_DIR tests/fuzz/corpus/token
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/token.h"

namespace {

namespace auth = roundtable::auth;

const std::string kSecret(32, 'k');
constexpr int64_t kNow = 1'800'000'000;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "broken promise: %s\n", what);
    std::abort();
  }
}

std::string signedWith(std::string_view signingInput) {
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), kSecret.data(), int(kSecret.size()), reinterpret_cast<const unsigned char*>(signingInput.data()),
       signingInput.size(), mac, &len);
  return std::string(signingInput) + "." + auth::base64UrlEncode(std::string_view(reinterpret_cast<const char*>(mac), len));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auth::Claims claims;
  // The input as a token: a forged MAC is never accepted (a 2^-256 chance).
  check(!auth::verifyToken(kSecret, text, kNow, &claims).ok(), "an unsigned token was accepted");

  // The input's signing part, signed: the header and claims parsers see it.
  size_t lastDot = text.rfind('.');
  std::string token = signedWith(lastDot == std::string_view::npos ? text : text.substr(0, lastDot));
  if (!auth::verifyToken(kSecret, token, kNow, &claims).ok()) return 0;
  check(token.size() <= auth::kMaxTokenBytes, "a token past the size limit was accepted");
  check(auth::validateClaims(claims).ok(), "accepted claims are not ones a token may carry");
  check(claims.expiresAt + auth::kLeewaySeconds > kNow, "an expired token was accepted");
  auth::Claims again;
  check(auth::verifyToken(kSecret, auth::issueToken(kSecret, claims), kNow, &again).ok(),
        "a token issued with accepted claims does not verify");
  check(again.subject == claims.subject && again.scope == claims.scope && again.plan == claims.plan &&
            again.issuedAt == claims.issuedAt && again.expiresAt == claims.expiresAt,
        "a re-issued token verifies to other claims");
  return 0;
}
