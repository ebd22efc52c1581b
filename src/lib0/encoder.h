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

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <vector>

namespace roundtable::lib0 {

class Encoder {
 public:
  Encoder() { buf_.resize(kInitialCapacity); }

  // One raw byte.
  void writeUint8(uint8_t v) {
    *room(1) = v;
    pos_++;
  }

  // lib0 varUint: 7 bits per byte, least significant group first, 0x80 means
  // "more bytes follow". Values above 2^53 - 1 cannot be read back by lib0.
  void writeVarUint(uint64_t v) {
    uint8_t* const start = room(kMaxVarBytes);
    if (v < (1 << 14)) {  // one or two bytes, the common case, with no branch on which
      start[0] = static_cast<uint8_t>((v & 0x7F) | (v > 0x7F ? 0x80 : 0));
      start[1] = static_cast<uint8_t>(v >> 7);
      pos_ += 1 + (v > 0x7F);
      return;
    }
    uint8_t* p = start;
    while (v > 0x7F) {
      *p++ = static_cast<uint8_t>(0x80 | (v & 0x7F));
      v >>= 7;
    }
    *p++ = static_cast<uint8_t>(v);
    pos_ += p - start;
  }

  // lib0 varInt (sign-magnitude, not zigzag): first byte 0x80 = continue,
  // 0x40 = negative, 6 value bits; later bytes 7 value bits each. Negative
  // zero is written as 0x40. Precondition: `v` is integral with |v| <= 2^53;
  // a fractional part is truncated, NaN is written as 0.
  void writeVarInt(double v);
  // lib0 varInt of an integer given as sign and magnitude (exact for every
  // magnitude below 2^64; `negative` with magnitude 0 writes -0 as 0x40).
  void writeVarIntParts(uint64_t magnitude, bool negative) {
    uint8_t* const start = room(kMaxVarBytes);
    if (magnitude < (1 << 13)) {  // as in writeVarUint
      start[0] = static_cast<uint8_t>((magnitude & 0x3F) | (negative ? 0x40 : 0) | (magnitude > 0x3F ? 0x80 : 0));
      start[1] = static_cast<uint8_t>(magnitude >> 6);
      pos_ += 1 + (magnitude > 0x3F);
      return;
    }
    uint8_t* p = start;
    *p++ = static_cast<uint8_t>((magnitude > 0x3F ? 0x80 : 0) | (negative ? 0x40 : 0) | (magnitude & 0x3F));
    magnitude >>= 6;
    while (magnitude > 0) {
      *p++ = static_cast<uint8_t>((magnitude > 0x7F ? 0x80 : 0) | (magnitude & 0x7F));
      magnitude >>= 7;
    }
    pos_ += p - start;
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
    const size_t n = bytes.size();
    const uint8_t* from = bytes.data();
    uint8_t* to = room(n);
    // Most arrays written are short strings: copied inline with two
    // overlapping moves, they cost no call to memcpy.
    if (n > 16 && n <= 32) {
      std::memcpy(to, from, 16);
      std::memcpy(to + n - 16, from + n - 16, 16);
    } else if (n >= 8 && n <= 16) {
      std::memcpy(to, from, 8);
      std::memcpy(to + n - 8, from + n - 8, 8);
    } else if (n >= 4 && n < 8) {
      std::memcpy(to, from, 4);
      std::memcpy(to + n - 4, from + n - 4, 4);
    } else if (n > 0 && n < 4) {
      to[0] = from[0];
      to[n / 2] = from[n / 2];
      to[n - 1] = from[n - 1];
    } else if (n > 32) {
      std::memcpy(to, from, n);
    }
    pos_ += n;
  }

  // IEEE 754, big-endian (DataView default), as lib0 writes them.
  void writeFloat32(float v);
  void writeFloat64(double v);
  void writeBigInt64(int64_t v);

  // Room for `more` bytes beyond what is written, so that writing them
  // allocates at most once.
  void reserve(size_t more) {
    if (buf_.size() - pos_ < more) buf_.resize(pos_ + more);
  }

  size_t size() const { return pos_; }
  std::span<const uint8_t> data() const { return {buf_.data(), pos_}; }
  // Moves the bytes out; the encoder is left empty and reusable.
  std::vector<uint8_t> take() {
    buf_.resize(pos_);
    std::vector<uint8_t> out = std::move(buf_);
    buf_.clear();
    pos_ = 0;
    return out;
  }
  // Drops the bytes, keeping the capacity.
  void clear() { pos_ = 0; }
  // Drops the bytes after the first `size` (at most size()).
  void truncate(size_t size) { pos_ = std::min(pos_, size); }

 private:
  static constexpr size_t kInitialCapacity = 256;
  static constexpr size_t kMaxVarBytes = 10;  // a 64-bit varUint or varInt
  // Where the next `n` bytes go; the caller writes them, then adds to pos_.
  // The bytes are written through a local pointer and the position stored
  // once: appending byte by byte (vector::push_back) reloaded and stored the
  // vector's end after every byte, since a byte store may alias it, and was
  // most of the time of encoding an update.
  uint8_t* room(size_t n) {
    if (buf_.size() - pos_ < n) grow(n);
    return buf_.data() + pos_;
  }
  void grow(size_t n);
  void writeBigEndian(uint64_t bits, int bytes);
  // Written bytes are [0, pos_); the rest is room (zeroed, as vector::resize
  // leaves it), so that take() hands over the vector without a copy.
  std::vector<uint8_t> buf_;
  size_t pos_ = 0;
};

}  // namespace roundtable::lib0
