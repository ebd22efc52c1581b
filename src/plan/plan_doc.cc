#include "plan/plan_doc.h"

#include <algorithm>

#include "lib0/json.h"
#include "plan/block_json.h"
#include "plan/block_xml_reader.h"
#include "plan/block_xml_writer.h"
#include "plan/lz_string.h"
#include "plan/markdown_parser.h"
#include "plan/markdown_writer.h"
#include "plan/plan_content.h"
#include "plan/revisions.h"
#include "plan/threads.h"

namespace roundtable::plan {

namespace {

// --- what makes two blocks "the same" for a minimal edit ---

// Runs as they read, without comment marks: a comment splits a run in two
// and must not make its block look changed.
std::vector<TextRun> mergedRuns(const std::vector<TextRun>& runs) {
  std::vector<TextRun> out;
  for (const TextRun& r : runs) {
    if (r.text.empty()) continue;
    if (!out.empty() && out.back().styles == r.styles) {
      out.back().text += r.text;
    } else {
      out.push_back({r.text, r.styles, {}});
    }
  }
  return out;
}

std::vector<Inline> normalized(const std::vector<Inline>& content) {
  std::vector<Inline> out;
  for (const Inline& in : content) {
    if (in.kind == Inline::Kind::kLink) {
      Inline link = in;
      link.runs = mergedRuns(in.runs);
      out.push_back(std::move(link));
      continue;
    }
    if (in.run.text.empty()) continue;
    if (!out.empty() && out.back().kind == Inline::Kind::kText && out.back().run.styles == in.run.styles) {
      out.back().run.text += in.run.text;
    } else {
      Inline text;
      text.run = {in.run.text, in.run.styles, {}};
      out.push_back(std::move(text));
    }
  }
  return out;
}

// Props that describe what the block says. Colours and alignment are left
// out: a reviewer may have set them, and markdown cannot carry them, so a
// block whose text is unchanged keeps them.
Value significantProps(const Value& props) {
  Value::Object out;
  if (!props.isObject()) return Value(std::move(out));
  for (const auto& [key, value] : props.asObject()) {
    if (key == "backgroundColor" || key == "textColor" || key == "textAlignment") continue;
    out.set(key, value);
  }
  return Value(std::move(out));
}

// A block's identity for matching, children aside (they are matched on their own).
struct BlockKey {
  std::string type;
  Value props;
  std::vector<Inline> content;
  std::optional<TableContent> table;
  bool operator==(const BlockKey&) const = default;
};

BlockKey keyOf(const Block& b) {
  BlockKey k{b.type, significantProps(b.props), normalized(b.content), b.table};
  if (k.table) {
    for (TableRow& row : k.table->rows)
      for (TableCell& cell : row.cells) cell.content = normalized(cell.content);
  }
  return k;
}

size_t countBlocks(const std::vector<Block>& blocks) {
  size_t n = 0;
  for (const Block& b : blocks) n += 1 + countBlocks(b.children);
  return n;
}

// --- the document's structure ---

// The blockContainers of a blockGroup, with what they read as.
struct Child {
  crdt::XmlElement element;
  Block block;  // type empty when unreadable
};

std::vector<Child> childrenOf(const crdt::XmlElement& group) {
  std::vector<Child> out;
  for (const crdt::Entry& e : group.toArray()) {
    crdt::XmlElement el(e.type);
    if (e.kind != crdt::Entry::Kind::kType || !el.valid() || el.kind() != crdt::TypeKind::kXmlElement) {
      out.push_back({crdt::XmlElement(), Block{}});
      continue;
    }
    out.push_back({el, readBlockContainer(el)});
  }
  return out;
}

// The nested blockGroup of a blockContainer (its element child named so).
std::optional<std::pair<size_t, crdt::XmlElement>> nestedGroup(const crdt::XmlElement& container) {
  std::vector<crdt::Entry> items = container.toArray();
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].kind != crdt::Entry::Kind::kType) continue;
    crdt::XmlElement el(items[i].type);
    if (el.kind() == crdt::TypeKind::kXmlElement && el.nodeName() == "blockGroup") return std::make_pair(i, el);
  }
  return std::nullopt;
}

// Longest common subsequence of keys; returns matched (old, new) index pairs
// in order. Quadratic, so very long lists fall back to matching only their
// common prefix and suffix.
std::vector<std::pair<size_t, size_t>> matchBlocks(const std::vector<BlockKey>& a, const std::vector<BlockKey>& b) {
  std::vector<std::pair<size_t, size_t>> pairs;
  size_t n = a.size(), m = b.size();
  constexpr size_t kMaxCells = size_t{16} << 20;
  if (n * m > kMaxCells) {
    size_t pre = 0;
    while (pre < n && pre < m && a[pre] == b[pre]) pairs.push_back({pre, pre}), ++pre;
    size_t suf = 0;
    std::vector<std::pair<size_t, size_t>> tail;
    while (suf < n - pre && suf < m - pre && a[n - 1 - suf] == b[m - 1 - suf]) tail.push_back({n - 1 - suf, m - 1 - suf}), ++suf;
    pairs.insert(pairs.end(), tail.rbegin(), tail.rend());
    return pairs;
  }
  std::vector<uint32_t> len((n + 1) * (m + 1), 0);
  auto at = [&](size_t i, size_t j) -> uint32_t& { return len[i * (m + 1) + j]; };
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;) at(i, j) = a[i] == b[j] ? at(i + 1, j + 1) + 1 : std::max(at(i + 1, j), at(i, j + 1));
  for (size_t i = 0, j = 0; i < n && j < m;) {
    if (a[i] == b[j]) {
      pairs.push_back({i, j});
      ++i, ++j;
    } else if (at(i + 1, j) >= at(i, j + 1)) {
      ++i;
    } else {
      ++j;
    }
  }
  return pairs;
}

// Makes `group`'s blockContainers hold `wanted`, keeping every container
// whose block matches one of `wanted` (its id replaces the new one in
// `wanted`, so the content array matches the document).
void reconcile(crdt::XmlElement group, std::vector<Block>& wanted, ContentChange* change) {
  std::vector<Child> old = childrenOf(group);
  std::vector<BlockKey> oldKeys, newKeys;
  for (const Child& c : old) oldKeys.push_back(c.block.type.empty() ? BlockKey{"\x01unreadable", Value(), {}, std::nullopt} : keyOf(c.block));
  for (const Block& b : wanted) newKeys.push_back(keyOf(b));
  auto pairs = matchBlocks(oldKeys, newKeys);

  size_t pos = 0, oi = 0, ni = 0;
  auto insertUpTo = [&](size_t end) {
    if (ni >= end) return;
    insertBlocks(group, pos, std::span<const Block>(wanted.data() + ni, end - ni));
    change->added += countBlocks(std::vector<Block>(wanted.begin() + ni, wanted.begin() + end));
    pos += end - ni;
    ni = end;
  };
  auto eraseUpTo = [&](size_t end) {
    for (; oi < end; ++oi) {
      change->removed += old[oi].block.type.empty() ? 1 : 1 + countBlocks(old[oi].block.children);
      (void)group.erase(pos, 1);
    }
  };
  for (auto [o, n] : pairs) {
    eraseUpTo(o);
    insertUpTo(n);
    // Kept: same container, same id; its children are reconciled in turn.
    Block& kept = wanted[n];
    const Child& child = old[o];
    crdt::XmlElement container = child.element;  // a handle: a view of the shared element
    kept.id = child.block.id;
    change->kept++;
    auto nested = nestedGroup(child.element);
    if (nested) {
      if (kept.children.empty()) {
        change->removed += countBlocks(child.block.children);
        (void)container.erase(nested->first, 1);
      } else {
        reconcile(nested->second, kept.children, change);
      }
    } else if (!kept.children.empty()) {
      crdt::XmlElement inner(container.insertElement(container.length(), "blockGroup").impl());
      insertBlocks(inner, 0, kept.children);
      change->added += countBlocks(kept.children);
    }
    ++oi, ++ni, ++pos;
  }
  eraseUpTo(old.size());
  insertUpTo(wanted.size());
}

Value metadataValue(const PlanMetadata& m) {
  Value::Object o;
  o.set("id", m.id).set("title", m.title).set("status", m.status);
  if (m.repo) o.set("repo", *m.repo);
  if (m.pr) o.set("pr", *m.pr);
  o.set("createdAt", m.createdAt).set("updatedAt", m.updatedAt);
  if (m.reviewedAt) o.set("reviewedAt", *m.reviewedAt);
  if (m.reviewedBy) o.set("reviewedBy", *m.reviewedBy);
  o.set("revision", m.revision);
  return Value(std::move(o));
}

}  // namespace

Status createPlanContent(crdt::Doc& doc, const PlanMetadata& metadata, std::string_view markdown, size_t* blocks) {
  std::vector<Block> parsed;
  Status s = parseMarkdown(markdown, &parsed);
  if (!s.ok()) return s;
  doc.transact([&](crdt::Transaction&) {
    s = writePlanContent(doc, parsed);
    if (s.ok()) writeMetadata(doc, metadata);
  });
  if (s.ok() && blocks) *blocks = countBlocks(parsed);
  return s;
}

Status replacePlanContent(crdt::Doc& doc, std::string_view markdown, ContentChange* change) {
  std::vector<Block> wanted;
  Status s = parseMarkdown(markdown, &wanted);
  if (!s.ok()) return s;
  return replacePlanContent(doc, std::move(wanted), change);
}

Status replacePlanContent(crdt::Doc& doc, std::vector<Block> wanted, ContentChange* change) {
  ContentChange local;
  ContentChange* c = change ? change : &local;
  *c = {};
  crdt::XmlFragment fragment = doc.getXmlFragment(kDocumentKey);
  crdt::Array content = doc.getArray(kContentKey);
  if (!fragment.valid() || !content.valid())
    return Status::FailedPrecondition("the plan document's 'document' or 'content' has the wrong type");
  doc.transact([&](crdt::Transaction&) {
    std::optional<crdt::XmlElement> group;
    for (const crdt::Entry& e : fragment.toArray()) {
      crdt::XmlElement el(e.type);
      if (e.kind == crdt::Entry::Kind::kType && el.kind() == crdt::TypeKind::kXmlElement && el.nodeName() == "blockGroup") {
        group = el;
        break;
      }
    }
    if (!group) {
      writeDocument(fragment, wanted);
      c->added = countBlocks(wanted);
    } else {
      reconcile(*group, wanted, c);
    }
    if (content.length() > 0) (void)content.erase(0, content.length());
    std::vector<crdt::Input> values;
    for (const Block& b : wanted) values.emplace_back(blockToJSON(b));
    (void)content.push(std::move(values));
  });
  return Status::Ok();
}

std::string planMarkdown(crdt::Doc& doc, bool includeAnnotations) {
  crdt::XmlFragment fragment = doc.getXmlFragment(kDocumentKey);
  std::vector<Block> blocks = fragment.valid() ? readDocument(fragment) : std::vector<Block>{};
  std::vector<Thread> threads;
  if (includeAnnotations) threads = readThreads(doc.getMap(kThreadsKey), doc.getMap(kUsersKey));
  return toMarkdown(blocks, {includeAnnotations, &threads});
}

Status planMarkdownAt(crdt::Doc& doc, const PlanMetadata& metadata, int64_t revision, bool includeAnnotations,
                      std::string* out) {
  if (revision == metadata.revision) {
    *out = planMarkdown(doc, includeAnnotations);
    return Status::Ok();
  }
  if (auto blocks = revisionBlocks(doc, metadata, revision)) {
    *out = toMarkdown(*blocks);
    return Status::Ok();
  }
  RevisionHistory history = readRevisions(doc);
  std::string kept = history.kept.empty() ? std::to_string(metadata.revision)
                                          : std::to_string(history.kept.front().revision) + " to " +
                                                std::to_string(metadata.revision);
  return Status::NotFound("revision " + std::to_string(revision) + " of plan '" + metadata.id +
                          "' is not kept (kept: " + kept + ")");
}

std::vector<FeedbackThread> planFeedback(crdt::Doc& doc) {
  crdt::XmlFragment fragment = doc.getXmlFragment(kDocumentKey);
  std::vector<Block> blocks = fragment.valid() ? readDocument(fragment) : std::vector<Block>{};
  std::vector<ThreadAnchor> anchors = anchorThreads(blocks);
  std::vector<Thread> threads = readThreads(doc.getMap(kThreadsKey), doc.getMap(kUsersKey));

  auto feedbackOf = [](const Thread& t, const ThreadAnchor* anchor) {
    FeedbackThread f;
    f.id = t.id;
    if (anchor) {
      f.blockId = anchor->blockId;
      f.quote = anchor->quote;
    }
    f.outdated = anchor == nullptr;
    f.revision = t.revision;
    f.resolved = t.resolved;
    for (const Comment* c : t.visibleComments()) f.comments.push_back({c->author, c->text, c->createdAt.value_or(0)});
    return f;
  };
  std::vector<FeedbackThread> out;
  std::vector<bool> used(threads.size(), false);
  for (const ThreadAnchor& a : anchors) {
    for (size_t i = 0; i < threads.size(); ++i) {
      if (used[i] || threads[i].id != a.threadId) continue;
      used[i] = true;
      if (!threads[i].visibleComments().empty()) out.push_back(feedbackOf(threads[i], &a));
    }
  }
  // Outdated: their text is gone. The newest kept revision that had it
  // gives the quote.
  RevisionHistory history = readRevisions(doc);
  auto quoteOf = [&](const std::string& threadId) -> std::string {
    for (auto r = history.kept.rbegin(); r != history.kept.rend(); ++r)
      for (const auto& [id, quote] : r->quotes)
        if (id == threadId) return quote;
    return "";
  };
  for (size_t i = 0; i < threads.size(); ++i) {
    if (used[i] || threads[i].visibleComments().empty()) continue;
    FeedbackThread f = feedbackOf(threads[i], nullptr);
    f.quote = quoteOf(f.id);
    out.push_back(std::move(f));
  }
  return out;
}

std::string snapshotParameter(crdt::Doc& doc) {
  Value::Object snapshot;
  snapshot.set("v", 1);
  if (auto m = readMetadata(doc)) snapshot.set("metadata", metadataValue(*m));
  crdt::XmlFragment fragment = doc.getXmlFragment(kDocumentKey);
  std::vector<Block> blocks = fragment.valid() ? readDocument(fragment) : std::vector<Block>{};
  snapshot.set("blocks", blocksToJSON(blocks));
  return compressToEncodedURIComponent(lib0::toJSON(Value(std::move(snapshot))));
}

}  // namespace roundtable::plan
