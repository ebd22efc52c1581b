// A plan's metadata: the `metadata` Y.Map of its document (docs/product.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "roundtable/crdt/doc.h"

namespace roundtable::plan {

// Names of the plan document's root types.
inline constexpr const char* kMetadataKey = "metadata";
inline constexpr const char* kDocumentKey = "document";
inline constexpr const char* kContentKey = "content";
inline constexpr const char* kThreadsKey = "threads";
inline constexpr const char* kUsersKey = "users";

struct PlanMetadata {
  std::string id, title, status;
  std::optional<std::string> repo;
  std::optional<int64_t> pr;
  double createdAt = 0, updatedAt = 0;  // ms since the epoch
  std::optional<double> reviewedAt;
  std::optional<std::string> reviewedBy;
  int64_t revision = 0;
  bool operator==(const PlanMetadata&) const = default;
};

// The metadata of a plan document, or nullopt when the document is not a plan
// (no string `id`). Fields of the wrong type read as absent; nothing throws.
std::optional<PlanMetadata> readMetadata(crdt::Doc& doc);

// Writes every field that differs from what the map holds (absent optionals
// delete their key), so writing the same metadata again changes nothing.
void writeMetadata(crdt::Doc& doc, const PlanMetadata& metadata);

// Whether a status ends a review (approved or changes_requested).
bool isReviewDecision(const std::string& status);

}  // namespace roundtable::plan
