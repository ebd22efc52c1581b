// PlanService: the MCP tools' operations (mcp::PlanBackend) on the hub's own
// documents. Every read and edit runs on the plan's room strand, so an agent's
// edit reaches the store and the browsers exactly like a client's update;
// what an edit does to the metadata is plan/plan_change.h's to decide.
//
// It also keeps the `plan-index` document current: whenever a plan document is
// loaded or changes (whoever changed it: a browser approving, an agent
// updating), its title, status and times are written to the index.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "mcp/plan_backend.h"
#include "hub/room.h"

namespace roundtable::hub {

class RoomSecrets;

class PlanService : public mcp::PlanBackend, public std::enable_shared_from_this<PlanService> {
 public:
  // `liveUrl`: where the author opens live plans, e.g. http://127.0.0.1:4141;
  // `snapshotBaseUrl`: where snapshot links open (the public review site if any);
  // `converter`: where markdown is converted into new plans (a thread of its own).
  // `shareToken`: the access token a new plan's links carry for it (put in
  // their fragment as access_token); null when the hub has no access control.
  // `secrets`: where each plan's room secret is kept (create_plan's links carry
  // it as #k=); null: a new secret per link, kept nowhere.
  using ShareToken = std::function<std::string(const std::string& planId)>;
  PlanService(std::shared_ptr<RoomRegistry> rooms, boost::asio::any_io_executor executor, std::string liveUrl,
              std::string snapshotBaseUrl, boost::asio::any_io_executor converter, ShareToken shareToken = nullptr,
              std::shared_ptr<RoomSecrets> secrets = nullptr);

  // Calls `done` (on the plan's strand) with whether `planId` is a plan
  // document the hub has: loading it if need be.
  void planExists(const std::string& planId, std::function<void(bool)> done);

  // Registers the index keeper with the registry; call before serving.
  void start();

  void createPlan(mcp::NewPlan plan, mcp::Reply<mcp::CreatedPlan> reply) override;
  void listPlans(std::string status, mcp::Reply<std::vector<plan::PlanSummary>> reply) override;
  void readPlan(std::string planId, std::optional<int64_t> revision, bool includeAnnotations,
                mcp::Reply<mcp::PlanText> reply) override;
  void updatePlan(mcp::PlanChange change, mcp::Reply<mcp::UpdatedPlan> reply) override;
  void getFeedback(std::string planId, mcp::Reply<mcp::Feedback> reply) override;
  std::function<void()> waitForReview(std::string planId, int64_t timeoutMs, int64_t tickMs,
                                      std::function<void(int64_t)> tick, mcp::Reply<mcp::Feedback> reply) override;

 private:
  // Runs `read` on the plan's strand if the document is a plan; NotFound otherwise.
  template <typename T>
  void withPlan(const std::string& planId, std::function<T(RoomCore&, const plan::PlanMetadata&)> read,
                mcp::Reply<T> reply);
  // Writes the summary to the index (if it differs from what was last
  // written); `done` once it is durable.
  void index(const plan::PlanSummary& summary, std::function<void(Status)> done);
  void onDocumentChanged(const std::string& name, RoomCore& core);
  // Runs `job` on the converter thread with this service (null if it is
  // gone by then); false, with nothing queued, when kMaxQueuedConversions
  // are queued or running already.
  bool convert(std::function<void(std::shared_ptr<PlanService>)> job);
  static Status convertersBusy();
  // update_plan once its markdown (if any) is parsed.
  void applyPlanChange(mcp::PlanChange change, std::optional<std::vector<plan::Block>> blocks,
                       mcp::Reply<mcp::UpdatedPlan> reply);
  std::string newPlanId() const;

  std::shared_ptr<RoomRegistry> rooms_;
  boost::asio::any_io_executor executor_;
  const std::string liveUrl_;
  const std::string snapshotBaseUrl_;
  const ShareToken shareToken_;
  const std::shared_ptr<RoomSecrets> secrets_;
  std::mutex mutex_;
  std::unordered_map<std::string, plan::PlanSummary> indexed_;  // what the index was last given, by plan id
  std::atomic<uint64_t> nextWatcherId_{1};
  // Where create_plan's and update_plan's markdown is converted (up to ~1 s
  // for the largest plans the parser's limits allow): not the io threads,
  // which it would hold, nor a plan's strand.
  boost::asio::any_io_executor converter_;
  static constexpr size_t kMaxQueuedConversions = 16;
  std::atomic<size_t> conversionsQueued_{0};  // conversions posted and not yet run
};

}  // namespace roundtable::hub
