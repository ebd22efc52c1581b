#include "lib0/decoder.h"

#include <bit>
#include <string_view>

#include "lib0/utf.h"

namespace roundtable::lib0 {
namespace {

constexpr uint64_t kMaxSafeInteger = (uint64_t{1} << 53) - 1;
constexpr int kMaxVarBytes = 10;

}  // namespace

void Decoder::require(size_t n, const char* what) const {
  if (n > buf_.size() - pos_) {
    throw DecodeError(std::string("unexpected end of data while reading ") + what);
  }
}

uint8_t Decoder::readUint8() {
  require(1, "uint8");
  return buf_[pos_++];
}

uint64_t Decoder::readVarUint() {
  uint64_t num = 0;
  int shift = 0;
  for (int i = 0; i < kMaxVarBytes; ++i) {
    require(1, "varUint");
    const uint8_t b = buf_[pos_++];
    const uint64_t group = b & 0x7F;
    if (group != 0) {
      if (shift > 52 || (group << shift) > kMaxSafeInteger - num) {
        throw DecodeError("varUint out of range (above 2^53-1)");
      }
      num += group << shift;
    }
    if (b < 0x80) return num;
    shift += 7;
  }
  throw DecodeError("varUint encoding too long");
}

double Decoder::readVarInt() {
  require(1, "varInt");
  uint8_t b = buf_[pos_++];
  const bool negative = (b & 0x40) != 0;
  uint64_t num = b & 0x3F;
  int shift = 6;
  for (int i = 1; (b & 0x80) != 0; ++i) {
    if (i >= kMaxVarBytes) throw DecodeError("varInt encoding too long");
    require(1, "varInt");
    b = buf_[pos_++];
    const uint64_t group = b & 0x7F;
    if (group != 0) {
      if (shift > 52 || (group << shift) > kMaxSafeInteger - num) {
        throw DecodeError("varInt out of range (above 2^53-1)");
      }
      num += group << shift;
    }
    shift += 7;
  }
  const double mag = static_cast<double>(num);
  return negative ? -mag : mag;
}

std::string Decoder::readVarString() {
  const std::span<const uint8_t> bytes = readVarUint8Array();
  const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  if (!isValidUtf8(view)) throw DecodeError("invalid UTF-8 in varString");
  return std::string(view);
}

std::span<const uint8_t> Decoder::readVarUint8Array() {
  const uint64_t len = readVarUint();
  if (len > remaining()) throw DecodeError("unexpected end of data while reading varUint8Array");
  return readUint8Array(static_cast<size_t>(len));
}

std::span<const uint8_t> Decoder::readUint8Array(size_t n) {
  require(n, "uint8Array");
  const std::span<const uint8_t> out = buf_.subspan(pos_, n);
  pos_ += n;
  return out;
}

uint64_t Decoder::readBigEndian(int bytes, const char* what) {
  require(static_cast<size_t>(bytes), what);
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | buf_[pos_ + i];
  pos_ += bytes;
  return v;
}

float Decoder::readFloat32() {
  return std::bit_cast<float>(static_cast<uint32_t>(readBigEndian(4, "float32")));
}
double Decoder::readFloat64() { return std::bit_cast<double>(readBigEndian(8, "float64")); }
int64_t Decoder::readBigInt64() { return static_cast<int64_t>(readBigEndian(8, "bigint64")); }

}  // namespace roundtable::lib0
