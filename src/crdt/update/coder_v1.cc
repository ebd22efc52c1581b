#include "crdt/update/coder_v1.h"

#include <stdexcept>

#include "crdt/update/coder_v2.h"
#include "lib0/any.h"
#include "lib0/json.h"

namespace roundtable::crdt {

void UpdateEncoder::writeAny(const lib0::Value& v) { lib0::writeAny(rest, v); }

lib0::Value UpdateDecoder::readAny() { return lib0::readAny(rest); }

ClientId UpdateDecoder::readRestClientId() {
  uint64_t c = rest.readVarUint();
  if (c > kMaxClock) throw lib0::DecodeError("client id beyond 2^53");
  return c;
}

Clock UpdateDecoder::readRestClock() {
  uint64_t c = rest.readVarUint();
  if (c > kMaxClock) throw lib0::DecodeError("clock or length beyond 2^53");
  return c;
}

void UpdateEncoderV1::writeJSON(const lib0::Value& v) {
  // JSON.stringify throws on a bigint (and yjs with it). Decoders refuse
  // such values, so only a value given through the API can get here.
  try {
    rest.writeVarString(lib0::toJSON(v));
  } catch (const std::invalid_argument& e) {
    throw lib0::DecodeError(e.what());
  }
}

lib0::Value UpdateDecoderV1::readJSON() { return lib0::parseJSON(rest.readVarString()); }

std::unique_ptr<UpdateEncoder> makeUpdateEncoder(UpdateFormat format) {
  if (format == UpdateFormat::kV2) return std::make_unique<UpdateEncoderV2>();
  return std::make_unique<UpdateEncoderV1>();
}

std::unique_ptr<UpdateDecoder> makeUpdateDecoder(UpdateFormat format, std::span<const uint8_t> update) {
  if (format == UpdateFormat::kV2) return std::make_unique<UpdateDecoderV2>(update);
  return std::make_unique<UpdateDecoderV1>(update);
}

}  // namespace roundtable::crdt
