// lib0's column encoders and decoders (lib0/encoding.js and decoding.js:
// RleEncoder, UintOptRleEncoder, IntDiffOptRleEncoder, StringEncoder and their
// decoders), from which yjs builds update format v2: each field of a struct
// goes to its own column, where runs of equal values (or equal differences)
// take a few bytes.
//
//   UintOptRleEncoder lens;
//   for (uint64_t v : {1, 2, 3, 3, 3}) lens.write(v);
//   std::vector<uint8_t> bytes = lens.take();   // 01 02 43 01: 1, 2, then 3 three times
//
// Every encoder writes exactly lib0 0.2.120's bytes. Decoders read a borrowed
// buffer (it must outlive them) and throw DecodeError where lib0 would read
// past the end; a run length is only counted down, never allocated, so a
// column claiming 2^53 repetitions costs nothing until that many values are
// read. Not thread-safe.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lib0/decoder.h"
#include "lib0/encoder.h"

namespace roundtable::lib0 {

// Bytes as runs: a value (one byte), then the run length minus one as a
// varUint. The last run's length is never written: its value repeats forever.
class RleEncoder {
 public:
  void write(uint8_t v) {
    if (hasValue_ && s_ == v) {
      count_++;
      return;
    }
    if (count_ > 0) enc_.writeVarUint(count_ - 1);
    count_ = 1;
    enc_.writeUint8(v);
    s_ = v;
    hasValue_ = true;
  }
  // The column (the last run needs no flush). Call take() or appendTo() once.
  std::vector<uint8_t> take() { return enc_.take(); }
  // Appends the column to `out` as a varUint8Array, as
  // out.writeVarUint8Array(take()) would, without the copy.
  void appendTo(Encoder& out) const { out.writeVarUint8Array(enc_.data()); }
  size_t sizeBound() const { return 10 + enc_.size(); }  // with appendTo's length

 private:
  Encoder enc_;
  bool hasValue_ = false;
  uint8_t s_ = 0;
  uint64_t count_ = 0;
};

// What lib0's two optimized RLE columns share: a run of count_ values is
// written when it ends as one varInt, then, for more than one value, the
// count minus two. `Column` says what the varInt is (its flush()).
template <typename Column>
class OptRleEncoder {
 public:
  // Flushes the last run and returns the column, valid while the encoder
  // lives. Call finish(), take() or appendTo() once.
  std::span<const uint8_t> finish() {
    static_cast<Column*>(this)->flush();
    count_ = 0;
    return enc_.data();
  }
  std::vector<uint8_t> take() {
    finish();
    return enc_.take();
  }
  // Appends the column to `out` as a varUint8Array, as
  // out.writeVarUint8Array(take()) would, without the copy.
  void appendTo(Encoder& out) { out.writeVarUint8Array(finish()); }
  size_t sizeBound() const { return 30 + enc_.size(); }  // the last run (two varInts) and appendTo's length

 protected:
  void writeRun(uint64_t magnitude, bool negative) {
    enc_.writeVarIntParts(magnitude, negative);
    if (count_ > 1) enc_.writeVarUint(count_ - 2);
  }
  Encoder enc_;
  uint64_t count_ = 0;
};

// Unsigned integers (up to 2^53) as varInts: a value that occurs once is
// written as itself; a run as the negated value and the run length minus two.
class UintOptRleEncoder : public OptRleEncoder<UintOptRleEncoder> {
 public:
  void write(uint64_t v) {
    if (s_ == v) {
      count_++;
    } else {
      flush();
      count_ = 1;
      s_ = v;
    }
  }

 private:
  friend OptRleEncoder<UintOptRleEncoder>;
  void flush() {
    // One value: as itself; a run: negated (0 becomes -0).
    if (count_ > 0) writeRun(s_, count_ > 1);
  }
  uint64_t s_ = 0;
};

// Integers by their difference to the previous one (the first to 0): the
// difference times two, plus one if a run length (minus two) follows.
class IntDiffOptRleEncoder : public OptRleEncoder<IntDiffOptRleEncoder> {
 public:
  void write(int64_t v) {
    if (diff_ == v - s_) {
      s_ = v;
      count_++;
    } else {
      flush();
      count_ = 1;
      diff_ = v - s_;
      s_ = v;
    }
  }

 private:
  friend OptRleEncoder<IntDiffOptRleEncoder>;
  void flush() {
    if (count_ == 0) return;
    const int64_t d = diff_ * 2 + (count_ == 1 ? 0 : 1);
    writeRun(d < 0 ? static_cast<uint64_t>(0) - static_cast<uint64_t>(d) : static_cast<uint64_t>(d), d < 0);
  }
  int64_t s_ = 0;
  int64_t diff_ = 0;
};

// Strings concatenated into one varString, their lengths in UTF-16 code units
// in a UintOptRle column after it. The input is WTF-8: as in JavaScript, a
// lone high surrogate at the end of one string and a lone low surrogate at the
// start of the next join into one character; other lone surrogates are
// written as U+FFFD.
class StringEncoder {
 public:
  void write(std::string_view wtf8);
  // The same for a string of ASCII only, with no scan of it.
  void writeAscii(std::string_view ascii) {
    text_.writeUint8Array({reinterpret_cast<const uint8_t*>(ascii.data()), ascii.size()});
    lens_.write(ascii.size());
  }
  // As OptRleEncoder's.
  std::vector<uint8_t> take();
  void appendTo(Encoder& out);
  // Unless lone surrogates are replaced (then more).
  size_t sizeBound() const { return 20 + text_.size() + lens_.sizeBound(); }

 private:
  // The text as UTF-8: text_, or its copy with lone surrogates replaced
  // put in `fixed`.
  std::span<const uint8_t> utf8(std::string& fixed) const;
  void reset();

  bool onlyAscii_ = true;                  // then text_ needs no scan when it is taken
  Encoder text_;                           // WTF-8
  UintOptRleEncoder lens_;
};

class RleDecoder {
 public:
  explicit RleDecoder(std::span<const uint8_t> bytes) : dec_(bytes) {}
  uint8_t read();

 private:
  Decoder dec_;
  uint8_t s_ = 0;
  int64_t count_ = 0;  // -1: the last run, forever
};

class UintOptRleDecoder {
 public:
  explicit UintOptRleDecoder(std::span<const uint8_t> bytes) : dec_(bytes) {}
  // At most 2^53 - 1.
  uint64_t read();

 private:
  Decoder dec_;
  uint64_t s_ = 0;
  uint64_t count_ = 0;
};

class IntDiffOptRleDecoder {
 public:
  explicit IntDiffOptRleDecoder(std::span<const uint8_t> bytes) : dec_(bytes) {}
  // Any value a sum of differences gives (callers check the range they need;
  // the sum saturates rather than overflow).
  int64_t read();

 private:
  Decoder dec_;
  int64_t s_ = 0;
  int64_t diff_ = 0;
  uint64_t count_ = 0;
};

class StringDecoder {
 public:
  // Reads the varString; throws DecodeError if it is missing or not UTF-8.
  explicit StringDecoder(std::span<const uint8_t> bytes);
  // The next string, `length` UTF-16 code units long as a WTF-8 string. Like
  // JavaScript's slice, it is shorter (or empty) past the end of the text; a
  // slice that splits a surrogate pair keeps the lone halves.
  std::string read();

 private:
  std::string str_;
  size_t pos_ = 0;             // byte position in str_
  char16_t pendingLow_ = 0;    // the low half of a pair split by the previous read
  UintOptRleDecoder lens_;
};

}  // namespace roundtable::lib0
