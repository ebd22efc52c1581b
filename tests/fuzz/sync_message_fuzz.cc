// libFuzzer target: one y-websocket frame through decodeMessage; awareness
// frames are applied to one table that lives across inputs, as a hub's table
// lives across messages. Besides the sanitizers, it checks the promises of
// message.h and awareness.h and aborts when one breaks:
//  * a decoded message re-encodes to a frame that decodes to the same message;
//  * a rejected awareness update leaves the table byte-for-byte unchanged;
//  * after an accepted one the table stays within its limits, and what it
//    encodes is accepted by a fresh table with the same limits.
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
constexpr rs::AwarenessLimits kLimits{.maxStateBytes = 256, .maxClients = 32};

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "broken promise: %s\n", what);
    std::abort();
  }
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
