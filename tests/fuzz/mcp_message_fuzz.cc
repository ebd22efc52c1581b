// libFuzzer target: what an agent sends, through the MCP server with
// Roundtable's tools, on plan documents held in memory (the hub's PlanService
// does the same on its rooms). The input is newline-separated JSON-RPC
// messages handled in order by one session. Besides the sanitizers, it aborts
// when a promise of server.h breaks:
//  * every request gets exactly one final message: a result or an error,
//    with the request's id echoed verbatim (null only for invalid requests);
//  * notifications and responses get no answer;
//  * every message the server emits serializes as JSON;
//  * revision 2026-07-28 (stateless.h): a stateless request's result has
//    resultType "complete"; the headers a client mirrors from a body pass the
//    HTTP check exactly when the body passes; header values round-trip
//    through their encoding.
//
//   ./build-fuzz/roundtable_mcp_message_fuzz -max_total_time=60 CORPUS_DIR tests/fuzz/corpus/mcp_message
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "mcp/plan_tools.h"
#include "mcp/server.h"
#include "mcp/stateless.h"
#include "plan/metadata.h"
#include "plan/plan_change.h"
#include "plan/plan_doc.h"

namespace mcp = roundtable::mcp;
namespace plan = roundtable::plan;
namespace crdt = roundtable::crdt;
using roundtable::Status;

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "broken promise: %s\n", what);
  std::abort();
}

// Plans as documents in memory, answered synchronously.
class MemoryBackend : public mcp::PlanBackend {
 public:
  void createPlan(mcp::NewPlan p, mcp::Reply<mcp::CreatedPlan> reply) override {
    plan::PlanMetadata m;
    m.id = "p" + std::to_string(docs_.size() + 1);
    m.title = p.title;
    m.status = "pending_review";
    m.repo = p.repo;
    m.pr = p.pr;
    m.revision = 1;
    auto doc = std::make_unique<crdt::Doc>();
    size_t blocks = 0;
    Status s = plan::createPlanContent(*doc, m, p.content, &blocks);
    if (!s.ok()) return reply({s});
    std::string snapshot = plan::snapshotParameter(*doc);
    docs_[m.id] = std::move(doc);
    reply({Status::Ok(), {m.id, "http://h/plan/" + m.id + "#k=s", "http://h/plan/" + m.id + "#k=s", "http://h/plan?d=" + snapshot, blocks}});
  }
  void listPlans(std::string status, mcp::Reply<std::vector<plan::PlanSummary>> reply) override {
    std::vector<plan::PlanSummary> out;
    for (auto& [id, doc] : docs_)
      if (auto m = plan::readMetadata(*doc); m && (status.empty() || m->status == status)) out.push_back(plan::summaryOf(*m));
    reply({Status::Ok(), out});
  }
  void readPlan(std::string id, std::optional<int64_t> revision, bool annotations,
                mcp::Reply<mcp::PlanText> reply) override {
    crdt::Doc* doc = find(id);
    if (!doc) return reply({Status::NotFound("no plan " + id)});
    plan::PlanMetadata m = *plan::readMetadata(*doc);
    mcp::PlanText text{m, "", revision.value_or(m.revision), plan::summarizeRevisions(*doc, m)};
    Status s = plan::planMarkdownAt(*doc, m, text.revision, annotations, &text.markdown);
    reply({s, std::move(text)});
  }
  void updatePlan(mcp::PlanChange c, mcp::Reply<mcp::UpdatedPlan> reply) override {
    crdt::Doc* doc = find(c.planId);
    if (!doc) return reply({Status::NotFound("no plan " + c.planId)});
    plan::ContentChange change;
    if (c.content) {
      if (Status s = plan::replacePlanContent(*doc, *c.content, &change); !s.ok()) return reply({s});
    }
    plan::PlanMetadata m = plan::applyChange(*plan::readMetadata(*doc), {c.title, c.status, c.content.has_value()}, 0);
    plan::writeMetadata(*doc, m);
    reply({Status::Ok(), {m, change.kept, change.added, change.removed}});
  }
  void getFeedback(std::string id, mcp::Reply<mcp::Feedback> reply) override {
    crdt::Doc* doc = find(id);
    if (!doc) return reply({Status::NotFound("no plan " + id)});
    reply({Status::Ok(), {*plan::readMetadata(*doc), plan::planFeedback(*doc)}});
  }
  std::function<void()> waitForReview(std::string id, int64_t, int64_t, std::function<void(int64_t)> tick,
                                      mcp::Reply<mcp::Feedback> reply) override {
    tick(1);
    getFeedback(std::move(id), std::move(reply));
    return [] {};
  }

 private:
  crdt::Doc* find(const std::string& id) {
    auto it = docs_.find(id);
    return it == docs_.end() ? nullptr : it->second.get();
  }
  std::map<std::string, std::unique_ptr<crdt::Doc>> docs_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto backend = std::make_shared<MemoryBackend>();
  mcp::Server server(mcp::roundtableServerInfo(), mcp::makePlanTools(backend));
  std::string_view input(reinterpret_cast<const char*>(data), size);
  while (!input.empty()) {
    size_t nl = input.find('\n');
    std::string_view line = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
    mcp::Incoming in = mcp::parseMessage(line);
    int finals = 0;
    mcp::Json lastFinal;
    server.handle(in, [&](mcp::Json message, bool final) {
      (void)message.dump(-1, ' ', false, mcp::Json::error_handler_t::replace);
      if (final) {
        finals++;
        lastFinal = std::move(message);
      }
    });
    using Kind = mcp::Incoming::Kind;
    if (in.kind == Kind::kRequest || in.kind == Kind::kInvalid) {
      check(finals == 1, "one final message per request");
      check(lastFinal.is_object() && (lastFinal.contains("result") != lastFinal.contains("error")),
            "a result or an error");
      check(lastFinal["id"] == in.id, "the id is echoed verbatim");
    } else {
      check(finals == 0, "no answer to notifications and responses");
    }
    if (mcp::isStatelessRequest(in)) {
      // A 2026-07-28 request: a stateless result says so, and the headers a
      // client derives from the body (stateless.h) pass the HTTP check
      // exactly when the body passes without headers.
      if (lastFinal.contains("result"))
        check(lastFinal["result"]["resultType"] == "complete", "a stateless result has resultType complete");
      mcp::MirroredHeaders headers = mcp::mirroredHeaders(in);
      check(mcp::checkStatelessRequest(in, &headers).has_value() == mcp::checkStatelessRequest(in).has_value(),
            "mirrored headers match their body");
    }
    // Header values round-trip through the sentinel encoding.
    check(mcp::decodeHeaderValue(mcp::encodeHeaderValue(line)) == std::string(line), "header values round-trip");
    (void)mcp::decodeHeaderValue(line);
  }
  return 0;
}
