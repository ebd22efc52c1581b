#include "hub/plan_service.h"

#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <random>

#include "plan/plan_change.h"
#include "plan/plan_doc.h"
#include "plan/plan_index.h"
#include "plan/revisions.h"
#include "plan/markdown_parser.h"
#include "hub/room_secrets.h"

namespace roundtable::hub {

namespace asio = boost::asio;

namespace {

double nowMs() {
  using namespace std::chrono;
  return static_cast<double>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}

Status unknownPlan(const std::string& planId) {
  return Status::NotFound(std::string(mcp::kUnknownPlan) + " '" + planId + "'; list_plans shows the ids of every plan");
}

mcp::Feedback feedbackOf(RoomCore& core, const plan::PlanMetadata& metadata) {
  return mcp::Feedback{metadata, plan::planFeedback(core.doc())};
}

}  // namespace

PlanService::PlanService(std::shared_ptr<RoomRegistry> rooms, asio::any_io_executor executor, std::string liveUrl,
                         std::string snapshotBaseUrl, asio::any_io_executor converter, ShareToken shareToken,
                         std::shared_ptr<RoomSecrets> secrets)
    : rooms_(std::move(rooms)),
      executor_(std::move(executor)),
      liveUrl_(std::move(liveUrl)),
      snapshotBaseUrl_(std::move(snapshotBaseUrl)),
      shareToken_(std::move(shareToken)),
      secrets_(std::move(secrets)),
      converter_(std::move(converter)) {}

void PlanService::start() {
  std::weak_ptr<PlanService> weak = shared_from_this();
  rooms_->setChangeHook([weak](const std::string& name, RoomCore& core) {
    if (auto self = weak.lock()) self->onDocumentChanged(name, core);
  });
}

std::string PlanService::newPlanId() const {
  // 12 characters of a 32-letter alphabet without look-alikes: 60 bits, so a
  // collision is never expected (and createPlan checks anyway).
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id;
  for (int i = 0; i < 12; ++i) id += kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return id;
}

template <typename T>
void PlanService::withPlan(const std::string& planId, std::function<T(RoomCore&, const plan::PlanMetadata&)> read,
                           mcp::Reply<T> reply) {
  if (planId == plan::kIndexDocName) return reply({unknownPlan(planId)});
  rooms_->acquire(planId)->withCore([planId, read = std::move(read), reply = std::move(reply)](RoomCore* core) {
    if (!core) {
      reply({Status::FailedPrecondition("plan '" + planId + "' could not be loaded; try again")});
    } else if (auto metadata = plan::readMetadata(core->doc()); !metadata) {
      reply({unknownPlan(planId)});
    } else {
      reply({Status::Ok(), read(*core, *metadata)});
    }
    return RoomEffects{};
  });
}

void PlanService::createPlan(mcp::NewPlan request, mcp::Reply<mcp::CreatedPlan> reply) {
  plan::PlanMetadata metadata =
      plan::newPlanMetadata(newPlanId(), std::move(request.title), std::move(request.repo), request.pr, nowMs());
  // The plan is written into a document of its own on the converter thread;
  // the room then only applies the result, so a large plan holds no io
  // thread while it is converted.
  bool queued = convert([metadata, snapshot = request.snapshot, content = std::move(request.content),
                         reply](std::shared_ptr<PlanService> self) mutable {
    if (!self) return reply({Status::FailedPrecondition("the hub is shutting down; try again")});
    crdt::Doc draft;
    size_t blocks = 0;
    if (Status s = plan::createPlanContent(draft, metadata, content, &blocks); !s.ok()) return reply({s});
    auto result = std::make_shared<mcp::Outcome<mcp::CreatedPlan>>();
    // The WebRTC room secret (web/src/collab/share.ts reads it from the
    // fragment): the author's page, the reviewers' share link and the hub's
    // own peer name the same room, the one the hub keeps for the plan.
    // With access control, the reviewer's token travels in the fragment too:
    // browsers send neither the fragment to the server nor it in Referer.
    std::string secret;
    Status made = self->secrets_ ? self->secrets_->ensure(metadata.id, &secret) : RoomSecrets::newSecret(&secret);
    if (!made.ok()) return reply({made});
    std::string fragment = "#k=" + secret;
    if (self->shareToken_) fragment += "&access_token=" + self->shareToken_(metadata.id);
    result->value = {metadata.id, self->liveUrl_ + "/plan/" + metadata.id + fragment,
                     self->snapshotBaseUrl_ + "/plan/" + metadata.id + fragment,
                     snapshot ? self->snapshotBaseUrl_ + "/plan?d=" + plan::snapshotParameter(draft) : "", blocks};
    self->rooms_->acquire(metadata.id)->withCore(
        [update = draft.encodeStateAsUpdate(), result](RoomCore* core) {
          if (!core) {
            result->status = Status::FailedPrecondition("the plan store is unavailable; try again");
            return RoomEffects{};
          }
          if (plan::readMetadata(core->doc())) {
            result->status = Status::Internal("plan id collision; try again");
            return RoomEffects{};
          }
          if (result->status = core->admit(update.size()); !result->status.ok()) return RoomEffects{};
          return core->edit([&](crdt::Doc& doc) { result->status = doc.applyUpdate(update); });
        },
        [self, result, metadata, reply = std::move(reply)](Status stored) mutable {
          if (!stored.ok()) result->status = stored;
          if (!result->status.ok()) return reply(std::move(*result));
          // Listed before the agent hears back, so list_plans by anyone sees it.
          self->index(plan::summaryOf(metadata), [result, reply = std::move(reply)](Status indexed) mutable {
            if (!indexed.ok()) spdlog::warn("plan index: {}", indexed.message());
            reply(std::move(*result));
          });
        });
  });
  if (!queued) reply({convertersBusy()});
}

// The queue is bounded: each waiting conversion holds up to 1 MiB of
// markdown and costs up to a second, and callers may give up meanwhile.
bool PlanService::convert(std::function<void(std::shared_ptr<PlanService>)> job) {
  if (conversionsQueued_.fetch_add(1) >= kMaxQueuedConversions) {
    conversionsQueued_.fetch_sub(1);
    return false;
  }
  std::weak_ptr<PlanService> weak = shared_from_this();
  asio::post(converter_, [weak, job = std::move(job)] {
    auto self = weak.lock();
    struct Dequeued {
      std::atomic<size_t>* n;
      ~Dequeued() {
        if (n) n->fetch_sub(1);
      }
    } dequeued{self ? &self->conversionsQueued_ : nullptr};
    job(self);
  });
  return true;
}

Status PlanService::convertersBusy() {
  return Status::ResourceExhausted("the hub is converting " + std::to_string(kMaxQueuedConversions) +
                                   " plans already; try again in a moment");
}

void PlanService::planExists(const std::string& planId, std::function<void(bool)> done) {
  if (planId == plan::kIndexDocName) return done(false);
  rooms_->acquire(planId)->withCore([done = std::move(done)](RoomCore* core) {
    done(core && plan::readMetadata(core->doc()).has_value());
    return RoomEffects{};
  });
}

void PlanService::listPlans(std::string status, mcp::Reply<std::vector<plan::PlanSummary>> reply) {
  rooms_->acquire(plan::kIndexDocName)->withCore([status, reply = std::move(reply)](RoomCore* core) {
    if (!core) {
      reply({Status::FailedPrecondition("the plan index could not be loaded; try again")});
      return RoomEffects{};
    }
    std::vector<plan::PlanSummary> plans = plan::readIndex(core->doc());
    if (!status.empty()) std::erase_if(plans, [&](const plan::PlanSummary& p) { return p.status != status; });
    reply({Status::Ok(), std::move(plans)});
    return RoomEffects{};
  });
}

void PlanService::readPlan(std::string planId, std::optional<int64_t> revision, bool includeAnnotations,
                           mcp::Reply<mcp::PlanText> reply) {
  if (planId == plan::kIndexDocName) return reply({unknownPlan(planId)});
  rooms_->acquire(planId)->withCore([planId, revision, includeAnnotations, reply = std::move(reply)](RoomCore* core) {
    if (!core) {
      reply({Status::FailedPrecondition("plan '" + planId + "' could not be loaded; try again")});
    } else if (auto metadata = plan::readMetadata(core->doc()); !metadata) {
      reply({unknownPlan(planId)});
    } else {
      mcp::PlanText text{*metadata, "", revision.value_or(metadata->revision)};
      Status s = plan::planMarkdownAt(core->doc(), *metadata, text.revision, includeAnnotations, &text.markdown);
      text.revisions = plan::summarizeRevisions(core->doc(), *metadata);
      reply({s, std::move(text)});
    }
    return RoomEffects{};
  });
}

void PlanService::getFeedback(std::string planId, mcp::Reply<mcp::Feedback> reply) {
  withPlan<mcp::Feedback>(planId, feedbackOf, std::move(reply));
}

void PlanService::updatePlan(mcp::PlanChange change, mcp::Reply<mcp::UpdatedPlan> reply) {
  if (change.planId == plan::kIndexDocName) return reply({unknownPlan(change.planId)});
  if (!change.content) return applyPlanChange(std::move(change), std::nullopt, std::move(reply));
  // New markdown is parsed on the converter thread, as create_plan's is; the
  // plan's strand then only edits.
  bool queued = convert([change, reply](std::shared_ptr<PlanService> self) mutable {
    if (!self) return reply({Status::FailedPrecondition("the hub is shutting down; try again")});
    std::vector<plan::Block> blocks;
    if (Status s = plan::parseMarkdown(*change.content, &blocks); !s.ok()) return reply({s});
    self->applyPlanChange(std::move(change), std::move(blocks), std::move(reply));
  });
  if (!queued) reply({convertersBusy()});
}

void PlanService::applyPlanChange(mcp::PlanChange change, std::optional<std::vector<plan::Block>> blocks,
                                  mcp::Reply<mcp::UpdatedPlan> reply) {
  auto self = shared_from_this();
  auto result = std::make_shared<mcp::Outcome<mcp::UpdatedPlan>>();
  rooms_->acquire(change.planId)->withCore(
      [change = std::move(change), blocks = std::move(blocks), result](RoomCore* core) mutable {
        if (!core) {
          result->status = Status::FailedPrecondition("plan '" + change.planId + "' could not be loaded; try again");
          return RoomEffects{};
        }
        auto metadata = plan::readMetadata(core->doc());
        if (!metadata) {
          result->status = unknownPlan(change.planId);
          return RoomEffects{};
        }
        // The new content's markdown stands for its size: the blocks it
        // becomes are of the same order.
        if (change.content) {
          result->status = core->admit(change.content->size());
          if (!result->status.ok()) return RoomEffects{};
        }
        return core->edit([&](crdt::Doc& doc) {
          doc.transact([&](crdt::Transaction&) {
            plan::ContentChange content;
            double now = nowMs();
            if (blocks) {
              // The text it replaces is kept as the previous revision.
              plan::keepRevision(doc, *metadata, now);
              result->status = plan::replacePlanContent(doc, std::move(*blocks), &content);
              if (!result->status.ok()) return;
            }
            plan::PlanMetadata updated =
                plan::applyChange(*metadata, {change.title, change.status, blocks.has_value()}, now);
            plan::writeMetadata(doc, updated);
            result->value = {std::move(updated), content.kept, content.added, content.removed};
          });
        });
      },
      [self, result, reply = std::move(reply)](Status stored) mutable {
        if (!stored.ok() && result->status.ok()) result->status = stored;
        if (!result->status.ok()) return reply(std::move(*result));
        self->index(plan::summaryOf(result->value.metadata), [result, reply = std::move(reply)](Status) mutable {
          reply(std::move(*result));
        });
      });
}

// One wait_for_review in flight. Ends exactly once: by a decision, the
// timeout, a failure, or cancellation.
struct ReviewWait : std::enable_shared_from_this<ReviewWait> {
  ReviewWait(asio::any_io_executor executor, std::shared_ptr<Room> room, uint64_t watcherId,
             mcp::Reply<mcp::Feedback> reply)
      : strand(asio::make_strand(executor)), timeout(strand), ticker(strand), room(std::move(room)),
        watcherId(watcherId), reply(std::move(reply)) {}

  // Returns the reply function if this call ends the wait.
  mcp::Reply<mcp::Feedback> end() {
    std::lock_guard lock(mutex);
    if (ended) return nullptr;
    ended = true;
    room->unwatch(watcherId);
    asio::post(strand, [self = shared_from_this()] {
      self->timeout.cancel();
      self->ticker.cancel();
    });
    return std::move(reply);
  }

  void scheduleTick(std::function<void(int64_t)> tick, int64_t tickMs, std::chrono::steady_clock::time_point start) {
    ticker.expires_after(std::chrono::milliseconds(tickMs));
    ticker.async_wait([self = shared_from_this(), tick = std::move(tick), tickMs, start](boost::system::error_code ec) {
      if (ec) return;
      {
        std::lock_guard lock(self->mutex);
        if (self->ended) return;
      }
      using namespace std::chrono;
      tick(duration_cast<milliseconds>(steady_clock::now() - start).count());
      self->scheduleTick(std::move(tick), tickMs, start);
    });
  }

  asio::strand<asio::any_io_executor> strand;
  asio::steady_timer timeout, ticker;
  std::shared_ptr<Room> room;
  const uint64_t watcherId;
  std::mutex mutex;
  bool ended = false;
  mcp::Reply<mcp::Feedback> reply;
};

std::function<void()> PlanService::waitForReview(std::string planId, int64_t timeoutMs, int64_t tickMs,
                                                 std::function<void(int64_t)> tick, mcp::Reply<mcp::Feedback> reply) {
  if (planId == plan::kIndexDocName) {
    reply({unknownPlan(planId)});
    return [] {};
  }
  auto room = rooms_->acquire(planId);
  auto wait = std::make_shared<ReviewWait>(executor_, room, nextWatcherId_++, std::move(reply));
  room->watch(wait->watcherId, [wait, planId](RoomCore* core) {
    if (!core) {
      if (auto reply = wait->end()) reply({Status::FailedPrecondition("plan '" + planId + "' became unavailable; try again")});
      return;
    }
    auto metadata = plan::readMetadata(core->doc());
    if (!metadata) {
      if (auto reply = wait->end()) reply({unknownPlan(planId)});
    } else if (plan::isReviewDecision(metadata->status)) {
      if (auto reply = wait->end()) reply({Status::Ok(), feedbackOf(*core, *metadata)});
    }
  });
  asio::post(wait->strand, [wait, timeoutMs, tickMs, tick = std::move(tick), planId] {
    wait->timeout.expires_after(std::chrono::milliseconds(timeoutMs));
    wait->timeout.async_wait([wait, planId](boost::system::error_code ec) {
      if (ec) return;
      // Timed out: answer the feedback as it stands (status pending_review).
      wait->room->withCore([wait, planId](RoomCore* core) {
        auto reply = wait->end();
        if (!reply) return RoomEffects{};
        auto metadata = core ? plan::readMetadata(core->doc()) : std::nullopt;
        if (!metadata) {
          reply({unknownPlan(planId)});
        } else {
          reply({Status::Ok(), feedbackOf(*core, *metadata)});
        }
        return RoomEffects{};
      });
    });
    wait->scheduleTick(tick, tickMs, std::chrono::steady_clock::now());
  });
  return [wait] { wait->end(); };
}

void PlanService::index(const plan::PlanSummary& summary, std::function<void(Status)> done) {
  {
    std::lock_guard lock(mutex_);
    auto [it, inserted] = indexed_.try_emplace(summary.id, summary);
    if (!inserted) {
      // Already given, perhaps not yet durable: a caller that waits goes
      // through the room (the edit is then a no-op), which answers after
      // the earlier write is committed and synced.
      if (it->second == summary && !done) return;
      it->second = summary;
    }
  }
  rooms_->acquire(plan::kIndexDocName)->withCore(
      [summary](RoomCore* core) {
        if (!core) return RoomEffects{};
        return core->edit([&](crdt::Doc& doc) { plan::upsertIndex(doc, summary); });
      },
      [this, self = shared_from_this(), id = summary.id, done = std::move(done)](Status s) {
        if (!s.ok()) {
          // Forget it, so the next change of this plan writes the entry again.
          std::lock_guard lock(mutex_);
          indexed_.erase(id);
        }
        if (done) done(s);
      });
}

void PlanService::onDocumentChanged(const std::string& name, RoomCore& core) {
  if (name == plan::kIndexDocName) return;
  auto metadata = plan::readMetadata(core.doc());
  // A document whose metadata names another id is not that plan (a client
  // wrote a copy under a new name); it is not listed.
  if (!metadata || metadata->id != name) return;
  index(plan::summaryOf(*metadata), nullptr);
}

}  // namespace roundtable::hub
