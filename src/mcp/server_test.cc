#include "mcp/server.h"

#include <gtest/gtest.h>

#include "mcp/plan_tools.h"

namespace roundtable::mcp {
namespace {

// A backend that answers from memory, recording what the tools asked for.
class FakeBackend : public PlanBackend {
 public:
  void createPlan(NewPlan plan, Reply<CreatedPlan> reply) override {
    created.push_back(plan);
    reply({Status::Ok(), {"p1", "http://h/plan/p1", "http://h/plan?d=x", 3}});
  }
  void listPlans(std::string status, Reply<std::vector<PlanSummary>> reply) override {
    listedStatus = status;
    reply({Status::Ok(), {{"p1", "One", "approved", 1000, 2000}}});
  }
  void readPlan(std::string planId, bool annotations, Reply<PlanText> reply) override {
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
  EXPECT_EQ(r["result"]["structuredContent"]["url"], "http://h/plan/p1");
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

}  // namespace
}  // namespace roundtable::mcp
