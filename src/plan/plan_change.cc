#include "plan/plan_change.h"

namespace roundtable::plan {

PlanMetadata newPlanMetadata(std::string id, std::string title, std::optional<std::string> repo,
                             std::optional<int64_t> pr, double nowMs) {
  PlanMetadata m;
  m.id = std::move(id);
  m.title = std::move(title);
  m.status = statusName(PlanStatus::kPendingReview);
  m.repo = std::move(repo);
  m.pr = pr;
  m.createdAt = m.updatedAt = nowMs;
  m.revisedAt = nowMs;
  m.revision = 1;
  return m;
}

PlanMetadata applyChange(PlanMetadata m, const MetadataChange& change, double nowMs) {
  if (change.contentReplaced) {
    // The reviewers decided on the old text; the new one needs its own review.
    m.revision++;
    m.revisedAt = nowMs;
    m.status = statusName(PlanStatus::kPendingReview);
    m.reviewedAt.reset();
    m.reviewedBy.reset();
    m.reviewedRevision.reset();
    m.decisionNote.reset();
  }
  if (change.title) m.title = *change.title;
  if (change.status) m.status = statusName(*change.status);
  m.updatedAt = nowMs;
  return m;
}

}  // namespace roundtable::plan
