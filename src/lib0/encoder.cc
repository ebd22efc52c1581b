#include "lib0/encoder.h"

#include <algorithm>
#include <bit>
#include <cmath>

#include "lib0/utf.h"

namespace roundtable::lib0 {

void Encoder::writeVarInt(double v) {
  const bool negative = std::signbit(v) && !std::isnan(v);  // includes -0
  double mag = std::trunc(std::fabs(v));
  // 2^64 as a double; anything not below it (or NaN) is outside the contract.
  if (!(mag < 18446744073709551616.0)) mag = 0;
  writeVarIntParts(static_cast<uint64_t>(mag), negative);
}

void Encoder::grow(size_t n) {
  buf_.resize(std::max({buf_.size() * 2, pos_ + n, kInitialCapacity}));
}

void Encoder::writeVarString(std::string_view wtf8) {
  if (isValidUtf8(wtf8)) {  // the common case: no copy
    writeVarUint(wtf8.size());
    writeUint8Array({reinterpret_cast<const uint8_t*>(wtf8.data()), wtf8.size()});
    return;
  }
  const std::string fixed = toWellFormedUtf8(wtf8);
  writeVarUint(fixed.size());
  writeUint8Array({reinterpret_cast<const uint8_t*>(fixed.data()), fixed.size()});
}

void Encoder::writeBigEndian(uint64_t bits, int bytes) {
  uint8_t* p = room(bytes);
  for (int i = bytes - 1; i >= 0; --i) *p++ = static_cast<uint8_t>(bits >> (8 * i));
  pos_ += bytes;
}

void Encoder::writeFloat32(float v) { writeBigEndian(std::bit_cast<uint32_t>(v), 4); }
void Encoder::writeFloat64(double v) { writeBigEndian(std::bit_cast<uint64_t>(v), 8); }
void Encoder::writeBigInt64(int64_t v) { writeBigEndian(static_cast<uint64_t>(v), 8); }

}  // namespace roundtable::lib0
