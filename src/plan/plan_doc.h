// A plan document as the agent's tools see it (docs/product.md, docs/mcp.md):
// created from markdown, read back as markdown with its comment threads,
// revised by a minimal edit, summarised as review feedback.
//
// All functions work on a loaded crdt::Doc and change it only where they say.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plan/block.h"
#include "plan/metadata.h"
#include "roundtable/base/status.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::plan {

// Writes a new plan into an empty document: metadata, the BlockNote
// `document` fragment and the `content` array, in one transaction. Sets
// *blocks to the number of top-level blocks. Markdown over the parser's
// limits is InvalidArgument and leaves the document untouched.
Status createPlanContent(crdt::Doc& doc, const PlanMetadata& metadata, std::string_view markdown, size_t* blocks);

struct ContentChange {
  size_t kept = 0, added = 0, removed = 0;  // blocks, nested ones included
};

// Replaces the plan's text with `markdown` by a minimal edit of the
// `document` fragment: blocks whose content did not change keep their ids,
// their place and the comment marks in their text; only the others are
// removed or inserted. The `content` array is rewritten to match. Metadata
// is not touched (the caller bumps the revision).
Status replacePlanContent(crdt::Doc& doc, std::string_view markdown, ContentChange* change);
// The same with the markdown already parsed (parseMarkdown), so the parse
// can run elsewhere than the edit.
Status replacePlanContent(crdt::Doc& doc, std::vector<Block> wanted, ContentChange* change);

// The plan's blocks as markdown; with annotations, each comment thread after
// the block it is anchored in.
std::string planMarkdown(crdt::Doc& doc, bool includeAnnotations);
// Revision `revision` of the plan as markdown: the current one as
// planMarkdown gives it, an earlier kept one without annotations (its
// threads are read on the current text). NotFound, saying which revisions
// are kept, for any other.
Status planMarkdownAt(crdt::Doc& doc, const PlanMetadata& metadata, int64_t revision, bool includeAnnotations,
                      std::string* out);

struct FeedbackComment {
  std::string author, body;  // author: the display name from `users`
  double createdAt = 0;
};

struct FeedbackThread {
  std::string id;
  std::string blockId;  // the block holding the commented text; empty when it is gone
  std::string quote;    // the commented text (from the revision that had it, once it is gone)
  bool resolved = false;
  std::vector<FeedbackComment> comments;
  // Its text is no longer in the plan (a revision, or an edit, removed it).
  bool outdated = false;
  std::optional<int64_t> revision;  // the revision it was made on, if known
};

// Every comment thread of the plan: those anchored in its text in document
// order, then the outdated ones (their text is gone).
std::vector<FeedbackThread> planFeedback(crdt::Doc& doc);

// The `d` parameter of a snapshot URL (/plan?d=...): the metadata and
// blocks as JSON, lz-string compressed for a URI component.
std::string snapshotParameter(crdt::Doc& doc);

}  // namespace roundtable::plan
