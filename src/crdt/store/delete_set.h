// DeleteSet: per client, ranges of deleted clocks (yjs utils/DeleteSet.js).
#pragma once

#include <utility>
#include <vector>

#include "crdt/id.h"

namespace roundtable::crdt {

class UpdateEncoder;
class UpdateDecoder;
class StructStore;

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
  static DeleteSet fromStore(const StructStore& store);
  static DeleteSet merge(const std::vector<DeleteSet>& sets);
};

}  // namespace roundtable::crdt
