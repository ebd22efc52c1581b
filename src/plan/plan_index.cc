#include "plan/plan_index.h"

#include <algorithm>

namespace roundtable::plan {

namespace {

lib0::Value toValue(const PlanSummary& s) {
  lib0::Value::Object o;
  o.set("id", s.id).set("title", s.title).set("status", s.status).set("createdAt", s.createdAt).set("updatedAt", s.updatedAt);
  if (s.repo) o.set("repo", *s.repo);
  return lib0::Value(std::move(o));
}

std::optional<PlanSummary> fromValue(const lib0::Value& v) {
  if (!v.isObject()) return std::nullopt;
  const auto& o = v.asObject();
  auto str = [&](const char* k) -> const lib0::Value* {
    const lib0::Value* f = o.get(k);
    return f && f->isString() ? f : nullptr;
  };
  auto num = [&](const char* k) { const lib0::Value* f = o.get(k); return f && f->isNumber() ? f->asNumber() : 0.0; };
  if (!str("id") || !str("title") || !str("status")) return std::nullopt;
  PlanSummary summary{str("id")->asString(), str("title")->asString(), str("status")->asString(), num("createdAt"),
                      num("updatedAt")};
  if (const lib0::Value* repo = str("repo")) summary.repo = repo->asString();
  return summary;
}

}  // namespace

PlanSummary summaryOf(const PlanMetadata& m) { return {m.id, m.title, m.status, m.createdAt, m.updatedAt, m.repo}; }

namespace {

// readIndex's order: newest first, then by id, descending.
bool before(double createdAtA, const std::string& idA, double createdAtB, const std::string& idB) {
  return createdAtA != createdAtB ? createdAtA > createdAtB : idA > idB;
}

// A cursor is "<createdAt>:<id>" of the last plan of a page.
std::string cursorOf(const PlanSummary& s) { return std::to_string(static_cast<int64_t>(s.createdAt)) + ":" + s.id; }

}  // namespace

Status pageOf(const std::vector<PlanSummary>& newestFirst, const IndexQuery& query, IndexPage* out) {
  *out = IndexPage{};
  double afterCreatedAt = 0;
  std::string afterId;
  bool fromStart = query.cursor.empty();
  if (!fromStart) {
    size_t colon = query.cursor.find(':');
    std::string_view ms = std::string_view(query.cursor).substr(0, colon);
    if (colon == std::string::npos || ms.empty() || ms.size() > 16 ||
        ms.find_first_not_of("0123456789") != std::string_view::npos || colon + 1 == query.cursor.size())
      return Status::InvalidArgument("'cursor' is not one that list_plans gave (pass its nextCursor as it is)");
    afterCreatedAt = static_cast<double>(std::stoll(std::string(ms)));
    afterId = query.cursor.substr(colon + 1);
  }
  for (const PlanSummary& s : newestFirst) {
    if (!query.repo.empty() && s.repo != query.repo) continue;
    ++out->matching;
    if (!fromStart && !before(afterCreatedAt, afterId, static_cast<double>(static_cast<int64_t>(s.createdAt)), s.id))
      continue;
    if (out->plans.size() < query.limit) {
      out->plans.push_back(s);
    } else if (out->nextCursor.empty()) {
      out->nextCursor = cursorOf(out->plans.back());
    }
  }
  return Status::Ok();
}

std::vector<PlanSummary> readIndex(crdt::Doc& index) {
  std::vector<PlanSummary> out;
  crdt::Map plans = index.getMap(kIndexPlansKey);
  if (!plans.valid()) return out;
  for (const std::string& key : plans.keys()) {
    auto entry = plans.get(key);
    if (!entry || entry->kind != crdt::Entry::Kind::kValue) continue;
    if (auto s = fromValue(entry->value); s && s->id == key) out.push_back(std::move(*s));
  }
  std::sort(out.begin(), out.end(), [](const PlanSummary& a, const PlanSummary& b) {
    return a.createdAt != b.createdAt ? a.createdAt > b.createdAt : a.id > b.id;
  });
  return out;
}

bool upsertIndex(crdt::Doc& index, const PlanSummary& summary) {
  crdt::Map plans = index.getMap(kIndexPlansKey);
  if (!plans.valid()) return false;
  if (auto entry = plans.get(summary.id); entry && entry->kind == crdt::Entry::Kind::kValue) {
    if (auto old = fromValue(entry->value); old && *old == summary) return false;
  }
  plans.set(summary.id, toValue(summary));
  return true;
}

}  // namespace roundtable::plan
