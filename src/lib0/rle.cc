#include "lib0/rle.h"

#include <cmath>
#include <limits>

#include "lib0/utf.h"

namespace roundtable::lib0 {

namespace {

// JavaScript's string concatenation on WTF-8: a trailing lone high surrogate
// and a leading lone low surrogate become one 4-byte character.
void appendJoined(Encoder& out, std::string_view s) {
  const std::span<const uint8_t> written = out.data();
  const size_t n = written.size();
  std::string joined;
  if (n >= 3 && s.size() >= 3 && written[n - 3] == 0xED && (written[n - 2] & 0xF0) == 0xA0 &&
      static_cast<uint8_t>(s[0]) == 0xED && (static_cast<uint8_t>(s[1]) & 0xF0) == 0xB0) {
    const char16_t hi = static_cast<char16_t>(0xD000 | ((written[n - 2] & 0x3F) << 6) | (written[n - 1] & 0x3F));
    const char16_t lo = static_cast<char16_t>(0xD000 | ((s[1] & 0x3F) << 6) | (s[2] & 0x3F));
    appendCodePoint(joined, 0x10000 + ((static_cast<char32_t>(hi) - 0xD800) << 10) + (lo - 0xDC00));
    joined.append(s.substr(3));
    out.truncate(n - 3);
    s = joined;
  }
  out.writeUint8Array({reinterpret_cast<const uint8_t*>(s.data()), s.size()});
}

size_t varUintSize(uint64_t v) {
  size_t n = 1;
  for (; v > 0x7F; v >>= 7) n++;
  return n;
}

// UTF-16 length of WTF-8: one unit per lead byte, two for 4-byte sequences
// (branch-free, so that the compiler vectorizes it).
size_t wtf16Length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += static_cast<size_t>((c & 0xC0) != 0x80) + static_cast<size_t>(c >= 0xF0);
  return n;
}

}  // namespace

void StringEncoder::write(std::string_view wtf8) {
  onlyAscii_ = false;
  appendJoined(text_, wtf8);
  lens_.write(wtf16Length(wtf8));
}

std::span<const uint8_t> StringEncoder::utf8(std::string& fixed) const {
  const std::span<const uint8_t> text = text_.data();
  const std::string_view wtf8(reinterpret_cast<const char*>(text.data()), text.size());
  if (onlyAscii_ || isValidUtf8(wtf8)) return text;
  fixed = toWellFormedUtf8(wtf8);
  return {reinterpret_cast<const uint8_t*>(fixed.data()), fixed.size()};
}

void StringEncoder::reset() {
  text_.clear();
  onlyAscii_ = true;
  lens_ = UintOptRleEncoder();
}

std::vector<uint8_t> StringEncoder::take() {
  std::string fixed;
  const std::span<const uint8_t> text = utf8(fixed);
  const std::span<const uint8_t> lens = lens_.finish();
  Encoder enc;
  enc.reserve(10 + text.size() + lens.size());
  enc.writeVarUint8Array(text);
  enc.writeUint8Array(lens);
  reset();
  return enc.take();
}

void StringEncoder::appendTo(Encoder& out) {
  std::string fixed;
  const std::span<const uint8_t> text = utf8(fixed);
  const std::span<const uint8_t> lens = lens_.finish();
  out.writeVarUint(varUintSize(text.size()) + text.size() + lens.size());
  out.writeVarUint8Array(text);
  out.writeUint8Array(lens);
  reset();
}

uint8_t RleDecoder::read() {
  if (count_ == 0) {
    s_ = dec_.readUint8();
    count_ = dec_.hasContent() ? static_cast<int64_t>(dec_.readVarUint()) + 1 : -1;
  }
  if (count_ > 0) count_--;
  return s_;
}

uint64_t UintOptRleDecoder::read() {
  if (count_ == 0) {
    const double v = dec_.readVarInt();
    const bool negative = std::signbit(v);
    s_ = static_cast<uint64_t>(negative ? -v : v);
    count_ = negative ? dec_.readVarUint() + 2 : 1;
  }
  count_--;
  return s_;
}

int64_t IntDiffOptRleDecoder::read() {
  if (count_ == 0) {
    const double v = dec_.readVarInt();  // |v| < 2^53
    const int64_t d = static_cast<int64_t>(v);
    diff_ = d >> 1;  // Math.floor(d / 2)
    count_ = (d & 1) ? dec_.readVarUint() + 2 : 1;
  }
  // Saturate: sums beyond 2^62 are out of every caller's range anyway.
  constexpr int64_t kLimit = int64_t{1} << 62;
  s_ += diff_;
  if (s_ > kLimit) s_ = kLimit;
  if (s_ < -kLimit) s_ = -kLimit;
  count_--;
  return s_;
}

StringDecoder::StringDecoder(std::span<const uint8_t> bytes) : lens_(bytes) {
  // The text comes first; the lengths' column is the rest of the bytes.
  Decoder dec(bytes);
  str_ = dec.readVarString();
  lens_ = UintOptRleDecoder(bytes.subspan(dec.position()));
}

std::string StringDecoder::read() {
  uint64_t n = lens_.read();
  std::string out;
  if (n == 0) return out;
  if (pendingLow_) {
    appendUtf16CodeUnit(out, pendingLow_);
    pendingLow_ = 0;
    n--;
  }
  const size_t start = pos_;
  const size_t size = str_.size();
  while (n > 0 && pos_ < size) {
    const unsigned char b = static_cast<unsigned char>(str_[pos_]);
    if (b < 0x80) {
      pos_ += 1;
    } else if (b < 0xE0) {
      pos_ += 2;
    } else if (b < 0xF0) {
      pos_ += 3;
    } else if (n >= 2) {
      pos_ += 4;
      n--;
    } else {
      // The slice ends inside a surrogate pair: keep its high half here and
      // its low half for the next string.
      out.append(str_, start, pos_ - start);
      char32_t cp = ((b & 0x07) << 18) | ((str_[pos_ + 1] & 0x3F) << 12) | ((str_[pos_ + 2] & 0x3F) << 6) |
                    (str_[pos_ + 3] & 0x3F);
      cp -= 0x10000;
      appendUtf16CodeUnit(out, static_cast<char16_t>(0xD800 + (cp >> 10)));
      pendingLow_ = static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
      pos_ += 4;
      return out;
    }
    n--;
  }
  out.append(str_, start, pos_ - start);
  return out;
}

}  // namespace roundtable::lib0
