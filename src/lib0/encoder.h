// lib0 encoding (lib0/encoding.js, lib0 0.2.x): an append-only byte buffer
// with the primitive writers yjs builds its update format from.
//
//   Encoder enc;
//   enc.writeVarUint(300);        // ac 02
//   enc.writeVarString("hi");     // 02 68 69
//   std::vector<uint8_t> bytes = enc.take();
//
// Every writer appends exactly the bytes the same-named lib0 function writes.
// Writers never throw except std::bad_alloc. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace roundtable::lib0 {

class Encoder {
 public:
  Encoder() { buf_.reserve(kInitialCapacity); }

  // One raw byte.
  void writeUint8(uint8_t v) { buf_.push_back(v); }

  // lib0 varUint: 7 bits per byte, least significant group first, 0x80 means
  // "more bytes follow". Values above 2^53 - 1 cannot be read back by lib0.
  void writeVarUint(uint64_t v) {
    while (v > 0x7F) {
      buf_.push_back(static_cast<uint8_t>(0x80 | (v & 0x7F)));
      v >>= 7;
    }
    buf_.push_back(static_cast<uint8_t>(v));
  }

  // lib0 varInt (sign-magnitude, not zigzag): first byte 0x80 = continue,
  // 0x40 = negative, 6 value bits; later bytes 7 value bits each. Negative
  // zero is written as 0x40. Precondition: `v` is integral with |v| <= 2^53;
  // a fractional part is truncated, NaN is written as 0.
  void writeVarInt(double v);
  // lib0 varInt of an integer given as sign and magnitude (exact for every
  // magnitude below 2^64; `negative` with magnitude 0 writes -0 as 0x40).
  void writeVarIntParts(uint64_t magnitude, bool negative) {
    buf_.push_back(static_cast<uint8_t>((magnitude > 0x3F ? 0x80 : 0) | (negative ? 0x40 : 0) | (magnitude & 0x3F)));
    magnitude >>= 6;
    while (magnitude > 0) {
      buf_.push_back(static_cast<uint8_t>((magnitude > 0x7F ? 0x80 : 0) | (magnitude & 0x7F)));
      magnitude >>= 7;
    }
  }

  // lib0 varString: varUint byte length, then the UTF-8 bytes. The input is
  // WTF-8; every lone surrogate (ED A0..BF xx) and any invalid byte is written
  // as U+FFFD (EF BF BD), as JavaScript's TextEncoder does.
  void writeVarString(std::string_view wtf8);

  // varUint length, then the bytes.
  void writeVarUint8Array(std::span<const uint8_t> bytes) {
    writeVarUint(bytes.size());
    writeUint8Array(bytes);
  }

  // The bytes, without a length.
  void writeUint8Array(std::span<const uint8_t> bytes) {
    buf_.insert(buf_.end(), bytes.begin(), bytes.end());
  }

  // IEEE 754, big-endian (DataView default), as lib0 writes them.
  void writeFloat32(float v);
  void writeFloat64(double v);
  void writeBigInt64(int64_t v);

  // Room for `more` bytes beyond what is written, so that writing them
  // allocates at most once.
  void reserve(size_t more) { buf_.reserve(buf_.size() + more); }

  size_t size() const { return buf_.size(); }
  const std::vector<uint8_t>& data() const { return buf_; }
  // Moves the bytes out; the encoder is left empty and reusable.
  std::vector<uint8_t> take() {
    std::vector<uint8_t> out = std::move(buf_);
    buf_.clear();
    return out;
  }
  // Drops the bytes, keeping the capacity.
  void clear() { buf_.clear(); }

 private:
  static constexpr size_t kInitialCapacity = 256;
  void writeBigEndian(uint64_t bits, int bytes);
  std::vector<uint8_t> buf_;
};

}  // namespace roundtable::lib0
