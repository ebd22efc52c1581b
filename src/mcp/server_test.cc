#include "mcp/server.h"

#include <gtest/gtest.h>

#include <iostream>
#include <set>

#include "mcp/plan_tools.h"

namespace roundtable::mcp {
namespace {

// A backend that answers from memory, recording what the tools asked for.
class FakeBackend : public PlanBackend {
 public:
  void createPlan(NewPlan plan, Reply<CreatedPlan> reply) override {
    created.push_back(plan);
    reply({Status::Ok(), {"p1", "http://h/plan/p1#k=s", "https://r/plan/p1#k=s", "http://h/plan?d=x", 3}});
  }
  void listPlans(std::string status, Reply<std::vector<PlanSummary>> reply) override {
    listedStatus = status;
    reply({Status::Ok(), {{"p1", "One", "approved", 1000, 2000}}});
  }
  void readPlan(std::string planId, std::optional<int64_t> revision, bool annotations, Reply<PlanText> reply) override {
    readRevision = revision;
    if (planId != "p1") return reply({Status::NotFound("no plan with id '" + planId + "'")});
    PlanText text;
    text.metadata = metadata();
    text.markdown = annotations ? "# A\n\n> comment\n" : "# A\n";
    reply({Status::Ok(), text});
  }
  void updatePlan(PlanChange change, Reply<UpdatedPlan> reply) override {
    changes.push_back(change);
    reply({Status::Ok(), {metadata(), 1, 2, 3}});
  }
  void getFeedback(std::string, Reply<Feedback> reply) override { reply({Status::Ok(), feedback()}); }
  std::function<void()> waitForReview(std::string, int64_t timeoutMs, int64_t tickMs, std::function<void(int64_t)> tick,
                                      Reply<Feedback> reply) override {
    waitTimeoutMs = timeoutMs;
    tick(tickMs);  // as if a tick passed
    pendingWait = std::move(reply);
    return [this] { waitCancelled = true; };
  }

  static PlanMetadata metadata() {
    PlanMetadata m;
    m.id = "p1";
    m.title = "A";
    m.status = "approved";
    m.revision = 2;
    m.reviewedBy = "Ada";
    return m;
  }
  static Feedback feedback() {
    Feedback f{metadata(), {}};
    f.threads.push_back({"t1", "b1", "the quote", false, {{"Ada", "Please split this", 5000}}});
    return f;
  }

  std::vector<NewPlan> created;
  std::vector<PlanChange> changes;
  std::string listedStatus = "unset";
  std::optional<int64_t> readRevision;
  int64_t waitTimeoutMs = 0;
  Reply<Feedback> pendingWait;
  bool waitCancelled = false;
};

class ServerTest : public ::testing::Test {
 protected:
  ServerTest() : server(roundtableServerInfo(), makePlanTools(backend, limits())) {}
  static PlanToolLimits limits() {
    PlanToolLimits l;
    l.maxContentBytes = 100;
    return l;
  }

  // Sends one message; returns everything the server emitted for it.
  std::vector<Json> send(const std::string& text) {
    std::vector<Json> out;
    server.handle(parseMessage(text), [&](Json m, bool) { out.push_back(std::move(m)); });
    return out;
  }
  Json call(const std::string& tool, const Json& args, const Json& id = 7) {
    Json msg{{"jsonrpc", "2.0"}, {"id", id}, {"method", "tools/call"}, {"params", {{"name", tool}, {"arguments", args}}}};
    auto out = send(msg.dump());
    EXPECT_EQ(out.size(), 1u);
    return out.empty() ? Json() : out.back();
  }

  std::shared_ptr<FakeBackend> backend = std::make_shared<FakeBackend>();
  Server server;
};

TEST_F(ServerTest, InitializeNegotiatesTheVersion) {
  auto out = send(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["result"]["protocolVersion"], "2025-06-18");  // an older revision the client asked for
  EXPECT_EQ(out[0]["result"]["serverInfo"]["name"], "roundtable");
  EXPECT_TRUE(out[0]["result"]["capabilities"].contains("tools"));
  EXPECT_FALSE(out[0]["result"]["instructions"].get<std::string>().empty());

  out = send(R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"1999-01-01"}})");
  EXPECT_EQ(out[0]["result"]["protocolVersion"], kLatestVersion);  // unknown: the newest we speak
  EXPECT_EQ(server.protocolVersion(), kLatestVersion);
}

// A session another replica opened, taken up from a later request: it speaks
// the revision that request names, as if initialize had agreed on it.
TEST_F(ServerTest, ResumeTakesUpASessionAtTheRequestsRevision) {
  EXPECT_FALSE(server.initialized());
  server.resume("2025-06-18");
  EXPECT_TRUE(server.initialized());
  EXPECT_EQ(server.protocolVersion(), "2025-06-18");
  auto out = send(R"({"jsonrpc":"2.0","id":3,"method":"tools/list"})");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_FALSE(out[0]["result"]["tools"].empty());
}

TEST_F(ServerTest, IdsAreEchoedVerbatim) {
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":"abc-1","method":"ping"})")[0]["id"], "abc-1");
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":0,"method":"ping"})")[0]["id"], 0);
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":9007199254740993,"method":"ping"})")[0]["id"].dump(), "9007199254740993");
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":-5,"method":"ping"})")[0]["result"], Json::object());
}

TEST_F(ServerTest, StandardErrors) {
  EXPECT_EQ(send("{not json")[0]["error"]["code"], kParseError);
  EXPECT_EQ(send("[]")[0]["error"]["code"], kInvalidRequest);
  EXPECT_EQ(send(R"({"jsonrpc":"1.0","id":1,"method":"ping"})")[0]["error"]["code"], kInvalidRequest);
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":{"x":1},"method":"ping"})")[0]["error"]["code"], kInvalidRequest);
  EXPECT_TRUE(send(R"({"jsonrpc":"2.0","id":{"x":1},"method":"ping"})")[0]["id"].is_null());
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":1,"method":5})")[0]["error"]["code"], kInvalidRequest);
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":1,"method":"server/discover"})")[0]["error"]["code"], kMethodNotFound);
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope"}})")[0]["error"]["code"],
            kInvalidParams);
  EXPECT_TRUE(send(R"({"jsonrpc":"2.0","method":"notifications/whatever"})").empty());
  EXPECT_TRUE(send(R"({"jsonrpc":"2.0","id":1,"result":{}})").empty());
}

TEST_F(ServerTest, DeepInputDoesNotCrash) {
  std::string deep(100000, '[');
  EXPECT_EQ(send(deep)[0]["error"]["code"], kInvalidRequest);  // too deep is said before malformed
  auto nested = [](int depth) {
    return R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"a":)" + std::string(depth, '[') +
           std::string(depth, ']') + "}}";
  };
  EXPECT_EQ(send(nested(200000))[0]["error"]["code"], kInvalidRequest);
  EXPECT_EQ(send(nested(60))[0]["result"], Json::object());  // 62 levels with the envelope
  EXPECT_EQ(send(nested(63))[0]["error"]["code"], kInvalidRequest);
  // Brackets inside strings do not count.
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":2,"method":"ping","params":{"s":")" + std::string(1000, '[') + R"("}})")[0]["id"], 2);
}

TEST_F(ServerTest, ToolsListHasSchemasAndAnnotations) {
  auto out = send(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})");
  const Json& tools = out[0]["result"]["tools"];
  std::vector<std::string> names;
  for (const Json& t : tools) {
    names.push_back(t["name"]);
    EXPECT_EQ(t["inputSchema"]["type"], "object") << t["name"];
    EXPECT_EQ(t["outputSchema"]["type"], "object") << t["name"];
    EXPECT_TRUE(t["annotations"].contains("readOnlyHint")) << t["name"];
  }
  EXPECT_EQ(names, (std::vector<std::string>{"create_plan", "list_plans", "read_plan", "update_plan", "get_feedback",
                                             "wait_for_review"}));
  EXPECT_EQ(tools[0]["inputSchema"]["required"], Json::array({"title", "content"}));
  EXPECT_EQ(tools[1]["annotations"]["readOnlyHint"], true);
  EXPECT_EQ(tools[0]["annotations"]["readOnlyHint"], false);
}

TEST_F(ServerTest, CreatePlanValidatesArguments) {
  auto r = call("create_plan", {{"content", "x"}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("'title' is required"), std::string::npos);
  r = call("create_plan", {{"title", 5}, {"content", "x"}});
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("must be a string"), std::string::npos);
  r = call("create_plan", {{"title", "t"}, {"content", std::string(101, 'x')}});
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("limit is 100"), std::string::npos);
  r = call("create_plan", {{"title", "t"}, {"content", "x"}, {"pr", 1.5}});
  EXPECT_EQ(r["result"]["isError"], true);
  r = call("create_plan", {{"title", "t"}, {"content", "x"}, {"colour", "red"}});
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("unknown argument 'colour'"), std::string::npos);
  EXPECT_TRUE(backend->created.empty());

  r = call("create_plan", {{"title", "Plan"}, {"content", "# Hi"}, {"repo", "o/r"}, {"pr", 12}});
  EXPECT_FALSE(r["result"].contains("isError"));
  EXPECT_EQ(r["result"]["structuredContent"]["planId"], "p1");
  EXPECT_EQ(r["result"]["structuredContent"]["url"], "http://h/plan/p1#k=s");
  ASSERT_EQ(backend->created.size(), 1u);
  EXPECT_EQ(backend->created[0].pr, 12);
  EXPECT_EQ(backend->created[0].repo, "o/r");
}

TEST_F(ServerTest, ErrorsFromTheBackendAreToolErrors) {
  auto r = call("read_plan", {{"planId", "zz"}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("no plan with id 'zz'"), std::string::npos);
  r = call("read_plan", {{"planId", "../etc"}});
  EXPECT_EQ(r["result"]["isError"], true);
  r = call("list_plans", {{"status", "done"}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_EQ(backend->listedStatus, "unset");
  r = call("update_plan", {{"planId", "p1"}});
  EXPECT_NE(r["result"]["content"][0]["text"].get<std::string>().find("at least one"), std::string::npos);
}

TEST_F(ServerTest, FeedbackIsTextAndData) {
  auto r = call("get_feedback", {{"planId", "p1"}});
  const Json& s = r["result"]["structuredContent"];
  EXPECT_EQ(s["status"], "approved");
  EXPECT_EQ(s["reviewedBy"], "Ada");
  EXPECT_EQ(s["threads"][0]["quote"], "the quote");
  EXPECT_EQ(s["threads"][0]["blockId"], "b1");
  EXPECT_EQ(s["threads"][0]["comments"][0]["author"], "Ada");
  EXPECT_EQ(s["threads"][0]["comments"][0]["body"], "Please split this");
  std::string text = r["result"]["content"][0]["text"];
  EXPECT_NE(text.find("Please split this"), std::string::npos);
  EXPECT_NE(text.find("the quote"), std::string::npos);
}

TEST_F(ServerTest, WaitReportsProgressAndEndsOnCancel) {
  std::vector<Json> out;
  Json msg{{"jsonrpc", "2.0"},
           {"id", "w1"},
           {"method", "tools/call"},
           {"params", {{"name", "wait_for_review"}, {"arguments", {{"planId", "p1"}, {"timeoutSeconds", 2}}},
                       {"_meta", {{"progressToken", "tok"}}}}}};
  bool finalSeen = false;
  server.handle(parseMessage(msg.dump()), [&](Json m, bool final) {
    out.push_back(m);
    finalSeen = finalSeen || final;
  });
  EXPECT_EQ(backend->waitTimeoutMs, 2000);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["method"], "notifications/progress");
  EXPECT_EQ(out[0]["params"]["progressToken"], "tok");
  EXPECT_FALSE(finalSeen);
  send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"w1","reason":"user"}})");
  EXPECT_TRUE(backend->waitCancelled);
  EXPECT_TRUE(finalSeen);
  EXPECT_TRUE(out.back().is_null());  // no response after cancellation
  backend->pendingWait({Status::Ok(), FakeBackend::feedback()});  // a late answer goes nowhere
  EXPECT_TRUE(out.back().is_null());
}

TEST_F(ServerTest, WaitAnswersLikeGetFeedback) {
  std::vector<Json> out;
  Json msg{{"jsonrpc", "2.0"}, {"id", 3}, {"method", "tools/call"},
           {"params", {{"name", "wait_for_review"}, {"arguments", {{"planId", "p1"}}}}}};
  server.handle(parseMessage(msg.dump()), [&](Json m, bool) { out.push_back(m); });
  EXPECT_EQ(backend->waitTimeoutMs, 600000);  // the default, 10 minutes
  EXPECT_TRUE(out.empty());                   // no progress without a token
  backend->pendingWait({Status::Ok(), FakeBackend::feedback()});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["id"], 3);
  EXPECT_EQ(out[0]["result"]["structuredContent"]["status"], "approved");
}

// Revision 2026-07-28: requests that carry everything in _meta, no initialize.
Json statelessMeta(const std::string& version = "2026-07-28") {
  return {{kMetaProtocolVersion, version},
          {kMetaClientInfo, {{"name", "t"}, {"version", "1"}}},
          {kMetaClientCapabilities, Json::object()}};
}

Json statelessRequest(const std::string& method, Json params = Json::object(), const Json& id = 1) {
  if (!params.contains("_meta")) params["_meta"] = statelessMeta();
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

TEST_F(ServerTest, StatelessDiscoverWithoutInitialize) {
  auto out = send(statelessRequest("server/discover", Json::object(), "d-1").dump());
  ASSERT_EQ(out.size(), 1u);
  const Json& r = out[0]["result"];
  EXPECT_EQ(out[0]["id"], "d-1");
  EXPECT_EQ(r["resultType"], "complete");
  EXPECT_EQ(r["supportedVersions"][0], "2026-07-28");
  EXPECT_EQ(r["supportedVersions"], Json(kSupportedVersions));  // the session revisions too, via initialize
  EXPECT_TRUE(r["capabilities"].contains("tools"));
  EXPECT_FALSE(r["capabilities"].contains("logging"));  // this server sends no log messages
  EXPECT_EQ(r["_meta"][kMetaServerInfo]["name"], "roundtable");
  EXPECT_TRUE(r["_meta"][kMetaServerInfo]["version"].is_string());
  EXPECT_FALSE(r["instructions"].get<std::string>().empty());
  EXPECT_EQ(r["ttlMs"], kListTtlMs);
  EXPECT_EQ(r["cacheScope"], "public");
  EXPECT_FALSE(server.initialized());
  EXPECT_EQ(server.protocolVersion(), "");  // no per-connection state was made
}

TEST_F(ServerTest, StatelessToolsListAndCall) {
  auto list = send(statelessRequest("tools/list").dump());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["result"]["resultType"], "complete");
  EXPECT_EQ(list[0]["result"]["ttlMs"], kListTtlMs);
  EXPECT_EQ(list[0]["result"]["cacheScope"], "public");
  EXPECT_EQ(list[0]["result"]["tools"].size(), 6u);
  // The same list, in the same order, as a session gets (2026-07-28 asks for a deterministic order).
  auto legacy = send(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})");
  EXPECT_EQ(list[0]["result"]["tools"], legacy[0]["result"]["tools"]);
  EXPECT_FALSE(legacy[0]["result"].contains("resultType"));  // session revisions: unchanged

  auto call = send(statelessRequest("tools/call", {{"name", "list_plans"}, {"arguments", Json::object()}}, 9).dump());
  ASSERT_EQ(call.size(), 1u);
  EXPECT_EQ(call[0]["id"], 9);
  EXPECT_EQ(call[0]["result"]["resultType"], "complete");
  EXPECT_EQ(call[0]["result"]["_meta"][kMetaServerInfo]["name"], "roundtable");
  EXPECT_EQ(call[0]["result"]["structuredContent"]["plans"][0]["id"], "p1");
  // A tool error is still a result; an unknown tool is still -32602.
  auto unknown = send(statelessRequest("tools/call", {{"name", "nope"}}).dump());
  EXPECT_EQ(unknown[0]["error"]["code"], kInvalidParams);
}

TEST_F(ServerTest, StatelessProgressAndCancellation) {
  std::vector<Json> out;
  Json meta = statelessMeta();
  meta["progressToken"] = "tok";
  Json msg = statelessRequest("tools/call", {{"name", "wait_for_review"}, {"arguments", {{"planId", "p1"}}}, {"_meta", meta}}, "w");
  bool finalSeen = false;
  server.handle(parseMessage(msg.dump()), [&](Json m, bool final) {
    out.push_back(m);
    finalSeen = finalSeen || final;
  });
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["method"], "notifications/progress");
  server.cancelAll();  // what closing the request's stream does on HTTP
  EXPECT_TRUE(backend->waitCancelled);
  EXPECT_TRUE(finalSeen);
  EXPECT_TRUE(out.back().is_null());
}

TEST_F(ServerTest, StatelessRemovedMethodsAreNotFound) {
  for (const char* method : {"initialize", "ping", "logging/setLevel", "resources/subscribe", "unknown/method"}) {
    auto out = send(statelessRequest(method, Json::object(), 500).dump());
    ASSERT_EQ(out.size(), 1u) << method;
    EXPECT_EQ(out[0]["error"]["code"], kMethodNotFound) << method;
    EXPECT_EQ(out[0]["id"], 500) << method;
  }
  EXPECT_FALSE(server.initialized());
}

TEST_F(ServerTest, StatelessMalformedMetaIsInvalidParams) {
  auto code = [&](Json meta) {
    Json msg = statelessRequest("server/discover", {{"_meta", std::move(meta)}}, 3);
    auto out = send(msg.dump());
    EXPECT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0]["id"], 3);
    return out[0].contains("error") ? out[0]["error"]["code"].get<int>() : 0;
  };
  Json m = statelessMeta();
  m[kMetaProtocolVersion] = 20260728;
  EXPECT_EQ(code(m), kInvalidParams);
  m = statelessMeta();
  m[kMetaProtocolVersion] = "";
  EXPECT_EQ(code(m), kInvalidParams);
  m = statelessMeta();
  m.erase(kMetaClientCapabilities);
  EXPECT_EQ(code(m), kInvalidParams);
  m = statelessMeta();
  m[kMetaClientCapabilities] = "all";
  EXPECT_EQ(code(m), kInvalidParams);
  m = statelessMeta();
  m[kMetaClientInfo] = "me";
  EXPECT_EQ(code(m), kInvalidParams);
  m = statelessMeta();
  m[kMetaLogLevel] = "loud";
  EXPECT_EQ(code(m), kInvalidParams);
  m = statelessMeta();
  m.erase(kMetaClientInfo);  // a SHOULD: served without it
  EXPECT_EQ(code(m), 0);
  m[kMetaLogLevel] = "debug";
  EXPECT_EQ(code(m), 0);
  // Garbage params beside a good _meta are ignored by server/discover.
  auto out = send(statelessRequest("server/discover", {{"x", {1, 2, 3}}, {"_meta", statelessMeta()}}).dump());
  EXPECT_EQ(out[0]["result"]["resultType"], "complete");
  // _meta that is not an object: not a stateless request, answered as before 2026-07-28.
  out = send(R"({"jsonrpc":"2.0","id":4,"method":"server/discover","params":{"_meta":[1]}})");
  EXPECT_EQ(out[0]["error"]["code"], kMethodNotFound);
}

TEST_F(ServerTest, StatelessUnknownVersionListsTheSupportedOnes) {
  for (const char* version : {"1999-01-01", "v999.0.0", "2025-11-25"}) {
    auto out = send(statelessRequest("tools/list", {{"_meta", statelessMeta(version)}}, 301).dump());
    ASSERT_EQ(out.size(), 1u);
    const Json& e = out[0]["error"];
    EXPECT_EQ(out[0]["id"], 301);
    EXPECT_EQ(e["code"], kUnsupportedProtocolVersion) << version;
    EXPECT_EQ(e["data"]["requested"], version);
    EXPECT_EQ(e["data"]["supported"], Json::array({"2026-07-28"}));  // what a request with _meta may name
  }
}

TEST_F(ServerTest, SessionsAndStatelessRequestsMix) {
  // A legacy session goes on as before while stateless requests come in.
  send(R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{}}})");
  EXPECT_EQ(send(statelessRequest("server/discover").dump())[0]["result"]["resultType"], "complete");
  EXPECT_EQ(server.protocolVersion(), "2025-06-18");
  EXPECT_EQ(send(R"({"jsonrpc":"2.0","id":2,"method":"ping"})")[0]["result"], Json::object());
  // initialize asking for 2026-07-28 (which has none) gets the newest session revision.
  auto init = send(R"({"jsonrpc":"2.0","id":3,"method":"initialize","params":{"protocolVersion":"2026-07-28"}})");
  EXPECT_EQ(init[0]["result"]["protocolVersion"], kLatestVersion);
}

TEST(StatelessHeaders, CheckedAgainstTheBody) {
  auto check = [](const Json& msg, MirroredHeaders h) {
    auto error = checkStatelessRequest(classify(msg), &h);
    return error ? (*error)["error"]["code"].get<int>() : 0;
  };
  Json call = statelessRequest("tools/call", {{"name", "read_plan"}, {"arguments", {{"planId", "p"}}}});
  MirroredHeaders good{"2026-07-28", "tools/call", "read_plan"};
  EXPECT_EQ(check(call, good), 0);
  EXPECT_EQ(check(call, {std::nullopt, "tools/call", "read_plan"}), kHeaderMismatch);
  EXPECT_EQ(check(call, {"2026-07-29", "tools/call", "read_plan"}), kHeaderMismatch);
  EXPECT_EQ(check(call, {"2026-07-28", std::nullopt, "read_plan"}), kHeaderMismatch);
  EXPECT_EQ(check(call, {"2026-07-28", "tools/list", "read_plan"}), kHeaderMismatch);
  EXPECT_EQ(check(call, {"2026-07-28", "tools/call", std::nullopt}), kHeaderMismatch);
  EXPECT_EQ(check(call, {"2026-07-28", "tools/call", "list_plans"}), kHeaderMismatch);
  EXPECT_EQ(check(call, {"2026-07-28", "tools/call", "=?base64?cmVhZF9wbGFu?="}), 0);  // "read_plan"
  EXPECT_EQ(check(call, {"2026-07-28", "tools/call", "=?base64?!!!?="}), kHeaderMismatch);
  // Missing _meta fields come first (-32602), then the header against _meta
  // (-32020), then the version (-32022): the order the conformance suite probes.
  Json bare{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "server/discover"}, {"params", Json::object()}};
  EXPECT_EQ(check(bare, {"2026-07-28", "server/discover", std::nullopt}), kInvalidParams);
  Json future = statelessRequest("server/discover", {{"_meta", statelessMeta("v999.0.0")}});
  EXPECT_EQ(check(future, {"2026-07-28", "server/discover", std::nullopt}), kHeaderMismatch);
  EXPECT_EQ(check(future, {"v999.0.0", "server/discover", std::nullopt}), kUnsupportedProtocolVersion);
  // No Mcp-Name for methods without a name.
  EXPECT_EQ(check(statelessRequest("tools/list"), {"2026-07-28", "tools/list", std::nullopt}), 0);
}

TEST(StatelessHeaders, ValueEncoding) {
  // The examples of streamable-http.mdx, Value Encoding.
  EXPECT_EQ(encodeHeaderValue("us-west1"), "us-west1");
  EXPECT_EQ(encodeHeaderValue("Hello, 世界"), "=?base64?SGVsbG8sIOS4lueVjA==?=");
  EXPECT_EQ(encodeHeaderValue(" padded "), "=?base64?IHBhZGRlZCA=?=");
  EXPECT_EQ(encodeHeaderValue("line1\nline2"), "=?base64?bGluZTEKbGluZTI=?=");
  EXPECT_EQ(encodeHeaderValue("=?base64?literal?="), "=?base64?PT9iYXNlNjQ/bGl0ZXJhbD89?=");
  for (std::string v : {"us-west1", "Hello, 世界", " padded ", "line1\nline2", "=?base64?literal?=", "a", "ab", "abc"})
    EXPECT_EQ(decodeHeaderValue(encodeHeaderValue(v)), v);
  EXPECT_EQ(decodeHeaderValue("=?base64?YQ=?="), std::nullopt);   // bad length
  EXPECT_EQ(decodeHeaderValue("=?base64?Y=Fh?="), std::nullopt);  // padding inside
  EXPECT_EQ(decodeHeaderValue("a\x01z"), std::nullopt);           // control character
  Incoming call = classify(statelessRequest("tools/call", {{"name", "wait_for_review"}}));
  MirroredHeaders h = mirroredHeaders(call);
  EXPECT_EQ(h.protocolVersion, "2026-07-28");
  EXPECT_EQ(h.method, "tools/call");
  EXPECT_EQ(h.name, "wait_for_review");
  EXPECT_EQ(checkStatelessRequest(call, &h), std::nullopt);  // what the bridge sends passes the hub's check
}

}  // namespace
}  // namespace roundtable::mcp

namespace roundtable::mcp {
namespace {

// Results as large as the hub makes them: 12-character plan ids, UUID block
// and thread ids, millisecond times, room secrets in the URLs, every optional
// field set.
class RealisticBackend : public FakeBackend {
 public:
  static constexpr const char* kId = "k7x2m9qp4rzw";
  void createPlan(NewPlan, Reply<CreatedPlan> reply) override {
    std::string fragment = "#k=Zk3xR9mQ2wT7yB4nV8cL1pJ6";
    reply({Status::Ok(),
           {kId, std::string("http://127.0.0.1:4141/plan/") + kId + fragment,
            std::string("https://review.example.com/plan/") + kId + fragment,
            "https://review.example.com/plan?d=" + std::string(4600, 'x'), 17}});
  }
  void listPlans(std::string, Reply<std::vector<PlanSummary>> reply) override {
    std::vector<PlanSummary> plans;
    for (int i = 0; i < 20; ++i) plans.push_back({kId, titles[i % 2], "changes_requested", 1796623831484, 1796623839999, repo});
    reply({Status::Ok(), plans});
  }
  void readPlan(std::string, std::optional<int64_t>, bool, Reply<PlanText> reply) override {
    PlanText text{full(), markdown, 12, {}};
    for (int64_t r = 1; r <= 12; ++r) text.revisions.push_back({r, 1796623831484, 120, 95, r > 1});
    reply({Status::Ok(), std::move(text)});
  }
  void updatePlan(PlanChange, Reply<UpdatedPlan> reply) override { reply({Status::Ok(), {full(), 1200, 300, 250}}); }
  void getFeedback(std::string, Reply<Feedback> reply) override { reply({Status::Ok(), threads()}); }

  static PlanMetadata full() {
    PlanMetadata m;
    m.id = kId;
    m.title = titles[0];
    m.status = "changes_requested";
    m.repo = repo;
    m.pr = 123456;
    m.createdAt = 1796623831484;
    m.updatedAt = 1796623839999;
    m.reviewedAt = 1796623839999;
    m.reviewedBy = "Ada Lovelace";
    m.revision = 12;
    m.revisedAt = 1796623835000;
    m.reviewedRevision = 12;
    m.decisionNote = "Fine, but keep the old endpoint for one release.";
    return m;
  }
  static Feedback threads() {
    Feedback f{full(), {}};
    for (int t = 0; t < 5; ++t) {
      FeedbackThread thread{"0f8fad5b-d9cb-469f-a165-70867728950e", "7c9e6679-7425-40de-944b-e07fc1f90ae7",
                            "a quoted phrase", t % 2 == 0, {}, t == 4, 11};
      for (int c = 0; c < 3; ++c) thread.comments.push_back({"Ada Lovelace", "Why not a sliding window?", 1796623839999});
      f.threads.push_back(thread);
    }
    return f;
  }
  // What people wrote, which the budgets leave out.
  static size_t peoplesBytes(const Json& j) {
    static const std::set<std::string> keys = {"title", "repo",       "markdown",  "quote",
                                               "author", "body", "reviewedBy", "decisionNote"};
    size_t n = 0;
    if (j.is_object()) {
      for (auto& [k, v] : j.items()) n += keys.count(k) && v.is_string() ? v.get<std::string>().size() : peoplesBytes(v);
    } else if (j.is_array()) {
      for (const Json& v : j) n += peoplesBytes(v);
    }
    return n;
  }
  static inline const std::string titles[2] = {"Rate limiting for the public API", "Move sessions to Redis"};
  static inline const std::string repo = "acme-corporation/public-api";
  static inline const std::string markdown = "# Plan\n\n" + std::string(3000, 'm');
};

class BudgetTest : public ::testing::Test {
 protected:
  BudgetTest() : server(roundtableServerInfo(), makePlanTools(backend)) {}
  Json call(const std::string& tool, const Json& args) {
    Json msg{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/call"}, {"params", {{"name", tool}, {"arguments", args}}}};
    Json result;
    server.handle(parseMessage(msg.dump()), [&](Json m, bool final) {
      if (final) result = m["result"];
    });
    return result;
  }
  // The bytes of structuredContent beside what people wrote, checked against the budget.
  size_t overhead(const Json& result) {
    const Json& s = result["structuredContent"];
    return s.dump().size() - RealisticBackend::peoplesBytes(s);
  }
  std::string description(const std::string& tool) {
    Json out;
    server.handle(parseMessage(R"({"jsonrpc":"2.0","id":1,"method":"tools/list"})"), [&](Json m, bool) { out = m; });
    for (const Json& t : out["result"]["tools"])
      if (t["name"] == tool) return t["description"];
    return "";
  }
  std::shared_ptr<RealisticBackend> backend = std::make_shared<RealisticBackend>();
  Server server;
};

TEST_F(BudgetTest, EveryToolStaysWithinTheBudgetItsDescriptionStates) {
  Json created = call("create_plan", {{"title", "T"}, {"content", "# T"}});
  EXPECT_LE(created["structuredContent"].dump().size(), kCreatePlanBudget.fixed) << created["structuredContent"].dump();
  EXPECT_FALSE(created["structuredContent"].contains("snapshotUrl"));  // 4.6 KB of the model's context, only when asked
  EXPECT_TRUE(created["structuredContent"].contains("shareUrl"));
  Json withSnapshot = call("create_plan", {{"title", "T"}, {"content", "# T"}, {"snapshot", true}});
  EXPECT_TRUE(withSnapshot["structuredContent"]["snapshotUrl"].get<std::string>().starts_with("https://review.example.com/plan?d="));
  EXPECT_NE(description("create_plan").find("at most 400 bytes"), std::string::npos);

  Json listed = call("list_plans", Json::object());
  EXPECT_LE(overhead(listed), kListPlansBudget.fixed + 20 * kListPlansBudget.perItem) << overhead(listed);
  EXPECT_NE(description("list_plans").find("at most 100 bytes plus 150 a plan"), std::string::npos);

  Json read = call("read_plan", {{"planId", RealisticBackend::kId}});
  // Twelve revisions kept (the fake's history).
  EXPECT_LE(overhead(read), kReadPlanBudget.fixed + 12 * kReadPlanBudget.perItem) << overhead(read);
  EXPECT_NE(description("read_plan").find("at most 400 bytes plus 80 a kept revision"), std::string::npos);

  Json updated = call("update_plan", {{"planId", RealisticBackend::kId}, {"content", "# x"}});
  EXPECT_LE(overhead(updated), kUpdatePlanBudget.fixed) << overhead(updated);
  EXPECT_NE(description("update_plan").find("at most 350 bytes"), std::string::npos);

  Json feedback = call("get_feedback", {{"planId", RealisticBackend::kId}});
  size_t threads = 5, comments = 15;
  EXPECT_LE(overhead(feedback),
            kFeedbackBudget.fixed + threads * kFeedbackBudget.perItem + comments * kFeedbackBudget.perComment)
      << overhead(feedback);
  std::cout << "structuredContent beside people's text: create_plan " << created["structuredContent"].dump().size()
            << " B (with snapshot " << withSnapshot["structuredContent"].dump().size() << "), list_plans of 20 "
            << overhead(listed) << ", read_plan " << overhead(read) << ", update_plan " << overhead(updated)
            << ", get_feedback of 5 threads and 15 comments " << overhead(feedback) << "\n";
  for (const char* tool : {"get_feedback", "wait_for_review"})
    EXPECT_NE(description(tool).find("at most 220 bytes plus 150 a thread and 90 a comment"), std::string::npos) << tool;
}

}  // namespace
}  // namespace roundtable::mcp
