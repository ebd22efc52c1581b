#include "plan/threads.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <utility>

namespace roundtable::plan {

namespace {

using crdt::Entry;
using crdt::TypeKind;
using crdt::TypeRef;

// A Y.Map handle for an entry holding a Y.Map; invalid otherwise.
crdt::Map asMap(const std::optional<Entry>& e) {
  if (!e || e->kind != Entry::Kind::kType) return crdt::Map();
  TypeRef t = e->asType();
  return t.valid() && t.kind() == TypeKind::kMap ? crdt::Map(t.impl()) : crdt::Map();
}

Value plainValue(const crdt::Map& m, std::string_view key) {
  if (!m.valid()) return Value();
  std::optional<Entry> e = m.get(key);
  return e && e->kind == Entry::Kind::kValue ? e->value : Value();
}

std::string stringField(const crdt::Map& m, std::string_view key) {
  Value v = plainValue(m, key);
  return v.isString() ? v.asString() : std::string();
}

Millis timeField(const crdt::Map& m, std::string_view key) {
  Value v = plainValue(m, key);
  if (!v.isNumber() || std::isnan(v.asNumber())) return std::nullopt;
  return v.asNumber();
}

std::vector<Reaction> readReactions(const crdt::Map& byUser, const crdt::Map& users) {
  std::vector<Reaction> out;
  if (!byUser.valid()) return out;
  for (const std::string& key : byUser.keys()) {
    crdt::Map r = asMap(byUser.get(key));
    if (!r.valid()) continue;
    std::string emoji = stringField(r, "emoji");
    std::string userId = stringField(r, "userId");
    Millis at = timeField(r, "createdAt");
    auto it = std::find_if(out.begin(), out.end(), [&](const Reaction& x) { return x.emoji == emoji; });
    if (it == out.end()) {
      out.push_back(Reaction{emoji, {userId}, {userName(users, userId)}, at});
    } else {
      it->userIds.push_back(userId);
      it->userNames.push_back(userName(users, userId));
      if (at && (!it->createdAt || *at < *it->createdAt)) it->createdAt = at;
    }
  }
  return out;
}

void appendInlineText(const Value& content, std::string& out) {
  if (content.isString()) {
    out += content.asString();
    return;
  }
  if (!content.isArray()) return;
  for (const Value& item : content.asArray()) {
    if (!item.isObject()) continue;
    const Value::Object& o = item.asObject();
    if (const Value* text = o.get("text"); text && text->isString()) out += text->asString();
    else if (const Value* inner = o.get("content")) appendInlineText(*inner, out);
  }
}

void appendBlocksText(const Value& blocks, std::vector<std::string>& lines, int depth) {
  if (!blocks.isArray() || depth > 100) return;
  for (const Value& block : blocks.asArray()) {
    if (!block.isObject()) continue;
    const Value::Object& o = block.asObject();
    if (const Value* content = o.get("content")) {
      if (content->isObject()) {
        // Table content: one line per row, cells separated by " | ".
        const Value* rows = content->asObject().get("rows");
        if (rows && rows->isArray()) {
          for (const Value& row : rows->asArray()) {
            const Value* cells = row.isObject() ? row.asObject().get("cells") : nullptr;
            if (!cells || !cells->isArray()) continue;
            std::string line;
            for (const Value& cell : cells->asArray()) {
              if (!line.empty()) line += " | ";
              const Value* cc = cell.isObject() ? cell.asObject().get("content") : &cell;
              if (cc) appendInlineText(*cc, line);
            }
            lines.push_back(line);
          }
        }
      } else {
        std::string line;
        appendInlineText(*content, line);
        lines.push_back(line);
      }
    }
    if (const Value* children = o.get("children")) appendBlocksText(*children, lines, depth + 1);
  }
}

}  // namespace

std::vector<const Comment*> Thread::visibleComments() const {
  std::vector<const Comment*> out;
  for (const Comment& c : comments) {
    if (!c.deleted() && !c.body.isUndefined() && !c.body.isNull()) out.push_back(&c);
  }
  return out;
}

std::string userName(const crdt::Map& users, const std::string& userId) {
  if (users.valid() && !userId.empty()) {
    if (std::optional<Entry> e = users.get(userId)) {
      Value name;
      if (e->kind == Entry::Kind::kValue) {
        if (const Value* n = e->value.isObject() ? e->value.asObject().get("name") : nullptr) name = *n;
      } else {
        name = plainValue(asMap(e), "name");
      }
      if (name.isString() && !name.asString().empty()) return name.asString();
    }
  }
  return userId;
}

std::string commentBodyText(const Value& body) {
  std::vector<std::string> lines;
  appendBlocksText(body, lines, 0);
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

std::vector<Thread> readThreads(const crdt::Map& threads, const crdt::Map& users) {
  std::vector<Thread> out;
  if (!threads.valid()) return out;
  for (const std::string& key : threads.keys()) {
    crdt::Map m = asMap(threads.get(key));
    if (!m.valid()) continue;  // YjsThreadStore.getThreads skips non-maps too
    Thread t;
    Value id = plainValue(m, "id");
    t.id = id.isString() ? id.asString() : key;
    t.createdAt = timeField(m, "createdAt");
    t.updatedAt = timeField(m, "updatedAt");
    t.resolved = plainValue(m, "resolved").truthy();
    t.resolvedBy = stringField(m, "resolvedBy");
    if (!t.resolvedBy.empty()) t.resolvedByName = userName(users, t.resolvedBy);
    t.resolvedUpdatedAt = timeField(m, "resolvedUpdatedAt");
    t.deletedAt = timeField(m, "deletedAt");
    Value metadata = plainValue(m, "metadata");
    if (const Value* r = metadata.isObject() ? metadata.asObject().get("revision") : nullptr;
        r && r->isNumber() && r->asNumber() >= 1 && r->asNumber() == std::floor(r->asNumber()) && r->asNumber() < 9e15)
      t.revision = static_cast<int64_t>(r->asNumber());
    std::optional<Entry> commentsEntry = m.get("comments");
    if (commentsEntry && commentsEntry->kind == Entry::Kind::kType) {
      TypeRef arr = commentsEntry->asType();
      if (arr.valid() && arr.kind() == TypeKind::kArray) {
        for (const Entry& e : crdt::Array(arr.impl()).toArray()) {
          crdt::Map cm = asMap(e);
          if (!cm.valid()) continue;
          Comment c;
          c.id = stringField(cm, "id");
          c.userId = stringField(cm, "userId");
          c.author = userName(users, c.userId);
          c.createdAt = timeField(cm, "createdAt");
          c.updatedAt = timeField(cm, "updatedAt");
          // The store tests deletedAt for truthiness; 0 is "not deleted".
          Millis deleted = timeField(cm, "deletedAt");
          if (deleted && *deleted != 0) c.deletedAt = deleted;
          c.body = plainValue(cm, "body");
          c.text = commentBodyText(c.body);
          c.reactions = readReactions(asMap(cm.get("reactionsByUser")), users);
          t.comments.push_back(std::move(c));
        }
      }
    }
    out.push_back(std::move(t));
  }
  return out;
}

namespace {

// The runs of one block's text, in order, with a break between separate
// sequences (table cells) so that they never count as adjacent.
void collectRuns(const std::vector<Inline>& content, std::vector<const TextRun*>& runs) {
  for (const Inline& in : content) {
    if (in.kind == Inline::Kind::kText) runs.push_back(&in.run);
    else
      for (const TextRun& r : in.runs) runs.push_back(&r);
  }
  runs.push_back(nullptr);
}

struct AnchorBuilder {
  std::vector<ThreadAnchor> anchors;
  std::map<std::string, size_t> index;
  std::map<std::string, bool> open;  // whether the thread's last stretch is still running

  void block(const Block& b, int depth) {
    std::vector<const TextRun*> runs;
    collectRuns(b.content, runs);
    if (b.table) {
      for (const TableRow& row : b.table->rows)
        for (const TableCell& cell : row.cells) collectRuns(cell.content, runs);
    }
    for (auto& [id, isOpen] : open) isOpen = false;  // a new block starts new stretches
    for (const TextRun* r : runs) {
      if (!r) {
        for (auto& [id, isOpen] : open) isOpen = false;
        continue;
      }
      for (auto& [id, isOpen] : open) {
        if (isOpen && std::find(r->threadIds.begin(), r->threadIds.end(), id) == r->threadIds.end()) isOpen = false;
      }
      for (const std::string& id : r->threadIds) {
        auto [it, inserted] = index.emplace(id, anchors.size());
        if (inserted) anchors.push_back(ThreadAnchor{id, b.id, ""});
        ThreadAnchor& a = anchors[it->second];
        if (!inserted && !open[id]) a.quote += " … ";
        a.quote += r->text;
        open[id] = true;
      }
    }
    if (depth < 200)
      for (const Block& c : b.children) block(c, depth + 1);
  }
};

}  // namespace

std::vector<ThreadAnchor> anchorThreads(const std::vector<Block>& blocks) {
  AnchorBuilder ab;
  for (const Block& b : blocks) ab.block(b, 0);
  return std::move(ab.anchors);
}

std::string isoTime(Millis ms) {
  if (!ms || !std::isfinite(*ms) || std::fabs(*ms) > 8.64e15) return "";
  int64_t t = static_cast<int64_t>(std::trunc(*ms));  // Date keeps whole milliseconds
  int64_t days = t / 86400000;
  int64_t rem = t % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  char year[16];
  if (y >= 0 && y <= 9999) std::snprintf(year, sizeof year, "%04lld", static_cast<long long>(y));
  else std::snprintf(year, sizeof year, "%c%06lld", y < 0 ? '-' : '+', static_cast<long long>(y < 0 ? -y : y));
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s-%02lld-%02lldT%02lld:%02lld:%02lld.%03lldZ", year, static_cast<long long>(m),
                static_cast<long long>(d), static_cast<long long>(rem / 3600000),
                static_cast<long long>(rem / 60000 % 60), static_cast<long long>(rem / 1000 % 60),
                static_cast<long long>(rem % 1000));
  return buf;
}

}  // namespace roundtable::plan
