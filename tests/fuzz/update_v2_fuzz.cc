// libFuzzer target: one input as a Yjs update in format v2, applied to a
// document that already holds content, as applyUpdateV2 does with untrusted
// bytes. Besides the sanitizers (and libFuzzer's memory limit: a v2 column can
// claim 2^53 repetitions in a few bytes), it checks and aborts when broken:
//  * a malformed update (InvalidArgument) leaves the document byte for byte
//    unchanged; the only other error is Internal (an update that decodes but
//    contradicts the document, which doc.h allows to be partly applied), after
//    which the document still encodes;
//  * after an accepted one, the document's state in both formats is readable:
//    a fresh document applies the v2 state and reaches the same state vector,
//    and the state converts from v2 to v1 and back;
//  * an update that converts to v1 gives a v1 update that decodes.
//
// Build and run (clang):
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DROUNDTABLE_FUZZ=ON -DROUNDTABLE_TESTS=OFF \
//     -DROUNDTABLE_BENCH=OFF && cmake --build build-fuzz --target roundtable_update_v2_fuzz
//   ./build-fuzz/roundtable_update_v2_fuzz -max_len=16384 -max_total_time=60 CORPUS_DIR tests/fuzz/corpus/update_v2
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "roundtable/crdt/doc.h"
#include "roundtable/crdt/updates.h"

namespace {

namespace crdt = roundtable::crdt;
using roundtable::StatusCode;

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "update_v2_fuzz: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::vector<uint8_t> update(data, data + size);
  crdt::Doc doc(crdt::DocOptions{.clientId = 99});
  require(doc.getText("text").insert(0, "mine").ok(), "setup");
  doc.getMap("map").set("own", crdt::Value(1));
  const std::vector<uint8_t> before = doc.encodeStateAsUpdate();

  roundtable::Status s = doc.applyUpdateV2(update);
  if (s.code() == StatusCode::kInternal) {
    // An update that decodes but contradicts the document (doc.h: it may be
    // partly applied, as in yjs, which throws there too). It must stay usable.
    (void)doc.encodeStateAsUpdateV2();
  } else if (!s.ok()) {
    require(s.code() == StatusCode::kInvalidArgument, "an error other than InvalidArgument or Internal");
    require(doc.encodeStateAsUpdate() == before, "a refused update changed the document");
  } else {
    std::vector<uint8_t> state;
    require(doc.encodeStateAsUpdateV2({}, &state).ok(), "encodeStateAsUpdateV2 failed");
    crdt::Doc fresh;
    require(fresh.applyUpdateV2(state).ok(), "a fresh document refused the v2 state");
    require(fresh.stateVector().size() == doc.stateVector().size(), "the v2 state gave another state vector");
    std::vector<uint8_t> v1, v2;
    require(crdt::convertUpdateFormatV2ToV1(state, &v1).ok(), "the v2 state does not convert to v1");
    require(crdt::convertUpdateFormatV1ToV2(v1, &v2).ok(), "the converted state does not convert back");
  }
  std::vector<uint8_t> v1, diff;
  if (crdt::convertUpdateFormatV2ToV1(update, &v1).ok()) {
    // (Converting back can fail: a client listed twice in the delete set
    // gives ranges out of order, which v2 cannot write.)
    static const uint8_t kEmptySv[] = {0};
    require(crdt::diffUpdate(v1, kEmptySv, &diff).ok(), "a v2 update converted to v1 does not decode");
  }
  (void)doc.getText("text").insert(0, "x");
  return 0;
}
