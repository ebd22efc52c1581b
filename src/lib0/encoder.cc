#include "lib0/encoder.h"

#include <bit>
#include <cmath>

#include "lib0/utf.h"

namespace roundtable::lib0 {

void Encoder::writeVarInt(double v) {
  const bool negative = std::signbit(v) && !std::isnan(v);  // includes -0
  double mag = std::trunc(std::fabs(v));
  // 2^64 as a double; anything not below it (or NaN) is outside the contract.
  if (!(mag < 18446744073709551616.0)) mag = 0;
  uint64_t n = static_cast<uint64_t>(mag);
  buf_.push_back(static_cast<uint8_t>((n > 0x3F ? 0x80 : 0) | (negative ? 0x40 : 0) | (n & 0x3F)));
  n >>= 6;
  while (n > 0) {
    buf_.push_back(static_cast<uint8_t>((n > 0x7F ? 0x80 : 0) | (n & 0x7F)));
    n >>= 7;
  }
}

void Encoder::writeVarString(std::string_view wtf8) {
  if (isValidUtf8(wtf8)) {  // the common case: no copy
    writeVarUint(wtf8.size());
    buf_.insert(buf_.end(), wtf8.begin(), wtf8.end());
    return;
  }
  const std::string fixed = toWellFormedUtf8(wtf8);
  writeVarUint(fixed.size());
  buf_.insert(buf_.end(), fixed.begin(), fixed.end());
}

void Encoder::writeBigEndian(uint64_t bits, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) buf_.push_back(static_cast<uint8_t>(bits >> (8 * i)));
}

void Encoder::writeFloat32(float v) { writeBigEndian(std::bit_cast<uint32_t>(v), 4); }
void Encoder::writeFloat64(double v) { writeBigEndian(std::bit_cast<uint64_t>(v), 8); }
void Encoder::writeBigInt64(int64_t v) { writeBigEndian(static_cast<uint64_t>(v), 8); }

}  // namespace roundtable::lib0
