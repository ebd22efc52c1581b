#include "sync/awareness.h"

#include <algorithm>
#include <stdexcept>
#include <utility>

#include "lib0/decoder.h"
#include "lib0/encoder.h"
#include "lib0/json.h"

namespace roundtable::sync {
namespace {

// One decoded, checked entry of an awareness update.
struct Incoming {
  uint64_t client;
  uint64_t clock;
  std::optional<std::string> state;  // re-serialized JSON; nullopt for null
};

// The re-serialized JSON of the values JavaScript's `||` treats as false.
bool isFalsyJSON(const std::string& json) { return json == "false" || json == "0" || json == "\"\""; }

// What a state costs in the byte budget.
size_t cost(const std::optional<std::string>& state) { return state ? state->size() + kAwarenessEntryOverhead : 0; }

}  // namespace

std::vector<uint64_t> AwarenessChanges::all() const {
  std::vector<uint64_t> out;
  out.reserve(added.size() + updated.size() + removed.size());
  out.insert(out.end(), added.begin(), added.end());
  out.insert(out.end(), updated.begin(), updated.end());
  out.insert(out.end(), removed.begin(), removed.end());
  return out;
}

Awareness::Awareness(AwarenessLimits limits) : limits_(limits) {}

Status Awareness::applyUpdate(std::span<const uint8_t> update, int64_t nowMs, AwarenessChanges* changes) {
  return apply(0, update, nowMs, changes, nullptr);
}

Status Awareness::applyUpdateFrom(uint64_t owner, std::span<const uint8_t> update, int64_t nowMs,
                                  AwarenessChanges* changes, size_t* dropped) {
  return apply(owner, update, nowMs, changes, dropped);
}

std::vector<uint64_t> Awareness::clientsOwnedBy(const std::function<bool(uint64_t owner)>& pick) const {
  std::vector<std::pair<uint64_t, uint64_t>> byOrder;
  for (const auto& [client, entry] : entries_)
    if (entry.state && pick(entry.owner)) byOrder.emplace_back(entry.order, client);
  std::sort(byOrder.begin(), byOrder.end());
  std::vector<uint64_t> out;
  for (auto& [order, client] : byOrder) out.push_back(client);
  return out;
}

size_t Awareness::owned(uint64_t owner) const {
  auto it = owned_.find(owner);
  return it == owned_.end() ? 0 : it->second;
}

Status Awareness::apply(uint64_t owner, std::span<const uint8_t> update, int64_t nowMs, AwarenessChanges* changes,
                        size_t* dropped) {
  if (changes) *changes = {};

  // 1. Decode and check every entry.
  std::vector<Incoming> incoming;
  try {
    lib0::Decoder d(update);
    const uint64_t count = d.readVarUint();
    // An entry takes at least 3 bytes: never reserve from the claimed count alone.
    incoming.reserve(std::min<uint64_t>(count, d.remaining() / 3));
    for (uint64_t i = 0; i < count; ++i) {
      Incoming in;
      in.client = d.readVarUint();
      in.clock = d.readVarUint();
      const std::string text = d.readVarString();
      if (text.size() > limits_.maxStateBytes) {
        return Status::ResourceExhausted("awareness state of " + std::to_string(text.size()) + " bytes exceeds " +
                                         std::to_string(limits_.maxStateBytes));
      }
      const lib0::Value value = lib0::parseJSON(text);
      if (!value.isNull()) {
        in.state = lib0::toJSON(value);
        if (in.state->size() > limits_.maxStateBytes) {
          return Status::ResourceExhausted("awareness state exceeds " + std::to_string(limits_.maxStateBytes) +
                                           " bytes");
        }
      }
      incoming.push_back(std::move(in));
    }
  } catch (const lib0::DecodeError& e) {
    return Status::InvalidArgument(std::string("malformed awareness update: ") + e.what());
  } catch (const std::invalid_argument& e) {  // toJSON: nesting too deep
    return Status::InvalidArgument(std::string("malformed awareness state: ") + e.what());
  }

  // 2. Apply them in order to a scratch overlay, as applyAwarenessUpdate does
  // to its maps; an entry sees the effect of earlier entries for its client.
  // With an owner, an entry past a quota is skipped (see "Quotas" in the header).
  std::unordered_map<uint64_t, Entry> overlay;
  AwarenessChanges events;
  size_t withState = withState_;
  size_t bytes = stateBytes_;
  uint64_t nextOrder = nextOrder_;
  std::unordered_map<uint64_t, int64_t> ownedDelta;  // owner -> change in owned clients
  size_t ownedByOwner = owner ? owned(owner) : 0;
  size_t skipped = 0;
  for (Incoming& in : incoming) {
    const Entry* cur = nullptr;
    if (auto it = overlay.find(in.client); it != overlay.end()) {
      cur = &it->second;
    } else if (auto jt = entries_.find(in.client); jt != entries_.end()) {
      cur = &jt->second;
    }
    const bool known = cur != nullptr;
    const bool hadState = known && cur->state.has_value();
    const uint64_t currClock = known ? cur->clock : 0;
    if (!(currClock < in.clock || (currClock == in.clock && !in.state && hadState))) continue;

    const size_t oldCost = hadState ? cost(cur->state) : 0;
    const size_t newCost = cost(in.state);
    if (owner != 0 && in.state) {
      const bool fitsBytes = newCost <= oldCost || bytes - oldCost + newCost <= limits_.maxTotalStateBytes;
      const bool fitsCount =
          hadState || (withState < limits_.maxClients && ownedByOwner < limits_.maxClientsPerConnection);
      if (!fitsBytes || !fitsCount) {
        ++skipped;
        continue;
      }
    }

    Entry next;
    next.clock = in.clock;
    next.lastUpdated = nowMs;
    next.order = hadState ? cur->order : nextOrder;
    bytes = bytes - oldCost + newCost;
    if (in.state) {
      if (!hadState) {
        ++withState;
        ++nextOrder;
        if (owner != 0) {
          ++ownedDelta[owner];
          ++ownedByOwner;
        }
      }
      next.owner = hadState ? cur->owner : owner;
      next.state = std::move(in.state);
    } else if (hadState) {
      --withState;
      if (cur->owner != 0) {
        --ownedDelta[cur->owner];
        if (cur->owner == owner) --ownedByOwner;
      }
    }

    if (!known && next.state) {
      events.added.push_back(in.client);
    } else if (known && !next.state) {
      events.removed.push_back(in.client);
    } else if (next.state) {
      events.updated.push_back(in.client);
    }
    overlay[in.client] = std::move(next);  // invalidates cur
  }
  // Without an owner the limits refuse the whole update (with one, the
  // quotas above kept the table within them).
  if (owner == 0 && withState > limits_.maxClients) {
    return Status::ResourceExhausted("more than " + std::to_string(limits_.maxClients) + " awareness clients");
  }
  if (owner == 0 && bytes > limits_.maxTotalStateBytes && bytes > stateBytes_) {
    return Status::ResourceExhausted("awareness states over " + std::to_string(limits_.maxTotalStateBytes) +
                                     " bytes in all");
  }

  // 3. Commit.
  for (auto& [client, entry] : overlay) entries_[client] = std::move(entry);
  withState_ = withState;
  stateBytes_ = bytes;
  nextOrder_ = nextOrder;
  for (auto [who, delta] : ownedDelta) {
    size_t& n = owned_[who];
    n = static_cast<size_t>(static_cast<int64_t>(n) + delta);
    if (n == 0) owned_.erase(who);
  }
  capDeparted();
  if (changes) *changes = std::move(events);
  if (dropped) *dropped += skipped;
  return Status::Ok();
}

std::vector<uint8_t> Awareness::encodeUpdate(std::span<const uint64_t> clients) const {
  std::vector<const Entry*> found;
  std::vector<uint64_t> ids;
  for (uint64_t client : clients) {
    if (auto it = entries_.find(client); it != entries_.end()) {
      found.push_back(&it->second);
      ids.push_back(client);
    }
  }
  lib0::Encoder e;
  e.writeVarUint(found.size());
  for (size_t i = 0; i < found.size(); ++i) {
    const Entry& entry = *found[i];
    e.writeVarUint(ids[i]);
    e.writeVarUint(entry.clock);
    e.writeVarString(entry.state && !isFalsyJSON(*entry.state) ? *entry.state : "null");
  }
  return e.take();
}

std::vector<uint64_t> Awareness::clientsWithState() const {
  std::vector<std::pair<uint64_t, uint64_t>> byOrder;  // (order, client)
  byOrder.reserve(withState_);
  for (const auto& [client, entry] : entries_) {
    if (entry.state) byOrder.emplace_back(entry.order, client);
  }
  std::sort(byOrder.begin(), byOrder.end());
  std::vector<uint64_t> out;
  out.reserve(byOrder.size());
  for (const auto& [order, client] : byOrder) out.push_back(client);
  return out;
}

std::vector<uint64_t> Awareness::remove(std::span<const uint64_t> clients, int64_t nowMs) {
  std::vector<uint64_t> removed;
  for (uint64_t client : clients) {
    auto it = entries_.find(client);
    if (it == entries_.end() || !it->second.state) continue;
    clearState(it->second, nowMs);
    removed.push_back(client);
  }
  capDeparted();
  return removed;
}

void Awareness::clearState(Entry& entry, int64_t nowMs) {
  stateBytes_ -= cost(entry.state);
  entry.state.reset();
  entry.lastUpdated = nowMs;  // when it left: departed clients are forgotten by age
  --withState_;
  if (entry.owner != 0) {
    if (auto it = owned_.find(entry.owner); it != owned_.end() && --it->second == 0) owned_.erase(it);
    entry.owner = 0;
  }
}

std::vector<uint64_t> Awareness::removeOwned(uint64_t owner, int64_t nowMs) {
  if (owner == 0 || owned(owner) == 0) return {};
  std::vector<std::pair<uint64_t, uint64_t>> byOrder;  // (order, client)
  for (const auto& [client, entry] : entries_) {
    if (entry.state && entry.owner == owner) byOrder.emplace_back(entry.order, client);
  }
  std::sort(byOrder.begin(), byOrder.end());
  std::vector<uint64_t> clients;
  clients.reserve(byOrder.size());
  for (const auto& [order, client] : byOrder) clients.push_back(client);
  return remove(clients, nowMs);
}

std::vector<uint64_t> Awareness::removeOutdated(int64_t nowMs, int64_t timeoutMs) {
  std::vector<uint64_t> outdated;
  for (uint64_t client : clientsWithState()) {
    if (nowMs - entries_.at(client).lastUpdated >= timeoutMs) outdated.push_back(client);
  }
  std::erase_if(entries_, [&](const auto& kv) {
    return !kv.second.state && nowMs - kv.second.lastUpdated > timeoutMs;
  });
  return remove(outdated, nowMs);
}

std::optional<std::string> Awareness::stateJSON(uint64_t client) const {
  auto it = entries_.find(client);
  if (it == entries_.end()) return std::nullopt;
  return it->second.state;
}

void Awareness::capDeparted() {
  const size_t departed = entries_.size() - withState_;
  if (departed <= limits_.maxClients) return;
  std::vector<std::pair<int64_t, uint64_t>> gone;  // (lastUpdated, client)
  gone.reserve(departed);
  for (const auto& [client, entry] : entries_) {
    if (!entry.state) gone.emplace_back(entry.lastUpdated, client);
  }
  // Keep the most recently departed half of the limit.
  const size_t forget = departed - limits_.maxClients / 2;
  std::nth_element(gone.begin(), gone.begin() + forget, gone.end());
  for (size_t i = 0; i < forget; ++i) entries_.erase(gone[i].second);
}

std::vector<uint8_t> encodeAwarenessEntry(uint64_t client, uint64_t clock, std::string_view stateJson) {
  lib0::Encoder e;
  e.writeVarUint(1);
  e.writeVarUint(client);
  e.writeVarUint(clock);
  e.writeVarString(stateJson);
  return e.take();
}

}  // namespace roundtable::sync
