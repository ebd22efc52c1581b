// lz-string 1.5.0's format (node_modules/lz-string/libs/lz-string.js, _compress
// and _decompress), as compressToEncodedURIComponent uses it:
//
// LZW over UTF-16 code units. The output is a bit stream cut into 6-bit
// characters of kAlphabet, most significant bit first; every number is
// written into that stream least significant bit first. A code is numBits
// wide; numBits starts at 2 and grows by one whenever the dictionary reaches
// the next power of two (the `enlargeIn` countdown below). Codes:
//   0  a new code unit < 256 follows in 8 bits; it becomes the next entry
//   1  a new code unit follows in 16 bits; it becomes the next entry
//   2  end of stream
//   n  dictionary entry n (3 and up)
// After each emitted phrase w, w + (next unit) becomes the next entry, as in
// every LZW. The stream ends with code 2 and then zero bits up to the end of
// a character; a stream already ending on a character boundary still gets a
// whole zero character ('A'), because the JavaScript shifts before it checks.
//
// One quirk of the JavaScript must be copied for byte-identical output: the
// compressor's dictionary is a plain object, and `dict["__proto__"] = n`
// sets no property, so the 9-unit phrase "__proto__" is given a code that is
// never found again (see isProtoKey).

#include "plan/lz_string.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <vector>

#include "crdt/lib0/utf.h"

namespace roundtable::plan {
namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$";
constexpr int kBitsPerChar = 6;

constexpr uint32_t kCodeUnit8 = 0;
constexpr uint32_t kCodeUnit16 = 1;
constexpr uint32_t kCodeEnd = 2;
constexpr uint32_t kFirstEntry = 3;

// Both sides count the same way: a countdown to the next power of two, after
// which codes are one bit wider.
struct CodeWidth {
  int numBits;
  uint64_t enlargeIn;
  void tick() {
    if (--enlargeIn == 0) {
      enlargeIn = uint64_t{1} << numBits;
      ++numBits;
    }
  }
};

// --- compression ---

class BitWriter {
 public:
  explicit BitWriter(std::string& out) : out_(out) {}

  // The low `count` bits of `value`, least significant first.
  void write(uint32_t value, int count) {
    for (int i = 0; i < count; ++i) {
      acc_ = (acc_ << 1) | (value & 1);
      value >>= 1;
      if (++filled_ == kBitsPerChar) {
        out_.push_back(kAlphabet[acc_]);
        acc_ = 0;
        filled_ = 0;
      }
    }
  }

  // Pads with zeros to a character; at least one zero bit, as the JavaScript
  // does (see the top of this file).
  void finish() {
    do {
      acc_ <<= 1;
    } while (++filled_ != kBitsPerChar);
    out_.push_back(kAlphabet[acc_]);
  }

 private:
  std::string& out_;
  uint32_t acc_ = 0;
  int filled_ = 0;
};

// The compressor's dictionary: (code of a phrase, next unit) -> code of the
// longer phrase, one open-addressed table of integers, so that looking up a
// phrase never builds a string. A single unit is the phrase (0, unit): code
// 0 is never a phrase, so it stands for the empty one.
class PhraseTable {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  PhraseTable() { rehash(1024); }

  static uint64_t key(uint32_t prefix, char16_t unit) { return (uint64_t{prefix} << 16) | unit; }

  uint32_t find(uint64_t k) const {
    for (size_t i = slotOf(k);; i = (i + 1) & mask_) {
      if (slots_[i].key == k) return slots_[i].code;
      if (slots_[i].key == kEmptyKey) return kMissing;
    }
  }

  // Precondition: `k` is not in the table.
  void insert(uint64_t k, uint32_t code) {
    if (2 * (size_ + 1) > slots_.size()) rehash(2 * slots_.size());
    place(k, code);
    ++size_;
  }

 private:
  // Keys are below 2^48 (a 32-bit code and a 16-bit unit).
  static constexpr uint64_t kEmptyKey = UINT64_MAX;
  struct Slot {
    uint64_t key;
    uint32_t code;
  };

  size_t slotOf(uint64_t k) const {
    // Fibonacci hashing: consecutive codes and units spread over the table.
    return static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void place(uint64_t k, uint32_t code) {
    size_t i = slotOf(k);
    while (slots_[i].key != kEmptyKey) i = (i + 1) & mask_;
    slots_[i] = {k, code};
  }

  void rehash(size_t capacity) {  // capacity: a power of two
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{kEmptyKey, 0});
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    for (const Slot& s : old) {
      if (s.key != kEmptyKey) place(s.key, s.code);
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  size_t mask_ = 0;
  int shift_ = 0;
};

// True if the phrase ending at in[end] and `length` units long is
// "__proto__", the one phrase the JavaScript dictionary cannot hold.
bool isProtoKey(const std::u16string& in, size_t end, size_t length) {
  static constexpr std::u16string_view kProto = u"__proto__";
  return length == kProto.size() && in[end] == u'_' && in.compare(end + 1 - length, length, kProto) == 0;
}

}  // namespace

std::string compressToEncodedURIComponent(std::string_view text) {
  const std::u16string in = lib0::utf8ToUtf16(text);
  std::string out;
  out.reserve(in.size() / 2 + 4);
  BitWriter bits(out);
  CodeWidth width{2, 2};  // enlargeIn 2, not 1: the first entry (the first unit) does not count
  PhraseTable phrases;
  uint32_t dictSize = kFirstEntry;
  // Per code: a single unit that got its code but has not been written yet
  // (the JavaScript's context_dictionaryToCreate). Its first use writes the
  // unit itself instead of the code.
  std::vector<bool> unwritten(kFirstEntry, false);

  uint32_t w = 0;  // code of the current phrase; 0 while it is empty
  size_t wLength = 0;
  char16_t wUnit = 0;  // the unit, while the phrase is one unit long

  auto emit = [&] {
    if (unwritten[w]) {
      if (wUnit < 256) {
        bits.write(kCodeUnit8, width.numBits);
        bits.write(wUnit, 8);
      } else {
        bits.write(kCodeUnit16, width.numBits);
        bits.write(wUnit, 16);
      }
      // Writing a unit adds an entry on the reading side, so it counts once
      // more towards the next code width.
      width.tick();
      unwritten[w] = false;
    } else {
      bits.write(w, width.numBits);
    }
    width.tick();
  };

  for (size_t i = 0; i < in.size(); ++i) {
    const char16_t c = in[i];
    const uint64_t unitKey = PhraseTable::key(0, c);
    uint32_t cCode = phrases.find(unitKey);
    if (cCode == PhraseTable::kMissing) {
      cCode = dictSize++;
      phrases.insert(unitKey, cCode);
      unwritten.push_back(true);
    }
    if (wLength == 0) {
      w = cCode;
      wLength = 1;
      wUnit = c;
      continue;
    }
    const uint64_t wcKey = PhraseTable::key(w, c);
    const uint32_t wc = phrases.find(wcKey);
    if (wc != PhraseTable::kMissing) {
      w = wc;
      ++wLength;
      continue;
    }
    emit();
    if (!isProtoKey(in, i, wLength + 1)) phrases.insert(wcKey, dictSize);
    ++dictSize;
    unwritten.push_back(false);
    w = cCode;
    wLength = 1;
    wUnit = c;
  }
  if (wLength > 0) emit();
  bits.write(kCodeEnd, width.numBits);
  bits.finish();
  return out;
}

// --- decompression ---

namespace {

constexpr int8_t kNotInAlphabet = -1;

constexpr std::array<int8_t, 256> makeAlphabetIndex() {
  std::array<int8_t, 256> index{};
  index.fill(kNotInAlphabet);
  for (size_t i = 0; i < kAlphabet.size(); ++i) index[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  // URL query decoding turns '+' into ' '; the JavaScript reads it back.
  index[' '] = index['+'];
  return index;
}
constexpr std::array<int8_t, 256> kAlphabetIndex = makeAlphabetIndex();

class BitReader {
 public:
  explicit BitReader(std::string_view data) : data_(data) {}

  // The next `count` bits as a number, least significant first; false if the
  // data ends first or holds a character outside the alphabet.
  bool read(int count, uint32_t& value) {
    value = 0;
    for (int i = 0; i < count; ++i) {
      if (left_ == 0 && !load()) return false;
      --left_;
      value |= static_cast<uint32_t>((char_ >> left_) & 1) << i;
    }
    return true;
  }

  // True if what is left is exactly the writer's padding: zero bits to the
  // end of the character, or one whole zero character when the last code
  // ended on a character boundary.
  bool atPaddedEnd() {
    if (left_ == 0 && !load()) return false;
    return (char_ & ((1u << left_) - 1)) == 0 && next_ == data_.size();
  }

 private:
  bool load() {
    if (next_ == data_.size()) return false;
    const int8_t v = kAlphabetIndex[static_cast<uint8_t>(data_[next_++])];
    if (v == kNotInAlphabet) return false;
    char_ = static_cast<uint32_t>(v);
    left_ = kBitsPerChar;
    return true;
  }

  std::string_view data_;
  size_t next_ = 0;
  uint32_t char_ = 0;
  int left_ = 0;  // unread bits of char_
};

// A dictionary entry: a stretch of the text produced so far. Each entry is
// an earlier phrase plus the first unit of the phrase after it, and phrases
// are written one after another, so every entry already stands in the output
// and costs eight bytes however long it is.
struct Span {
  uint32_t offset;
  uint32_t length;
};

}  // namespace

std::optional<std::string> decompressFromEncodedURIComponent(std::string_view data, size_t maxTextUnits) {
  // Offsets are 32-bit; no URL comes near.
  maxTextUnits = std::min<size_t>(maxTextUnits, UINT32_MAX / 2);
  BitReader bits(data);
  std::u16string out;
  std::vector<Span> dict(kFirstEntry, Span{0, 0});  // codes 0..2 are not entries
  CodeWidth width{3, 4};  // the first unit and its code are already counted

  // Reads a new unit (after code 0 or 1) and appends it as a new entry.
  auto readUnit = [&](uint32_t code) -> bool {
    uint32_t unit;
    if (!bits.read(code == kCodeUnit8 ? 8 : 16, unit) || out.size() + 1 > maxTextUnits) return false;
    dict.push_back({static_cast<uint32_t>(out.size()), 1});
    out.push_back(static_cast<char16_t>(unit));
    return true;
  };

  uint32_t code;
  if (!bits.read(2, code)) return std::nullopt;
  if (code == kCodeEnd) {
    if (!bits.atPaddedEnd()) return std::nullopt;
    return std::string();
  }
  if (code != kCodeUnit8 && code != kCodeUnit16) return std::nullopt;
  if (!readUnit(code)) return std::nullopt;
  Span w = dict.back();

  while (true) {
    if (!bits.read(width.numBits, code)) return std::nullopt;
    if (code == kCodeEnd) {
      if (!bits.atPaddedEnd()) return std::nullopt;
      return lib0::utf16ToUtf8(out);
    }
    const size_t start = out.size();
    Span entry;
    if (code == kCodeUnit8 || code == kCodeUnit16) {
      if (!readUnit(code)) return std::nullopt;
      width.tick();
      entry = dict.back();
    } else if (code < dict.size()) {
      entry = dict[code];
      if (start + entry.length > maxTextUnits) return std::nullopt;
      out.resize(start + entry.length);
      std::copy_n(out.data() + entry.offset, entry.length, out.data() + start);
      entry.offset = static_cast<uint32_t>(start);
    } else if (code == dict.size()) {
      // The entry being defined by this very step (LZW's cScSc case): w plus
      // its own first unit.
      if (start + w.length + 1 > maxTextUnits) return std::nullopt;
      out.resize(start + w.length + 1);
      std::copy_n(out.data() + w.offset, w.length, out.data() + start);
      out[start + w.length] = out[w.offset];
      entry = {static_cast<uint32_t>(start), w.length + 1};
    } else {
      return std::nullopt;
    }
    // w + entry's first unit: w ends where entry starts, so that is one span.
    dict.push_back({w.offset, w.length + 1});
    width.tick();
    w = entry;
  }
}

}  // namespace roundtable::plan
