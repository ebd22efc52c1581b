// Merging and diffing updates struct by struct, never integrating them
// (yjs utils/updates.js: LazyStructReader, LazyStructWriter, mergeUpdatesV2,
// diffUpdateV2).
#include "crdt/update/merge.h"

#include <algorithm>
#include <optional>

#include "crdt/doc_impl.h"
#include "lib0/decoder.h"
#include "crdt/string_pool.h"
#include "crdt/structs/content.h"
#include "crdt/update/coder_v1.h"
#include "crdt/update/decoded_update.h"

namespace roundtable::crdt {

namespace {

// Reads the structs of one update in order (eagerly; updates fit in memory).
class StructReader {
 public:
  StructReader(std::span<const uint8_t> update, StringPool& pool, bool filterSkips)
      : dec_(update), decoded_(decodeStructsV1(dec_, pool)), filterSkips_(filterSkips) {
    for (auto& c : decoded_.clients)
      for (Struct* s : c.refs) order_.push_back(s);
    advance();
  }
  Struct* curr = nullptr;
  Struct* next() {
    advance();
    return curr;
  }
  UpdateDecoderV1& decoder() { return dec_; }
  // Keeps a struct made by slicing alive as long as the reader.
  Struct* own(Struct* s) {
    decoded_.all.push_back(s);
    return s;
  }

 private:
  void advance() {
    do {
      curr = pos_ < order_.size() ? order_[pos_++] : nullptr;
    } while (filterSkips_ && curr && curr->isSkip());
  }
  UpdateDecoderV1 dec_;
  DecodedUpdate decoded_;
  std::vector<Struct*> order_;
  size_t pos_ = 0;
  bool filterSkips_;
};

// Writes structs client by client, counting them per client run.
class StructWriter {
 public:
  void write(const Struct* s, Clock offset) {
    if (written_ > 0 && currClient_ != s->id.client) flush();
    if (written_ == 0) {
      currClient_ = s->id.client;
      enc_.writeClient(s->id.client);
      enc_.rest.writeVarUint(s->id.clock + offset);
    }
    writeStruct(enc_, s, offset);
    written_++;
  }
  // Writes the structs part: number of client runs, then each run.
  void finish(UpdateEncoderV1& out) {
    flush();
    out.rest.writeVarUint(runs_.size());
    for (auto& [written, bytes] : runs_) {
      out.rest.writeVarUint(written);
      out.rest.writeUint8Array(bytes);
    }
  }

 private:
  void flush() {
    if (written_ > 0) {
      runs_.emplace_back(written_, enc_.take());
      written_ = 0;
    }
  }
  UpdateEncoderV1 enc_;
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

}  // namespace

std::vector<uint8_t> mergeUpdatesV1(const std::vector<std::vector<uint8_t>>& updates) {
  if (updates.size() == 1) return updates[0];
  StringPool pool;
  std::vector<std::unique_ptr<StructReader>> readers;
  for (const auto& u : updates) readers.push_back(std::make_unique<StructReader>(u, pool, true));
  std::vector<StructReader*> lazy;
  for (auto& r : readers) lazy.push_back(r.get());

  struct CurrWrite {
    Struct* s;
    Clock offset;
  };
  std::optional<CurrWrite> currWrite;
  StructWriter writer;
  std::vector<std::unique_ptr<Struct>> created;  // Skips made while merging

  while (true) {
    lazy.erase(std::remove_if(lazy.begin(), lazy.end(), [](StructReader* r) { return r->curr == nullptr; }), lazy.end());
    std::stable_sort(lazy.begin(), lazy.end(), [](StructReader* a, StructReader* b) {
      if (a->curr->id.client == b->curr->id.client) {
        if (a->curr->id.clock == b->curr->id.clock) {
          if (a->curr->kind == b->curr->kind) return false;
          return !a->curr->isSkip() && b->curr->isSkip();
        }
        return a->curr->id.clock < b->curr->id.clock;
      }
      return a->curr->id.client > b->curr->id.client;
    });
    if (lazy.empty()) break;
    StructReader* currDecoder = lazy[0];
    const ClientId firstClient = currDecoder->curr->id.client;
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
  }
  if (currWrite) writer.write(currWrite->s, currWrite->offset);
  UpdateEncoderV1 out;
  writer.finish(out);
  std::vector<DeleteSet> sets;
  for (auto& r : readers) sets.push_back(DeleteSet::read(r->decoder()));
  DeleteSet::merge(sets).write(out);
  return out.take();
}

std::vector<uint8_t> diffUpdateV1(std::span<const uint8_t> update, std::span<const uint8_t> svBytes) {
  const StateVector state = decodeStateVector(svBytes);
  StringPool pool;
  StructReader reader(update, pool, false);
  StructWriter writer;
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
  UpdateEncoderV1 out;
  writer.finish(out);
  DeleteSet::read(reader.decoder()).write(out);
  return out.take();
}

std::vector<uint8_t> encodeStateVectorFromUpdateV1(std::span<const uint8_t> update) {
  StringPool pool;
  StructReader reader(update, pool, false);
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
  // Written in the order found, like yjs (not sorted).
  return encodeStateVectorInOrder(sv);
}

}  // namespace roundtable::crdt
