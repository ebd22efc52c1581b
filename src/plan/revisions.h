// A plan's earlier revisions, kept in its own document: the `revisions`
// Y.Array (docs/product.md, "Revisions"), so that whoever has the document,
// from the hub or from a peer, has its history.
//
//   doc.transact([&](crdt::Transaction&) {
//     keepRevision(doc, current, now);       // the text about to be replaced
//     replacePlanContent(doc, markdown, &change);
//     writeMetadata(doc, applyChange(current, {.contentReplaced = true}, now));
//   });
//   RevisionHistory h = readRevisions(doc);  // oldest first
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plan/block.h"
#include "plan/metadata.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::plan {

inline constexpr const char* kRevisionsKey = "revisions";

struct RevisionLimits {
  size_t maxKept = 50;          // earlier revisions kept
  size_t maxBytes = 8u << 20;   // of their records' JSON
};

// One earlier revision, as its record holds it.
struct KeptRevision {
  int64_t revision = 0;
  double createdAt = 0;   // when its content was set (ms since the epoch)
  double replacedAt = 0;  // when the next revision replaced it
  std::string title;
  Value blocks;           // its content as BlockNote block JSON (an array)
  // The comment threads anchored in its text: thread id -> the quoted text,
  // so that a thread whose text a later revision removed keeps its quote.
  std::vector<std::pair<std::string, std::string>> quotes;
};

struct RevisionHistory {
  std::vector<KeptRevision> kept;  // oldest first
  int64_t droppedThrough = 0;      // revisions 1 to this one are no longer kept (0: none dropped)
};

// Appends the plan's current revision (`current`, the blocks its `document`
// fragment holds now and the quotes of the threads anchored in them) to the
// history, replaced at `nowMs`; then
// drops the oldest records while more than `limits` are kept, leaving a
// marker that says through which revision. Call it in the transaction that
// replaces the content, before replacing it.
void keepRevision(crdt::Doc& doc, const PlanMetadata& current, double nowMs, RevisionLimits limits = {});

// The kept history. A document without one (written before revisions were
// kept) has none; records of another shape are skipped.
RevisionHistory readRevisions(crdt::Doc& doc);

// One revision as the tools list it.
struct RevisionSummary {
  int64_t revision = 0;
  double createdAt = 0;  // when its content was set
  // Blocks (nested ones included, as update_plan counts them) added and
  // removed against the revision before it; a changed block is one of each.
  // Not known for the oldest kept revision (its predecessor is gone):
  // `compared` is then false and both are 0.
  size_t blocksAdded = 0, blocksRemoved = 0;
  bool compared = false;
};

// Every kept revision and the current one, oldest first.
std::vector<RevisionSummary> summarizeRevisions(crdt::Doc& doc, const PlanMetadata& current);

// The blocks of revision `revision` of the plan: the current one from its
// `document`, an earlier one from its record. nullopt if it is not kept (or
// never existed).
std::optional<std::vector<Block>> revisionBlocks(crdt::Doc& doc, const PlanMetadata& current, int64_t revision);

}  // namespace roundtable::plan
