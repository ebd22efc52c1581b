#include "crdt/store/delete_set.h"

#include <algorithm>

#include "crdt/update/with_encoder.h"

namespace roundtable::crdt {

std::vector<DeleteItem>* DeleteSet::find(ClientId client) {
  for (auto& [c, items] : clients)
    if (c == client) return &items;
  return nullptr;
}

const std::vector<DeleteItem>* DeleteSet::find(ClientId client) const {
  for (auto& [c, items] : clients)
    if (c == client) return &items;
  return nullptr;
}

void DeleteSet::add(ClientId client, Clock clock, Clock len) {
  auto* items = find(client);
  if (!items) {
    clients.emplace_back(client, std::vector<DeleteItem>{});
    items = &clients.back().second;
  }
  items->push_back(DeleteItem{clock, len});
}

void DeleteSet::sortAndMerge() {
  for (auto& [client, dels] : clients) {
    std::sort(dels.begin(), dels.end(), [](const DeleteItem& a, const DeleteItem& b) { return a.clock < b.clock; });
    size_t j = 1;
    for (size_t i = 1; i < dels.size(); i++) {
      DeleteItem& left = dels[j - 1];
      const DeleteItem right = dels[i];
      if (left.clock + left.len >= right.clock) {
        left.len = std::max(left.len, right.clock + right.len - left.clock);
      } else {
        if (j < i) dels[j] = right;
        j++;
      }
    }
    if (!dels.empty()) dels.resize(j);
  }
}

bool DeleteSet::isDeleted(ID id) const {
  const auto* dis = find(id.client);
  if (!dis) return false;
  // binary search (yjs findIndexDS)
  size_t left = 0, right = dis->size();
  while (left < right) {
    size_t mid = (left + right) / 2;
    const DeleteItem& d = (*dis)[mid];
    if (d.clock <= id.clock) {
      if (id.clock < d.clock + d.len) return true;
      left = mid + 1;
    } else {
      right = mid;
    }
  }
  return false;
}

void DeleteSet::write(UpdateEncoder& encoder) const {
  withEncoder(encoder, [&](auto& enc) {
    enc.rest.writeVarUint(clients.size());
    std::vector<const std::pair<ClientId, std::vector<DeleteItem>>*> sorted;
    sorted.reserve(clients.size());
    for (auto& c : clients) sorted.push_back(&c);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first > b->first; });
    for (auto* entry : sorted) {
      enc.resetDsCurVal();
      enc.rest.writeVarUint(entry->first);
      enc.rest.writeVarUint(entry->second.size());
      for (const DeleteItem& item : entry->second) {
        enc.writeDsClock(item.clock);
        enc.writeDsLen(item.len);
      }
    }
  });
}

DeleteSet DeleteSet::read(UpdateDecoder& dec) {
  DeleteSet ds;
  uint64_t numClients = dec.rest.readVarUint();
  for (uint64_t i = 0; i < numClients; i++) {
    dec.resetDsCurVal();
    ClientId client = dec.readRestClientId();
    uint64_t numberOfDeletes = dec.rest.readVarUint();
    if (numberOfDeletes > dec.rest.remaining()) throw lib0::DecodeError("delete set claims more ranges than bytes");
    if (numberOfDeletes > 0) {
      auto* items = ds.find(client);
      if (!items) {
        ds.clients.emplace_back(client, std::vector<DeleteItem>{});
        items = &ds.clients.back().second;
      }
      for (uint64_t k = 0; k < numberOfDeletes; k++) {
        Clock clock = dec.readDsClock();
        Clock len = dec.readDsLen();
        if (clock + len > kMaxClock) throw lib0::DecodeError("delete range beyond 2^53");
        items->push_back(DeleteItem{clock, len});
      }
    }
  }
  return ds;
}

DeleteSet DeleteSet::merge(const std::vector<DeleteSet>& sets) {
  DeleteSet merged;
  for (size_t i = 0; i < sets.size(); i++) {
    for (const auto& [client, dels] : sets[i].clients) {
      if (merged.find(client)) continue;
      std::vector<DeleteItem> all = dels;
      for (size_t k = i + 1; k < sets.size(); k++) {
        if (const auto* more = sets[k].find(client)) all.insert(all.end(), more->begin(), more->end());
      }
      merged.clients.emplace_back(client, std::move(all));
    }
  }
  merged.sortAndMerge();
  return merged;
}

}  // namespace roundtable::crdt
