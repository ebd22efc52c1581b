#include "hub/access.h"

#include <gtest/gtest.h>

namespace roundtable::hub {
namespace {

namespace http = boost::beast::http;

AccessControl::Request request(std::string target, std::string authorization = {}) {
  AccessControl::Request r{http::verb::get, target, 11};
  if (!authorization.empty()) r.set(http::field::authorization, authorization);
  return r;
}

TEST(AccessControl, FindsTheTokenInTheHeaderOrTheQuery) {
  EXPECT_EQ(AccessControl::tokenOf(request("/mcp", "Bearer a.b.c")), "a.b.c");
  EXPECT_EQ(AccessControl::tokenOf(request("/mcp", "bearer  a.b.c ")), "a.b.c");
  EXPECT_EQ(AccessControl::tokenOf(request("/yjs/p?access_token=a.b.c")), "a.b.c");
  EXPECT_EQ(AccessControl::tokenOf(request("/yjs/p?x=1&access_token=a%2Eb.c&y=2")), "a.b.c");
  EXPECT_EQ(AccessControl::tokenOf(request("/yjs/p?my_access_token=a.b.c")), "");
  EXPECT_EQ(AccessControl::tokenOf(request("/yjs/p?access_token=%zz")), "");
  // Another scheme in the header: no bearer token, and the query is not looked at instead.
  EXPECT_EQ(AccessControl::tokenOf(request("/x?access_token=a.b.c", "Basic dXNlcjpwdw==")), "");
  EXPECT_EQ(AccessControl::tokenOf(request("/x")), "");
}

TEST(AccessControl, OffWithoutASecret) {
  AccessControl off("");
  auth::Claims claims;
  EXPECT_FALSE(off.enabled());
  EXPECT_TRUE(off.check(request("/metrics"), &claims).ok());
  EXPECT_TRUE(auth::allows(claims, auth::Scope::kAdmin, ""));
  EXPECT_EQ(off.reviewerToken("abc", std::chrono::seconds(60)), "");
}

TEST(AccessControl, ChecksTokensWithItsSecret) {
  AccessControl on(std::string(40, 'k'));
  auth::Claims claims;
  EXPECT_EQ(on.check(request("/metrics"), &claims).code(), StatusCode::kNotFound);
  std::string token = on.reviewerToken("abc", std::chrono::seconds(60));
  ASSERT_TRUE(on.check(request("/yjs/abc?access_token=" + token), &claims).ok());
  EXPECT_EQ(claims.plan, "abc");
  EXPECT_EQ(claims.scope, auth::Scope::kReview);
  EXPECT_FALSE(AccessControl(std::string(40, 'x')).check(request("/x", "Bearer " + token), &claims).ok());
}

TEST(AccessControl, RefusesWithABearerChallenge) {
  auto bare = AccessControl::unauthorized(request("/x"), "", "no access token");
  EXPECT_EQ(bare.result(), http::status::unauthorized);
  EXPECT_EQ(bare[http::field::www_authenticate], "Bearer realm=\"roundtable\"");
  auto narrow = AccessControl::unauthorized(request("/x"), "insufficient_scope", "say \"hi\"", "admin");
  EXPECT_EQ(narrow[http::field::www_authenticate],
            "Bearer realm=\"roundtable\", error=\"insufficient_scope\", error_description=\"say hi\", scope=\"admin\"");
}

}  // namespace
}  // namespace roundtable::hub
