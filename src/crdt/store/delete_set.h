// DeleteSet: per client, ranges of deleted clocks (yjs utils/DeleteSet.js).
#pragma once

#include <utility>
#include <vector>

#include "crdt/id.h"
#include "crdt/structs/struct.h"

namespace roundtable::crdt {

class UpdateEncoder;
class UpdateDecoder;

struct DeleteItem {
  Clock clock;
  Clock len;
};

class DeleteSet {
 public:
  // Clients in insertion order (a flat list: documents have few clients).
  std::vector<std::pair<ClientId, std::vector<DeleteItem>>> clients;

  bool empty() const { return clients.empty(); }
  void add(ClientId client, Clock clock, Clock len);
  std::vector<DeleteItem>* find(ClientId client);
  const std::vector<DeleteItem>* find(ClientId client) const;
  // Sorts each client's ranges and merges touching or overlapping ones.
  void sortAndMerge();
  bool isDeleted(ID id) const;

  // Writes clients in descending id order (yjs writeDeleteSet).
  void write(UpdateEncoder& enc) const;
  static DeleteSet read(UpdateDecoder& dec);
  static DeleteSet merge(const std::vector<DeleteSet>& sets);
};

// Adds `s` to `ranges` if it is deleted, extending the last range when `s`
// starts where that range ends. Called on a client's structs in clock order
// (no gaps), it gives that client's part of the store's delete set (yjs
// createDeleteSetFromStructStore).
inline void addIfDeleted(std::vector<DeleteItem>& ranges, const Struct* s) {
  if (!s->deleted()) return;
  if (!ranges.empty() && ranges.back().clock + ranges.back().len == s->id.clock) {
    ranges.back().len += s->length;
  } else {
    ranges.push_back(DeleteItem{s->id.clock, s->length});
  }
}

}  // namespace roundtable::crdt
