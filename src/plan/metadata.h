// A plan's metadata: the `metadata` Y.Map of its document (docs/product.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "roundtable/crdt/doc.h"

namespace roundtable::plan {

// Names of the plan document's root types.
inline constexpr const char* kMetadataKey = "metadata";
inline constexpr const char* kDocumentKey = "document";
inline constexpr const char* kContentKey = "content";
inline constexpr const char* kThreadsKey = "threads";
inline constexpr const char* kUsersKey = "users";

// A plan's review status. The document holds its string form; the web app
// writes it too (approve, request changes).
enum class PlanStatus { kDraft, kPendingReview, kApproved, kChangesRequested };

// Every status, in the order the MCP tools' schemas list them.
inline constexpr PlanStatus kPlanStatuses[] = {PlanStatus::kDraft, PlanStatus::kPendingReview, PlanStatus::kApproved,
                                               PlanStatus::kChangesRequested};

// The status's string form, as the document and the tools spell it
// ("pending_review").
const char* statusName(PlanStatus status);

// The status whose string form is exactly `name`; nullopt for any other string.
std::optional<PlanStatus> parseStatus(std::string_view name);

struct PlanMetadata {
  // `status` is the document's string as read, not a PlanStatus: a browser
  // may have written one the hub does not know, and it is shown and written
  // back as it is rather than replaced.
  std::string id, title, status;
  std::optional<std::string> repo;
  std::optional<int64_t> pr;
  double createdAt = 0, updatedAt = 0;  // ms since the epoch
  std::optional<double> reviewedAt;
  std::optional<std::string> reviewedBy;
  int64_t revision = 0;
  std::optional<double> revisedAt;           // when the current revision's content was set
  std::optional<int64_t> reviewedRevision;   // the revision the decision was made on
  std::optional<std::string> decisionNote;   // the reviewer's note with the decision
  bool operator==(const PlanMetadata&) const = default;
};

// The metadata of a plan document, or nullopt when the document is not a plan
// (no string `id`). Fields of the wrong type read as absent; nothing throws.
std::optional<PlanMetadata> readMetadata(crdt::Doc& doc);

// Writes every field that differs from what the map holds (absent optionals
// delete their key), so writing the same metadata again changes nothing.
void writeMetadata(crdt::Doc& doc, const PlanMetadata& metadata);

// Whether a status string ends a review (approved or changes_requested).
bool isReviewDecision(const std::string& status);

}  // namespace roundtable::plan
