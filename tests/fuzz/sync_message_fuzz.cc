// libFuzzer target: one y-websocket frame through decodeMessage; awareness
// frames are applied to one table that lives across inputs, as a hub's table
// lives across messages. Besides the sanitizers, it checks the promises of
// message.h and awareness.h and aborts when one breaks:
//  * a decoded message re-encodes to a frame that decodes to the same message;
//  * a rejected awareness update leaves the table byte-for-byte unchanged;
//  * after an accepted one the table stays within its limits, and what it
//    encodes is accepted by a fresh table with the same limits;
//  * the same update applied on behalf of a connection (applyUpdateFrom, the
//    hub's path; the owner is picked from the input's length) to a second
//    table: no connection owns more than its quota, the states' bytes stay
//    within the budget and match what is held, and a rejected update changes
//    nothing there either.
//
// Build and run (clang):
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DROUNDTABLE_FUZZ=ON -DROUNDTABLE_TESTS=OFF \
//     -DROUNDTABLE_BENCH=OFF && cmake --build build-fuzz --target roundtable_sync_message_fuzz
//   ./build-fuzz/roundtable_sync_message_fuzz -max_len=4096 -max_total_time=60 CORPUS_DIR tests/fuzz/corpus/sync_message
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "sync/awareness.h"
#include "sync/message.h"

namespace {

using roundtable::Status;
namespace rs = roundtable::sync;  // not "sync": that is POSIX sync()

// Small limits so inputs can reach them.
constexpr rs::AwarenessLimits kLimits{
    .maxStateBytes = 256, .maxClients = 32, .maxClientsPerConnection = 8, .maxTotalStateBytes = 2048};
constexpr uint64_t kOwners = 3;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "broken promise: %s\n", what);
    std::abort();
  }
}

void checkQuotaTable(const rs::Awareness& t) {
  check(t.size() <= kLimits.maxClients, "quota table: client limit");
  check(t.stateBytes() <= kLimits.maxTotalStateBytes, "quota table: byte budget");
  size_t bytes = 0;
  for (uint64_t c : t.clientsWithState()) bytes += t.stateJSON(c)->size() + rs::kAwarenessEntryOverhead;
  check(bytes == t.stateBytes(), "quota table: stateBytes() is the sum of the states");
  check(t.encodeUpdate(t.clientsWithState()).size() <= t.stateBytes() + 10, "quota table: snapshot within the budget");
  size_t owned = 0;
  for (uint64_t o = 1; o <= kOwners; ++o) {
    check(t.owned(o) <= kLimits.maxClientsPerConnection, "quota table: per-connection quota");
    owned += t.owned(o);
  }
  check(owned <= t.size(), "quota table: owned clients have a state");
}

std::vector<uint8_t> reencode(const rs::Message& m) {
  switch (m.type) {
    case rs::MessageType::kSync:
      switch (m.sync) {
        case rs::SyncType::kStep1: return rs::encodeSyncStep1(m.payload);
        case rs::SyncType::kStep2: return rs::encodeSyncStep2(m.payload);
        case rs::SyncType::kUpdate: return rs::encodeUpdate(m.payload);
      }
      break;
    case rs::MessageType::kAwareness: return rs::encodeAwareness(m.payload);
    case rs::MessageType::kAuth: return rs::encodeAuthPermissionDenied(m.authReason);
    case rs::MessageType::kQueryAwareness: return rs::encodeQueryAwareness();
  }
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static rs::Awareness* table = new rs::Awareness(kLimits);
  static int64_t now = 0;

  static rs::Awareness* quota = new rs::Awareness(kLimits);

  rs::Message m;
  if (!rs::decodeMessage({data, size}, &m).ok()) return 0;

  const std::vector<uint8_t> again = reencode(m);
  rs::Message m2;
  check(rs::decodeMessage(again, &m2).ok(), "re-encoded message decodes");
  check(m2.type == m.type && m2.authReason == m.authReason &&
            std::vector<uint8_t>(m2.payload.begin(), m2.payload.end()) ==
                std::vector<uint8_t>(m.payload.begin(), m.payload.end()) &&
            (m.type != rs::MessageType::kSync || m2.sync == m.sync),
        "re-encoded message is the same message");

  if (m.type != rs::MessageType::kAwareness) return 0;
  now += 1000;
  {
    const uint64_t owner = 1 + size % kOwners;
    const std::vector<uint8_t> quotaBefore = quota->encodeUpdate(quota->clientsWithState());
    const size_t bytesBefore = quota->stateBytes();
    rs::AwarenessChanges qc;
    size_t dropped = 0;
    if (!quota->applyUpdateFrom(owner, m.payload, now, &qc, &dropped).ok()) {
      check(qc.empty() && dropped == 0, "quota table: nothing reported on error");
      check(quota->encodeUpdate(quota->clientsWithState()) == quotaBefore && quota->stateBytes() == bytesBefore,
            "quota table: rejected update changes nothing");
    }
    checkQuotaTable(*quota);
    if (now % 5000 == 0) {
      quota->removeOwned(1 + (now / 5000) % kOwners, now);
      checkQuotaTable(*quota);
    }
    if (now % 7000 == 0) quota->removeOutdated(now, 30000);
  }
  const std::vector<uint8_t> before = table->encodeUpdate(table->clientsWithState());
  const size_t rememberedBefore = table->remembered();
  rs::AwarenessChanges changes;
  Status s = table->applyUpdate(m.payload, now, &changes);
  if (!s.ok()) {
    check(changes.empty(), "no changes reported on error");
    check(table->encodeUpdate(table->clientsWithState()) == before && table->remembered() == rememberedBefore,
          "rejected update changes nothing");
    return 0;
  }
  check(table->size() <= kLimits.maxClients, "client limit");
  check(table->clientsWithState().size() == table->size(), "size() counts clientsWithState()");
  check(table->remembered() - table->size() <= kLimits.maxClients, "departed clients capped");
  for (uint64_t c : table->clientsWithState()) {
    check(table->stateJSON(c).has_value() && table->stateJSON(c)->size() <= kLimits.maxStateBytes, "state limit");
  }

  rs::Awareness fresh(kLimits);
  check(fresh.applyUpdate(table->encodeUpdate(changes.all()), now, nullptr).ok(), "own encoding of changes accepted");
  check(fresh.applyUpdate(table->encodeUpdate(table->clientsWithState()), now, nullptr).ok(),
        "own encoding of the table accepted");

  if (now % 7000 == 0) table->removeOutdated(now, 30000);
  return 0;
}
