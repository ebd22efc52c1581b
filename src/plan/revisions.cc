#include "plan/revisions.h"

#include <algorithm>
#include <cmath>
#include <iterator>

#include "lib0/json.h"
#include "plan/block_json.h"
#include "plan/block_xml_reader.h"
#include "plan/threads.h"

namespace roundtable::plan {

namespace {

const Value* field(const Value& object, const char* key) {
  return object.isObject() ? object.asObject().get(key) : nullptr;
}

std::optional<double> numberField(const Value& object, const char* key) {
  const Value* v = field(object, key);
  if (!v || !v->isNumber() || !std::isfinite(v->asNumber())) return std::nullopt;
  return v->asNumber();
}

bool isMarker(const Value& v) {
  const Value* dropped = field(v, "dropped");
  return dropped && dropped->isBool() && dropped->asBool();
}

std::optional<KeptRevision> recordOf(const Value& v) {
  auto revision = numberField(v, "revision");
  const Value* title = field(v, "title");
  const Value* blocks = field(v, "blocks");
  if (!revision || *revision < 1 || *revision != std::floor(*revision) || !blocks || !blocks->isArray())
    return std::nullopt;
  KeptRevision r;
  r.revision = static_cast<int64_t>(*revision);
  r.createdAt = numberField(v, "createdAt").value_or(0);
  r.replacedAt = numberField(v, "replacedAt").value_or(0);
  r.title = title && title->isString() ? title->asString() : "";
  r.blocks = *blocks;
  if (const Value* quotes = field(v, "quotes"); quotes && quotes->isObject())
    for (const auto& [thread, quote] : quotes->asObject())
      if (quote.isString()) r.quotes.emplace_back(thread, quote.asString());
  return r;
}

Value markerThrough(int64_t revision) {
  Value::Object marker;
  marker.set("dropped", true);
  marker.set("through", revision);
  return Value(std::move(marker));
}

// Each block of the tree (children apart) as its JSON, sorted: what two
// revisions share is their multiset intersection.
std::vector<std::string> flatten(const std::vector<Block>& blocks) {
  std::vector<std::string> out;
  auto walk = [&](auto&& self, const std::vector<Block>& level) -> void {
    for (const Block& b : level) {
      Block alone = b;
      alone.children.clear();
      out.push_back(lib0::toJSON(blockToJSON(alone)));
      self(self, b.children);
    }
  };
  walk(walk, blocks);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

void keepRevision(crdt::Doc& doc, const PlanMetadata& current, double nowMs, RevisionLimits limits) {
  crdt::Array revisions = doc.getArray(kRevisionsKey);
  if (!revisions.valid()) return;  // the key holds another type: there is nowhere to keep it
  crdt::XmlFragment fragment = doc.getXmlFragment(kDocumentKey);
  std::vector<Block> blocks = fragment.valid() ? readDocument(fragment) : std::vector<Block>{};
  Value::Object record;
  record.set("revision", current.revision);
  // Plans written before revisedAt existed: revision 1 began with the plan;
  // a later one at the last update, the best guess there is.
  record.set("createdAt", current.revisedAt.value_or(current.revision <= 1 ? current.createdAt : current.updatedAt));
  record.set("replacedAt", nowMs);
  record.set("title", current.title);
  record.set("blocks", blocksToJSON(blocks));
  Value::Object quotes;
  for (const ThreadAnchor& a : anchorThreads(blocks))
    if (!quotes.contains(a.threadId)) quotes.set(a.threadId, a.quote);
  if (!quotes.empty()) record.set("quotes", Value(std::move(quotes)));
  doc.transact([&](crdt::Transaction&) {
    (void)revisions.push({Value(std::move(record))});
    // Sizes of the kept records, oldest first; the newest is always kept.
    std::vector<crdt::Entry> entries = revisions.toArray();
    int64_t droppedThrough = 0;
    size_t first = 0;  // the first record (after a marker)
    if (!entries.empty() && isMarker(entries[0].value)) {
      droppedThrough = static_cast<int64_t>(numberField(entries[0].value, "through").value_or(0));
      first = 1;
    }
    std::vector<size_t> sizes;
    size_t total = 0;
    for (size_t i = first; i < entries.size(); ++i) {
      sizes.push_back(lib0::toJSON(entries[i].value).size());
      total += sizes.back();
    }
    size_t drop = 0;
    while (drop + 1 < sizes.size() && (sizes.size() - drop > limits.maxKept || total > limits.maxBytes)) {
      total -= sizes[drop];
      if (auto r = recordOf(entries[first + drop].value)) droppedThrough = std::max(droppedThrough, r->revision);
      ++drop;
    }
    if (drop == 0) return;
    (void)revisions.erase(0, first + drop);
    (void)revisions.insert(0, {markerThrough(droppedThrough)});
  });
}

RevisionHistory readRevisions(crdt::Doc& doc) {
  RevisionHistory history;
  if (!doc.hasRoot(kRevisionsKey)) return history;
  crdt::Array revisions = doc.getArray(kRevisionsKey);
  if (!revisions.valid()) return history;
  for (const crdt::Entry& e : revisions.toArray()) {
    if (e.kind != crdt::Entry::Kind::kValue) continue;
    if (isMarker(e.value)) {
      history.droppedThrough =
          std::max(history.droppedThrough, static_cast<int64_t>(numberField(e.value, "through").value_or(0)));
    } else if (auto r = recordOf(e.value)) {
      history.kept.push_back(std::move(*r));
    }
  }
  return history;
}

std::optional<std::vector<Block>> revisionBlocks(crdt::Doc& doc, const PlanMetadata& current, int64_t revision) {
  if (revision == current.revision) {
    crdt::XmlFragment fragment = doc.getXmlFragment(kDocumentKey);
    return fragment.valid() ? readDocument(fragment) : std::vector<Block>{};
  }
  for (const KeptRevision& r : readRevisions(doc).kept) {
    if (r.revision != revision) continue;
    std::vector<Block> blocks;
    if (!blocksFromJSON(r.blocks, &blocks).ok()) return std::nullopt;
    return blocks;
  }
  return std::nullopt;
}

std::vector<RevisionSummary> summarizeRevisions(crdt::Doc& doc, const PlanMetadata& current) {
  RevisionHistory history = readRevisions(doc);
  std::vector<RevisionSummary> out;
  std::optional<std::vector<std::string>> previous;  // the blocks of the revision before, if kept
  int64_t previousNumber = 0;
  auto add = [&](int64_t revision, double createdAt, const std::vector<Block>& blocks) {
    RevisionSummary s{revision, createdAt};
    std::vector<std::string> mine = flatten(blocks);
    if (previous && previousNumber == revision - 1) {
      std::vector<std::string> shared;
      std::set_intersection(previous->begin(), previous->end(), mine.begin(), mine.end(), std::back_inserter(shared));
      s.blocksAdded = mine.size() - shared.size();
      s.blocksRemoved = previous->size() - shared.size();
      s.compared = true;
    }
    out.push_back(s);
    previous = std::move(mine);
    previousNumber = revision;
  };
  for (const KeptRevision& r : history.kept) {
    std::vector<Block> blocks;
    if (!blocksFromJSON(r.blocks, &blocks).ok()) {
      previous.reset();
      continue;
    }
    add(r.revision, r.createdAt, blocks);
  }
  crdt::XmlFragment fragment = doc.getXmlFragment(kDocumentKey);
  add(current.revision, current.revisedAt.value_or(current.revision <= 1 ? current.createdAt : current.updatedAt),
      fragment.valid() ? readDocument(fragment) : std::vector<Block>{});
  return out;
}

}  // namespace roundtable::plan
