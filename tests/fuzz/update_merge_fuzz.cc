// libFuzzer target: arbitrary updates through the functions that work
// without a document (roundtable/crdt/updates.h): merge, diff, the state
// vector and meta of an update, conversion. The input is a format byte (bit 0:
// v2), then parts, each a varUint length and its bytes; the last part is also
// used as a state vector. Besides the sanitizers, it aborts when:
//  * a function fails with anything but InvalidArgument, or writes its output
//    when it fails;
//  * updates that each decode whole cannot be merged.
//
//   ./build-fuzz/roundtable_update_merge_fuzz -max_len=16384 -max_total_time=60 CORPUS_DIR tests/fuzz/corpus/update_merge
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "roundtable/crdt/updates.h"

namespace {

namespace crdt = roundtable::crdt;
using roundtable::Status;
using roundtable::StatusCode;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "update_merge_fuzz: %s\n", what);
    std::abort();
  }
}

// Runs f with an output holding a marker; on failure the marker must remain.
template <typename F>
bool call(F&& f, std::vector<uint8_t>* out) {
  static const std::vector<uint8_t> kMarker = {0xA5, 0x5A};
  *out = kMarker;
  Status s = f(out);
  if (!s.ok()) {
    require(s.code() == StatusCode::kInvalidArgument, "an error other than InvalidArgument");
    require(*out == kMarker, "a failed call wrote its output");
  }
  return s.ok();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const bool v2 = data[0] & 1;
  std::vector<std::vector<uint8_t>> parts;
  size_t pos = 1;
  while (pos < size && parts.size() < 64) {
    uint64_t len = 0;
    int shift = 0;
    while (pos < size && shift < 28) {
      const uint8_t b = data[pos++];
      len |= static_cast<uint64_t>(b & 0x7F) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    if (len > size - pos) len = size - pos;
    parts.emplace_back(data + pos, data + pos + len);
    pos += len;
  }
  if (parts.empty()) return 0;
  const std::vector<uint8_t>& sv = parts.back();

  std::vector<uint8_t> out;
  static const uint8_t kEmptySv[] = {0};
  // An update decodes whole (structs and delete set) exactly when its diff
  // against the empty state vector succeeds: that rewrites it in its format.
  bool allDecode = true;
  for (const auto& u : parts) {
    if (!call([&](auto* o) { return v2 ? crdt::diffUpdateV2(u, kEmptySv, o) : crdt::diffUpdate(u, kEmptySv, o); }, &out)) {
      allDecode = false;
    }
    call([&](auto* o) { return v2 ? crdt::convertUpdateFormatV2ToV1(u, o) : crdt::convertUpdateFormatV1ToV2(u, o); }, &out);
    call([&](auto* o) { return v2 ? crdt::encodeStateVectorFromUpdateV2(u, o) : crdt::encodeStateVectorFromUpdate(u, o); }, &out);
    call([&](auto* o) { return v2 ? crdt::diffUpdateV2(u, sv, o) : crdt::diffUpdate(u, sv, o); }, &out);
    crdt::UpdateMeta meta;
    (void)(v2 ? crdt::parseUpdateMetaV2(u, &meta) : crdt::parseUpdateMeta(u, &meta));
  }
  const bool merged = call([&](auto* o) { return v2 ? crdt::mergeUpdatesV2(parts, o) : crdt::mergeUpdates(parts, o); }, &out);
  if (allDecode) require(merged, "updates that decode could not be merged");
  if (merged) {
    std::vector<uint8_t> again;
    call([&](auto* o) { return v2 ? crdt::convertUpdateFormatV2ToV1(out, o) : crdt::convertUpdateFormatV1ToV2(out, o); }, &again);
  }
  return 0;
}
