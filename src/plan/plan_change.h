// The rules of a plan's metadata as the agents' tools change it
// (docs/mcp.md): what create_plan starts with, and what update_plan does to
// the revision, the status and the reviewer fields. Nothing here reads or
// writes a document; the hub applies the result on the plan's strand.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "plan/metadata.h"

namespace roundtable::plan {

// The metadata of a plan created at `nowMs`: revision 1, pending_review, not
// yet reviewed.
PlanMetadata newPlanMetadata(std::string id, std::string title, std::optional<std::string> repo,
                             std::optional<int64_t> pr, double nowMs);

// What an agent asks of a plan in one update.
struct MetadataChange {
  std::optional<std::string> title;
  std::optional<PlanStatus> status;
  bool contentReplaced = false;  // new markdown was given, whether or not any block differs
};

// `metadata` after `change`, made at `nowMs` (which becomes updatedAt).
// Replaced content is a new revision: the revision goes up by one and
// revisedAt is now, the reviewer fields (who, when, on which revision, the
// note) are cleared and the status returns to pending_review,
// unless the change sets a status, which wins. A title or status alone keeps
// the revision and the reviewer fields.
PlanMetadata applyChange(PlanMetadata metadata, const MetadataChange& change, double nowMs);

}  // namespace roundtable::plan
