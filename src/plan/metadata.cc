#include "plan/metadata.h"

#include <cmath>

namespace roundtable::plan {

namespace {

std::optional<lib0::Value> valueOf(const crdt::Map& map, const char* key) {
  auto entry = map.get(key);
  if (!entry || entry->kind != crdt::Entry::Kind::kValue) return std::nullopt;
  return entry->value;
}

std::optional<std::string> stringOf(const crdt::Map& map, const char* key) {
  auto v = valueOf(map, key);
  if (!v || !v->isString()) return std::nullopt;
  return v->asString();
}

std::optional<double> numberOf(const crdt::Map& map, const char* key) {
  auto v = valueOf(map, key);
  if (!v || !v->isNumber() || !std::isfinite(v->asNumber())) return std::nullopt;
  return v->asNumber();
}

void setIfChanged(crdt::Map& map, const char* key, const lib0::Value& value) {
  auto old = valueOf(map, key);
  if (!old || !(*old == value)) map.set(key, value);
}

template <typename T>
void setOptional(crdt::Map& map, const char* key, const std::optional<T>& value) {
  if (value) {
    setIfChanged(map, key, lib0::Value(*value));
  } else if (map.has(key)) {
    map.erase(key);
  }
}

}  // namespace

std::optional<PlanMetadata> readMetadata(crdt::Doc& doc) {
  // Not a plan (or not yet): leave the document without a metadata root.
  if (!doc.hasRoot(kMetadataKey)) return std::nullopt;
  crdt::Map map = doc.getMap(kMetadataKey);
  if (!map.valid()) return std::nullopt;
  PlanMetadata m;
  auto id = stringOf(map, "id");
  if (!id || id->empty()) return std::nullopt;
  m.id = *id;
  m.title = stringOf(map, "title").value_or("");
  m.status = stringOf(map, "status").value_or(statusName(PlanStatus::kPendingReview));
  m.repo = stringOf(map, "repo");
  if (auto pr = numberOf(map, "pr"); pr && *pr == std::floor(*pr)) m.pr = static_cast<int64_t>(*pr);
  m.createdAt = numberOf(map, "createdAt").value_or(0);
  m.updatedAt = numberOf(map, "updatedAt").value_or(m.createdAt);
  m.reviewedAt = numberOf(map, "reviewedAt");
  m.reviewedBy = stringOf(map, "reviewedBy");
  m.revision = static_cast<int64_t>(numberOf(map, "revision").value_or(1));
  m.revisedAt = numberOf(map, "revisedAt");
  if (auto r = numberOf(map, "reviewedRevision"); r && *r == std::floor(*r)) m.reviewedRevision = static_cast<int64_t>(*r);
  m.decisionNote = stringOf(map, "decisionNote");
  return m;
}

void writeMetadata(crdt::Doc& doc, const PlanMetadata& m) {
  crdt::Map map = doc.getMap(kMetadataKey);
  doc.transact([&](crdt::Transaction&) {
    setIfChanged(map, "id", m.id);
    setIfChanged(map, "title", m.title);
    setIfChanged(map, "status", m.status);
    setOptional(map, "repo", m.repo);
    setOptional(map, "pr", m.pr);
    setIfChanged(map, "createdAt", m.createdAt);
    setIfChanged(map, "updatedAt", m.updatedAt);
    setOptional(map, "reviewedAt", m.reviewedAt);
    setOptional(map, "reviewedBy", m.reviewedBy);
    setIfChanged(map, "revision", m.revision);
    setOptional(map, "revisedAt", m.revisedAt);
    setOptional(map, "reviewedRevision", m.reviewedRevision);
    setOptional(map, "decisionNote", m.decisionNote);
  });
}

const char* statusName(PlanStatus status) {
  switch (status) {
    case PlanStatus::kDraft:
      return "draft";
    case PlanStatus::kPendingReview:
      return "pending_review";
    case PlanStatus::kApproved:
      return "approved";
    case PlanStatus::kChangesRequested:
      return "changes_requested";
  }
  return "";  // not reached: the switch names every status
}

std::optional<PlanStatus> parseStatus(std::string_view name) {
  for (PlanStatus s : kPlanStatuses)
    if (name == statusName(s)) return s;
  return std::nullopt;
}

bool isReviewDecision(const std::string& status) {
  auto s = parseStatus(status);
  return s == PlanStatus::kApproved || s == PlanStatus::kChangesRequested;
}

}  // namespace roundtable::plan
