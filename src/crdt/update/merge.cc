// Merging and diffing updates struct by struct, never integrating them
// (yjs utils/updates.js: LazyStructReader, LazyStructWriter, mergeUpdatesV2,
// diffUpdateV2, convertUpdateFormat, parseUpdateMetaV2).
#include "crdt/update/merge.h"

#include <algorithm>
#include <optional>
#include <deque>

#include "crdt/doc_impl.h"
#include "crdt/string_pool.h"
#include "crdt/structs/content.h"
#include "crdt/update/decoded_update.h"
#include "lib0/decoder.h"

namespace roundtable::crdt {

namespace {

// Reads the structs of one update in the order the update lists them
// (eagerly: updates fit in memory), then leaves its decoder at the delete set.
class StructReader {
 public:
  StructReader(std::span<const uint8_t> update, UpdateFormat format, StringPool& pool, bool filterSkips)
      : dec_(makeUpdateDecoder(format, update)),
        decoded_(decodeStructs(*dec_, pool, false)),
        end_(decoded_.all.size()),
        filterSkips_(filterSkips) {
    advance();
  }
  Struct* curr = nullptr;
  Struct* next() {
    advance();
    return curr;
  }
  UpdateDecoder& decoder() { return *dec_; }
  // Keeps a struct made by slicing alive as long as the reader.
  Struct* own(Struct* s) {
    decoded_.all.push_back(s);
    return s;
  }

 private:
  void advance() {
    do {
      curr = pos_ < end_ ? decoded_.all[pos_++] : nullptr;
    } while (filterSkips_ && curr && curr->isSkip());
  }
  std::unique_ptr<UpdateDecoder> dec_;
  DecodedUpdate decoded_;
  size_t end_;  // the decoded structs; slices owned later follow them
  size_t pos_ = 0;
  bool filterSkips_;
};

// Writes structs client by client (yjs LazyStructWriter): the client and the
// start clock of each run go out at once, the count of structs per run only
// at the end, so the rest is kept in one fragment per run.
class StructWriter {
 public:
  explicit StructWriter(UpdateFormat format) : enc_(makeUpdateEncoder(format)) {}
  void write(const Struct* s, Clock offset) {
    if (written_ > 0 && currClient_ != s->id.client) flush();
    if (written_ == 0) {
      currClient_ = s->id.client;
      enc_->writeClient(s->id.client);
      enc_->rest.writeVarUint(s->id.clock + offset);
    }
    writeStruct(*enc_, s, offset);
    written_++;
  }
  // Writes the structs part (number of runs, then each run) and returns the
  // encoder, for the delete set.
  UpdateEncoder& finishStructs() {
    flush();
    enc_->rest.writeVarUint(runs_.size());
    for (auto& [written, bytes] : runs_) {
      enc_->rest.writeVarUint(written);
      enc_->rest.writeUint8Array(bytes);
    }
    runs_.clear();
    return *enc_;
  }

 private:
  void flush() {
    if (written_ > 0) {
      runs_.emplace_back(written_, enc_->rest.take());
      written_ = 0;
    }
  }
  std::unique_ptr<UpdateEncoder> enc_;
  ClientId currClient_ = 0;
  uint64_t written_ = 0;
  std::vector<std::pair<uint64_t, std::vector<uint8_t>>> runs_;
};

Struct* sliceStruct(StructReader& owner, Struct* left, Clock diff) {
  const ID id{left->id.client, left->id.clock + diff};
  switch (left->kind) {
    case StructKind::kGC:
      return owner.own(new GCStruct(id, left->length - diff));
    case StructKind::kSkip:
      return owner.own(new SkipStruct(id, left->length - diff));
    case StructKind::kItem: {
      Item* l = static_cast<Item*>(left);
      const ID origin{id.client, id.clock - 1};
      Item* item = new Item(id, nullptr, &origin, nullptr, l->rightOriginPtr(), nullptr, l->parentSub,
                            l->content->splice(diff));
      item->info |= l->info & (Item::kParentIsId | Item::kParentIsName);
      if (l->info & Item::kParentIsName) item->parentName = l->parentName;
      else item->parent = l->parent;
      item->parentId = l->parentId;
      return owner.own(item);
    }
  }
  return nullptr;
}

// GC merges with GC and Skip with Skip; items never merge here (yjs
// Item.mergeWith requires `left.right === right`, which unintegrated items lack).
bool mergeLazy(Struct* left, Struct* right) {
  if (left->kind != right->kind || left->isItem()) return false;
  left->length += right->length;
  return true;
}

// yjs sorts its readers by their current struct before every step: higher
// clients first, then lower clocks, then non-Skips first; Array.sort is
// stable. Only the first reader moves in a step, and the stable sort puts it
// back before the readers it ties with. A heap keeps the same order in
// O(log n) a step: ties are broken by `rank`, the update's index for the
// first sort, and for a reader put back a number below every rank given so
// far (the most recent first).
struct QueuedReader {
  StructReader* reader;
  int64_t rank;
};
struct LaterInOrder {
  bool operator()(const QueuedReader& a, const QueuedReader& b) const {
    const Struct* x = a.reader->curr;
    const Struct* y = b.reader->curr;
    if (x->id.client != y->id.client) return x->id.client < y->id.client;
    if (x->id.clock != y->id.clock) return x->id.clock > y->id.clock;
    if (x->isSkip() != y->isSkip()) return x->isSkip();
    return a.rank > b.rank;
  }
};

}  // namespace

std::vector<uint8_t> mergeUpdates(const std::vector<std::vector<uint8_t>>& updates, UpdateFormat format) {
  if (updates.size() == 1) return updates[0];
  StringPool pool;
  std::deque<StructReader> readers;
  std::vector<QueuedReader> heap;
  heap.reserve(updates.size());
  for (const auto& u : updates) {
    readers.emplace_back(u, format, pool, true);
    if (readers.back().curr) heap.push_back({&readers.back(), static_cast<int64_t>(heap.size())});
  }
  std::make_heap(heap.begin(), heap.end(), LaterInOrder{});
  int64_t nextRank = -1;

  struct CurrWrite {
    Struct* s;
    Clock offset;
  };
  std::optional<CurrWrite> currWrite;
  StructWriter writer(format);
  std::vector<std::unique_ptr<Struct>> created;  // Skips made while merging

  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), LaterInOrder{});
    StructReader* currDecoder = heap.back().reader;
    heap.pop_back();
    const ClientId firstClient = currDecoder->curr->id.client;
    // Puts the reader back where the next sort would place it.
    auto requeue = [&] {
      if (!currDecoder->curr) return;
      heap.push_back({currDecoder, nextRank--});
      std::push_heap(heap.begin(), heap.end(), LaterInOrder{});
    };
    if (currWrite) {
      Struct* curr = currDecoder->curr;
      bool iterated = false;
      // Skip what was already written (higher clients come first).
      while (curr && curr->id.clock + curr->length <= currWrite->s->id.clock + currWrite->s->length &&
             curr->id.client >= currWrite->s->id.client) {
        curr = currDecoder->next();
        iterated = true;
      }
      if (!curr || curr->id.client != firstClient ||
          (iterated && curr->id.clock > currWrite->s->id.clock + currWrite->s->length)) {
        requeue();
        continue;
      }
      if (firstClient != currWrite->s->id.client) {
        writer.write(currWrite->s, currWrite->offset);
        currWrite = CurrWrite{curr, 0};
        currDecoder->next();
      } else if (currWrite->s->id.clock + currWrite->s->length < curr->id.clock) {
        // A gap: extend a Skip, or write and start one.
        if (currWrite->s->isSkip()) {
          currWrite->s->length = curr->id.clock + curr->length - currWrite->s->id.clock;
        } else {
          writer.write(currWrite->s, currWrite->offset);
          const Clock diff = curr->id.clock - currWrite->s->id.clock - currWrite->s->length;
          created.push_back(std::make_unique<SkipStruct>(ID{firstClient, currWrite->s->id.clock + currWrite->s->length}, diff));
          currWrite = CurrWrite{created.back().get(), 0};
        }
      } else {
        const Clock end = currWrite->s->id.clock + currWrite->s->length;
        if (end > curr->id.clock) {
          const Clock diff = end - curr->id.clock;
          if (currWrite->s->isSkip()) {
            // Prefer slicing the Skip: the other struct carries more information.
            currWrite->s->length -= diff;
          } else {
            curr = sliceStruct(*currDecoder, curr, diff);
          }
        }
        if (!mergeLazy(currWrite->s, curr)) {
          writer.write(currWrite->s, currWrite->offset);
          currWrite = CurrWrite{curr, 0};
          currDecoder->next();
        }
      }
    } else {
      currWrite = CurrWrite{currDecoder->curr, 0};
      currDecoder->next();
    }
    for (Struct* next = currDecoder->curr;
         next && next->id.client == firstClient && next->id.clock == currWrite->s->id.clock + currWrite->s->length &&
         !next->isSkip();
         next = currDecoder->next()) {
      writer.write(currWrite->s, currWrite->offset);
      currWrite = CurrWrite{next, 0};
    }
    requeue();
  }
  if (currWrite) writer.write(currWrite->s, currWrite->offset);
  UpdateEncoder& out = writer.finishStructs();
  std::vector<DeleteSet> sets;
  for (auto& r : readers) sets.push_back(DeleteSet::read(r.decoder()));
  DeleteSet::merge(sets).write(out);
  return out.finish();
}

std::vector<uint8_t> diffUpdate(std::span<const uint8_t> update, std::span<const uint8_t> svBytes, UpdateFormat format) {
  const StateVector state = decodeStateVector(svBytes);
  StringPool pool;
  StructReader reader(update, format, pool, false);
  StructWriter writer(format);
  while (reader.curr) {
    Struct* curr = reader.curr;
    const ClientId currClient = curr->id.client;
    const Clock svClock = stateOf(state, currClient);
    if (curr->isSkip()) {
      reader.next();  // the first written struct should not be a skip
      continue;
    }
    if (curr->id.clock + curr->length > svClock) {
      writer.write(curr, svClock > curr->id.clock ? svClock - curr->id.clock : 0);
      reader.next();
      while (reader.curr && reader.curr->id.client == currClient) {
        writer.write(reader.curr, 0);
        reader.next();
      }
    } else {
      while (reader.curr && reader.curr->id.client == currClient && reader.curr->id.clock + reader.curr->length <= svClock) {
        reader.next();
      }
    }
  }
  UpdateEncoder& out = writer.finishStructs();
  DeleteSet::read(reader.decoder()).write(out);
  return out.finish();
}

std::vector<uint8_t> encodeStateVectorFromUpdate(std::span<const uint8_t> update, UpdateFormat format) {
  StringPool pool;
  StructReader reader(update, format, pool, false);
  StateVector sv;
  Struct* curr = reader.curr;
  if (curr) {
    ClientId currClient = curr->id.client;
    bool stopCounting = curr->id.clock != 0;
    Clock currClock = stopCounting ? 0 : curr->id.clock + curr->length;
    for (; curr; curr = reader.next()) {
      if (currClient != curr->id.client) {
        if (currClock != 0) sv.emplace_back(currClient, currClock);
        currClient = curr->id.client;
        currClock = 0;
        stopCounting = curr->id.clock != 0;
      }
      if (curr->isSkip()) stopCounting = true;
      if (!stopCounting) currClock = curr->id.clock + curr->length;
    }
    if (currClock != 0) sv.emplace_back(currClient, currClock);
  }
  // Written in the order found, like yjs (not sorted, repeats kept).
  return encodeStateVectorInOrder(sv);
}

void parseUpdateMeta(std::span<const uint8_t> update, UpdateFormat format, StateVector* from, StateVector* to) {
  // JavaScript Maps: a client set again keeps its first position.
  auto set = [](StateVector& m, ClientId client, Clock clock) {
    for (auto& [c, v] : m) {
      if (c == client) {
        v = clock;
        return;
      }
    }
    m.emplace_back(client, clock);
  };
  from->clear();
  to->clear();
  StringPool pool;
  StructReader reader(update, format, pool, false);
  Struct* curr = reader.curr;
  if (!curr) return;
  ClientId currClient = curr->id.client;
  Clock currClock = curr->id.clock;
  set(*from, currClient, currClock);
  for (; curr; curr = reader.next()) {
    if (currClient != curr->id.client) {
      set(*to, currClient, currClock);
      set(*from, curr->id.client, curr->id.clock);
      currClient = curr->id.client;
    }
    currClock = curr->id.clock + curr->length;
  }
  set(*to, currClient, currClock);
}

std::vector<uint8_t> convertUpdateFormat(std::span<const uint8_t> update, UpdateFormat from, UpdateFormat to) {
  StringPool pool;
  StructReader reader(update, from, pool, false);
  StructWriter writer(to);
  for (Struct* curr = reader.curr; curr; curr = reader.next()) writer.write(curr, 0);
  UpdateEncoder& out = writer.finishStructs();
  DeleteSet::read(reader.decoder()).write(out);
  return out.finish();
}

}  // namespace roundtable::crdt
