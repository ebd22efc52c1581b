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
#include <memory>
#include <vector>

#include "lib0/utf.h"

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

// The compressor's dictionary for phrases of two units or more: (code of a
// phrase, next unit) -> code of the longer phrase, in one open-addressed
// table of 12-byte slots, so that looking a phrase up never builds a string.
// Small slots matter: a fresh table's pages cost more to fault in than the
// lookups cost (measured with bench/lz_string_bench.mjs).
class PhraseTable {
 public:
  static constexpr uint32_t kMissing = UINT32_MAX;

  PhraseTable() { rehash(1024); }

  uint32_t find(uint32_t prefix, char16_t unit) const {
    for (size_t i = slotOf(prefix, unit);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.prefix == prefix && s.unit == unit) return s.code;
      if (s.prefix == kEmpty) return kMissing;
    }
  }

  // Precondition: the phrase is not in the table.
  void insert(uint32_t prefix, char16_t unit, uint32_t code) {
    // Linear probing stays short up to a load of 3/4.
    if (4 * (size_ + 1) > 3 * slots_.size()) rehash(2 * slots_.size());
    place({prefix, code, unit});
    ++size_;
  }

 private:
  // No phrase has this code as its prefix: codes count up from 3 and stay far
  // below it.
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint32_t prefix;
    uint32_t code;
    char16_t unit;
  };

  size_t slotOf(uint32_t prefix, char16_t unit) const {
    // Fibonacci hashing: consecutive codes and units spread over the table.
    const uint64_t k = (uint64_t{prefix} << 16) | unit;
    return static_cast<size_t>((k * 0x9E3779B97F4A7C15ull) >> shift_);
  }

  void place(const Slot& slot) {
    size_t i = slotOf(slot.prefix, slot.unit);
    while (slots_[i].prefix != kEmpty) i = (i + 1) & mask_;
    slots_[i] = slot;
  }

  void rehash(size_t capacity) {  // capacity: a power of two
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(capacity, Slot{kEmpty, 0, 0});
    mask_ = capacity - 1;
    shift_ = 64 - std::countr_zero(capacity);
    for (const Slot& s : old) {
      if (s.prefix != kEmpty) place(s);
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
  size_t mask_ = 0;
  int shift_ = 0;
};

// The code of each single unit seen so far: looked up once per input unit, so
// an array rather than the hash table, in 256-unit pages made on first use
// (text uses few pages; a flat 64 Ki array would cost more to clear than a
// short text costs to compress).
class UnitCodes {
 public:
  static constexpr uint32_t kMissing = 0;  // codes 0..2 are never entries

  uint32_t& operator[](char16_t unit) {
    std::unique_ptr<uint32_t[]>& page = pages_[unit >> 8];
    if (!page) page = std::make_unique<uint32_t[]>(256);  // zeroed: kMissing
    return page[unit & 0xFF];
  }

 private:
  std::array<std::unique_ptr<uint32_t[]>, 256> pages_;
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
  UnitCodes unitCodes;
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
    uint32_t& cCode = unitCodes[c];
    if (cCode == UnitCodes::kMissing) {
      cCode = dictSize++;
      unwritten.push_back(true);
    }
    if (wLength == 0) {
      w = cCode;
      wLength = 1;
      wUnit = c;
      continue;
    }
    const uint32_t wc = phrases.find(w, c);
    if (wc != PhraseTable::kMissing) {
      w = wc;
      ++wLength;
      continue;
    }
    emit();
    if (!isProtoKey(in, i, wLength + 1)) phrases.insert(w, c, dictSize);
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
  // Sized for plan JSON (about 4 units per character, codes about 12 bits
  // wide) to skip most of the growing; memory reserved but never written is
  // not touched, and the cap still bounds what is.
  out.reserve(std::min(maxTextUnits, data.size() * 4));
  dict.reserve(data.size() / 2 + kFirstEntry);
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
