// libFuzzer target: sealed y-webrtc room messages (src/p2p/room_crypto.h), as
// a peer or a relay could send them. Arbitrary bytes must be refused with
// InvalidArgument and nothing handed out; a message sealed under the key must
// open to the same bytes, and its lib0 value (if any) must not crash readAny.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "p2p/room_crypto.h"

using namespace roundtable;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const p2p::RoomKey key = p2p::RoomKey::derive("fuzz password", "fuzz-room");
  const std::span<const uint8_t> input(data, size);
  std::vector<uint8_t> plain;
  Status s = p2p::decrypt(key, input, &plain);
  // Forging a tag is out of reach, so arbitrary input never opens.
  if (s.ok() || !plain.empty() || s.code() != StatusCode::kInvalidArgument) std::abort();
  if (size > 65536) return 0;
  const std::vector<uint8_t> sealed = p2p::encrypt(key, input);
  if (!p2p::decrypt(key, sealed, &plain).ok() || plain != std::vector<uint8_t>(input.begin(), input.end())) std::abort();
  lib0::Value v;
  Status any = p2p::decryptAny(key, sealed, &v);
  if (!any.ok() && any.code() != StatusCode::kInvalidArgument) std::abort();
  return 0;
}
