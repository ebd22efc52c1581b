#include "plan/plan_index.h"

#include <algorithm>

namespace roundtable::plan {

namespace {

lib0::Value toValue(const PlanSummary& s) {
  lib0::Value::Object o;
  o.set("id", s.id).set("title", s.title).set("status", s.status).set("createdAt", s.createdAt).set("updatedAt", s.updatedAt);
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
  return PlanSummary{str("id")->asString(), str("title")->asString(), str("status")->asString(), num("createdAt"),
                     num("updatedAt")};
}

}  // namespace

PlanSummary summaryOf(const PlanMetadata& m) { return {m.id, m.title, m.status, m.createdAt, m.updatedAt}; }

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
