// libFuzzer target: one message from Redis through the replicas' decoder
// (bus/bus_message.h); anyone who can reach the Redis server can publish
// such bytes. Besides the sanitizers, it checks the promises of the header
// and aborts when one breaks:
//  * whatever the input, decoding returns (no crash, no read past it);
//  * an accepted message encodes back to exactly the bytes that arrived;
//  * nothing longer than kMaxBusMessageBytes is accepted.
//
//   ./build-asan/roundtable_bus_message_fuzz -max_len=16384 -max_total_time=60 CORPUS_DIR tests/fuzz/corpus/bus_message
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "bus/bus_message.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "broken promise: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace bus = roundtable::bus;
  std::span<const uint8_t> in(data, size);
  bus::BusMessage m;
  if (!bus::decodeBusMessage(in, &m).ok()) return 0;
  check(size <= bus::kMaxBusMessageBytes, "a message past the size limit was accepted");
  check(m.replica != 0, "replica 0 was accepted");
  // lib0's varuints have one shortest form but decoders accept padded ones
  // (0x80 0x00); the encoder writes the shortest, so compare only when the
  // input used it.
  std::vector<uint8_t> again = bus::encodeBusMessage(m.kind, m.replica, m.seq, m.payload);
  check(again.size() <= size, "the re-encoding is longer than the input");
  if (again.size() == size) check(std::equal(again.begin(), again.end(), data), "the re-encoding differs");
  return 0;
}
