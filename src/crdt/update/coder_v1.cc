#include "crdt/update/coder_v1.h"

#include "lib0/any.h"
#include "lib0/json.h"

namespace roundtable::crdt {

void UpdateEncoderV1::writeAny(const lib0::Value& v) { lib0::writeAny(rest, v); }

void UpdateEncoderV1::writeJSON(const lib0::Value& v) { rest.writeVarString(lib0::toJSON(v)); }

lib0::Value UpdateDecoderV1::readAny() { return lib0::readAny(rest); }

lib0::Value UpdateDecoderV1::readJSON() { return lib0::parseJSON(rest.readVarString()); }

ClientId UpdateDecoderV1::readClientId() {
  uint64_t c = rest.readVarUint();
  if (c > kMaxClock) throw lib0::DecodeError("client id beyond 2^53");
  return c;
}

Clock UpdateDecoderV1::readClock() {
  uint64_t c = rest.readVarUint();
  if (c > kMaxClock) throw lib0::DecodeError("clock or length beyond 2^53");
  return c;
}

}  // namespace roundtable::crdt
