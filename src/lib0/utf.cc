#include "lib0/utf.h"

#include <cstdint>
#include <cstring>

namespace roundtable::lib0 {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;

inline bool isCont(uint8_t b) { return (b & 0xC0) == 0x80; }

// Length of the run of ASCII bytes starting at p (checked 8 bytes at a time).
inline size_t asciiRun(const uint8_t* p, const uint8_t* end) {
  const uint8_t* start = p;
  while (end - p >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    if (w & kHighBits) break;
    p += 8;
  }
  while (p < end && *p < 0x80) ++p;
  return static_cast<size_t>(p - start);
}

// Decodes one WTF-8 sequence at p (p < end). Returns its length and sets cp,
// or returns 0 if the bytes at p do not start a valid WTF-8 sequence.
// Surrogates (ED A0..BF xx) are accepted and give cp in D800..DFFF.
inline int decodeWtf8(const uint8_t* p, const uint8_t* end, char32_t& cp) {
  const uint8_t b0 = p[0];
  const ptrdiff_t avail = end - p;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  if (b0 < 0xC2) return 0;
  if (b0 < 0xE0) {
    if (avail < 2 || !isCont(p[1])) return 0;
    cp = (char32_t(b0 & 0x1F) << 6) | (p[1] & 0x3F);
    return 2;
  }
  if (b0 < 0xF0) {
    if (avail < 3 || !isCont(p[1]) || !isCont(p[2])) return 0;
    if (b0 == 0xE0 && p[1] < 0xA0) return 0;  // overlong
    cp = (char32_t(b0 & 0x0F) << 12) | (char32_t(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
    return 3;
  }
  if (b0 < 0xF5) {
    if (avail < 4 || !isCont(p[1]) || !isCont(p[2]) || !isCont(p[3])) return 0;
    if (b0 == 0xF0 && p[1] < 0x90) return 0;  // overlong
    if (b0 == 0xF4 && p[1] > 0x8F) return 0;  // above U+10FFFF
    cp = (char32_t(b0 & 0x07) << 18) | (char32_t(p[1] & 0x3F) << 12) |
         (char32_t(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    return 4;
  }
  return 0;
}

inline bool isSurrogate(char32_t cp) { return cp >= 0xD800 && cp <= 0xDFFF; }

inline const uint8_t* bytesOf(std::string_view s) {
  return reinterpret_cast<const uint8_t*>(s.data());
}

}  // namespace

void appendCodePoint(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

void appendUtf16CodeUnit(std::string& out, char16_t unit) {
  if (unit >= 0xDC00 && unit <= 0xDFFF && out.size() >= 3) {
    const auto* tail = reinterpret_cast<const uint8_t*>(out.data() + out.size() - 3);
    if (tail[0] == 0xED && tail[1] >= 0xA0 && tail[1] <= 0xAF) {
      // Lone high surrogate followed by a low surrogate: join into one pair.
      const char32_t high = 0xD000 | (char32_t(tail[1] & 0x3F) << 6) | (tail[2] & 0x3F);
      out.resize(out.size() - 3);
      appendCodePoint(out, 0x10000 + ((high - 0xD800) << 10) + (unit - 0xDC00));
      return;
    }
  }
  appendCodePoint(out, unit);
}

std::u16string utf8ToUtf16(std::string_view wtf8) {
  std::u16string out;
  out.reserve(wtf8.size());  // never more units than bytes
  const uint8_t* p = bytesOf(wtf8);
  const uint8_t* end = p + wtf8.size();
  while (p < end) {
    const size_t run = asciiRun(p, end);
    for (size_t i = 0; i < run; ++i) out.push_back(static_cast<char16_t>(p[i]));
    p += run;
    if (p >= end) break;
    char32_t cp;
    const int len = decodeWtf8(p, end, cp);
    if (len == 0) {
      out.push_back(u'\uFFFD');
      ++p;
      continue;
    }
    p += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xD800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xDC00 + (cp & 0x3FF)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

std::string utf16ToUtf8(std::u16string_view utf16) {
  std::string out;
  out.reserve(utf16.size() + utf16.size() / 2);
  const size_t n = utf16.size();
  for (size_t i = 0; i < n; ++i) {
    const char16_t u = utf16[i];
    if (u < 0x80) {
      out.push_back(static_cast<char>(u));
    } else if (u >= 0xD800 && u <= 0xDBFF && i + 1 < n && utf16[i + 1] >= 0xDC00 &&
               utf16[i + 1] <= 0xDFFF) {
      appendCodePoint(out, 0x10000 + ((char32_t(u) - 0xD800) << 10) + (utf16[i + 1] - 0xDC00));
      ++i;
    } else {
      appendCodePoint(out, u);  // includes lone surrogates as 3-byte WTF-8
    }
  }
  return out;
}

size_t utf16Length(std::string_view utf8) {
  // Every non-continuation byte starts one code unit; 4-byte leads add one
  // more (the low surrogate).
  size_t count = 0;
  for (unsigned char b : utf8) {
    count += (b & 0xC0) != 0x80;
    count += b >= 0xF0;
  }
  return count;
}

namespace {

// Whether every sequence decodes; lone surrogates are allowed only in WTF-8.
bool validate(std::string_view bytes, bool allowSurrogates) {
  const uint8_t* p = bytesOf(bytes);
  const uint8_t* end = p + bytes.size();
  while (p < end) {
    p += asciiRun(p, end);
    if (p >= end) break;
    char32_t cp;
    const int len = decodeWtf8(p, end, cp);
    if (len == 0 || (!allowSurrogates && isSurrogate(cp))) return false;
    p += len;
  }
  return true;
}

}  // namespace

bool isValidUtf8(std::string_view bytes) { return validate(bytes, false); }

bool isValidWtf8(std::string_view bytes) { return validate(bytes, true); }

std::string toWellFormedUtf8(std::string_view wtf8) {
  if (isValidUtf8(wtf8)) return std::string(wtf8);
  std::string out;
  out.reserve(wtf8.size() + 8);
  const uint8_t* p = bytesOf(wtf8);
  const uint8_t* end = p + wtf8.size();
  while (p < end) {
    const size_t run = asciiRun(p, end);
    out.append(reinterpret_cast<const char*>(p), run);
    p += run;
    if (p >= end) break;
    char32_t cp;
    const int len = decodeWtf8(p, end, cp);
    if (len == 3 && cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6) {
      // Generalized UTF-8 pair (not WTF-8, but JavaScript would see a valid
      // surrogate pair here): emit the 4-byte form.
      char32_t low;
      if (decodeWtf8(p + 3, end, low) == 3 && low >= 0xDC00 && low <= 0xDFFF) {
        appendCodePoint(out, 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00));
        p += 6;
        continue;
      }
    }
    if (len == 0 || isSurrogate(cp)) {
      out.append("\xEF\xBF\xBD");
      p += len == 0 ? 1 : len;
    } else {
      out.append(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
      p += len;
    }
  }
  return out;
}

}  // namespace roundtable::lib0
