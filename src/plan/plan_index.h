// The `plan-index` document: a Y.Map `plans` from plan id to
// {id, title, status, createdAt, updatedAt, repo?} (docs/product.md). The hub keeps
// it current; the web app's plan list and list_plans read it.
#pragma once

#include <optional>
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
  // Entries written before the index held repositories have none until the
  // plan's document is next loaded.
  std::optional<std::string> repo;
  bool operator==(const PlanSummary&) const = default;
};

PlanSummary summaryOf(const PlanMetadata& metadata);

// Every entry of the index, newest first (by createdAt, then id); entries
// that are not well-formed are skipped.
std::vector<PlanSummary> readIndex(crdt::Doc& index);

// One page of a listing: of `newestFirst` (readIndex's order), the plans of
// `repo` (all when empty) after the position `cursor` names (from the start
// when empty), at most `limit` of them.
struct IndexQuery {
  std::string repo;
  std::string cursor;
  size_t limit = 20;
};
struct IndexPage {
  std::vector<PlanSummary> plans;
  size_t matching = 0;     // plans of the repo in all, on every page
  std::string nextCursor;  // where the next page starts; empty on the last page
};
// InvalidArgument if `cursor` is not one this function gave. A cursor names a
// place in the order, not an entry: plans added since (newer, so before it)
// or removed do not shift the pages after it.
Status pageOf(const std::vector<PlanSummary>& newestFirst, const IndexQuery& query, IndexPage* out);

// Sets the entry of `summary.id` unless it already holds exactly that;
// returns whether it changed the document.
bool upsertIndex(crdt::Doc& index, const PlanSummary& summary);

}  // namespace roundtable::plan
