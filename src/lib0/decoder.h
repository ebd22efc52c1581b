// lib0 decoding (lib0/decoding.js, lib0 0.2.x): a bounds-checked reader over
// a borrowed byte buffer.
//
//   Decoder dec(bytes);
//   uint64_t client = dec.readVarUint();
//   std::string name = dec.readVarString();
//
// The Decoder does not own the bytes: they must outlive it and every span it
// returns. Every read checks bounds first; on malformed input (truncated data,
// a length claiming more bytes than remain, an out-of-range number, invalid
// UTF-8) it throws DecodeError and nothing is allocated from the unchecked
// length. After a throw the position is unspecified; discard the decoder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>

namespace roundtable::lib0 {

// Thrown by every decoding function in roundtable::lib0 (binary and JSON) on
// malformed input. what() says what was being read.
class DecodeError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Decoder {
 public:
  explicit Decoder(std::span<const uint8_t> bytes) : buf_(bytes) {}

  uint8_t readUint8();

  // lib0 varUint. Throws DecodeError if truncated, if the value exceeds
  // Number.MAX_SAFE_INTEGER (2^53 - 1), or if the encoding is longer than 10
  // bytes (lib0 itself tolerates longer zero-padded encodings).
  uint64_t readVarUint();

  // lib0 varInt (sign-magnitude). May return -0.0 (encoded 0x40). Throws like
  // readVarUint on truncation or a magnitude above 2^53 - 1.
  double readVarInt();

  // varUint length + bytes, validated as UTF-8 like lib0's fatal TextDecoder
  // (invalid UTF-8, including encoded surrogates, throws DecodeError). A
  // leading BOM (EF BB BF) is kept, as lib0 sets ignoreBOM.
  std::string readVarString();

  // varUint length + bytes; a view into the decoder's buffer.
  std::span<const uint8_t> readVarUint8Array();
  // The next n bytes; a view into the decoder's buffer.
  std::span<const uint8_t> readUint8Array(size_t n);

  // Big-endian IEEE 754 / two's complement, as lib0's DataView reads.
  float readFloat32();
  double readFloat64();
  int64_t readBigInt64();

  bool hasContent() const { return pos_ < buf_.size(); }
  size_t remaining() const { return buf_.size() - pos_; }
  size_t position() const { return pos_; }

 private:
  // Throws DecodeError("unexpected end of data while reading <what>") unless
  // n bytes remain.
  void require(size_t n, const char* what) const;
  uint64_t readBigEndian(int bytes, const char* what);

  std::span<const uint8_t> buf_;
  size_t pos_ = 0;
};

}  // namespace roundtable::lib0
