// The `plan-index` document: a Y.Map `plans` from plan id to
// {id, title, status, createdAt, updatedAt} (docs/product.md). The hub keeps
// it current; the web app's plan list and list_plans read it.
#pragma once

#include <string>
#include <vector>

#include "plan/metadata.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::plan {

inline constexpr const char* kIndexDocName = "plan-index";
inline constexpr const char* kIndexPlansKey = "plans";

struct PlanSummary {
  std::string id, title, status;
  double createdAt = 0, updatedAt = 0;
  bool operator==(const PlanSummary&) const = default;
};

PlanSummary summaryOf(const PlanMetadata& metadata);

// Every entry of the index, newest first (by createdAt, then id); entries
// that are not well-formed are skipped.
std::vector<PlanSummary> readIndex(crdt::Doc& index);

// Sets the entry of `summary.id` unless it already holds exactly that;
// returns whether it changed the document.
bool upsertIndex(crdt::Doc& index, const PlanSummary& summary);

}  // namespace roundtable::plan
