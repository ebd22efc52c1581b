#include "plan/lz_string.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "lib0/utf.h"

namespace roundtable::plan {
namespace {

// WTF-8 of a JavaScript string given as UTF-16 code units.
std::string js(std::u16string_view units) { return lib0::utf16ToUtf8(units); }

// Outputs of the npm lz-string 1.5.0, made with
//   node -e 'console.log(require("lz-string").compressToEncodedURIComponent(S))'
// for the JavaScript string S in the comment.
struct Vector {
  const char* name;
  std::string text;
  const char* compressed;
};

const std::vector<Vector>& knownVectors() {
  static const std::vector<Vector> v = {
      {"empty", "", "Q"},                                                            // ""
      {"one char", "a", "IZA"},                                                      // "a"
      {"ascii", "Hello, world! Hello, world!", "BIUwNmD2A0AEDukBOYAmBCWoIwct6QA"},  // the same
      {"kwkwk", "aaa", "IYo"},                                                       // "aaa"
      {"latin-1", "\xC3\xA9\xC3\xA9\xC3\xA9 caf\xC3\xA9", "JcgEGMEMDNiA"},           // "ééé café"
      // "日本語のテキスト"
      {"cjk", "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E\xE3\x81\xAE\xE3\x83\x86\xE3\x82\xAD\xE3\x82\xB9\xE3\x83\x88",
       "qemhpzR5UYdgyGMMi1DInQyAmGIA"},
      // "😀👍🏽👨‍👩‍👧": surrogate pairs, a skin tone modifier, ZWJs
      {"emoji", js(u"\U0001F600\U0001F44D\U0001F3FD\U0001F468\u200D\U0001F469\u200D\U0001F467"),
       "rwbgA96WR3B4Nxf-eQLHcLAExCWO0w5jtA"},
      {"lone high surrogate", js(u"\xD800"), "gAbQ"},   // "\ud800"
      {"lone low surrogate", js(u"\xDC00" u"a"), "gA7EMg"},  // "\udc00a"
      {"__proto__", "__proto__x__proto__y__proto__", "PrAOCcHsBdJAPEEZ2ATyVWIg"},
      // "__proto__".repeat(50): long enough to build the phrase "__proto__",
      // which the JavaScript dictionary cannot hold (see lz_string.cc); without
      // that quirk the output ends "...zJ8pYpUS14jRSA".
      {"__proto__ x50", [] {
         std::string s;
         for (int i = 0; i < 50; ++i) s += "__proto__";
         return s;
       }(),
       "PrAOCcHsBdJEIzvRt5imlnkJ+1XDJA-bE8rPC6q4uw0m+oxy1s2j5trphzi37cBPQbyHth0qbL5zJfBRJXi1YjViA"},
      // '{"id":"p1","title":"Plan — étape 1","blocks":[]}'
      {"plan json", "{\"id\":\"p1\",\"title\":\"Plan \xE2\x80\x94 \xC3\xA9tape 1\",\"blocks\":[]}",
       "N4IglgJiBcIA4EYQBoQBcxoDYFMYgAUsBDAOwAJAUAnIEu1i4dylUAjLAewGMBrAZxgBtALoBfIA"},
      // "a".repeat(33000): the dictionary passes 256 entries, codes 9 bits wide
      {"33000 a", std::string(33000, 'a'),
       "IY18ZXTt-DFOS1b0c17Pd-wYUcSaWeRZVdTbXfQ408y62+x519z73-wMFDhI0WPETJU6TNlz5CxUuUrVa9Rs1btO3Xv0HDR4ydNnzFy1es3bd+"
       "w8dPnL12-cfPX7z99--AYFBwSGhYeERkVHRMbFx8QmJSckpqWnpGZlZ2Tm5efkFhUXFJaVl5RWVVdU1tXX1DY1NzS2tbe0dnV3dPb19-"
       "QODQ8Mjo2PjE5NT0zOzc-MLi0vLK6tr6xubW9s7u3v7B4dHxyenZ+cXl1fXN7d39w+PT88vr2-vH59f3z+-f-8AwFAqxAA"},
  };
  return v;
}

TEST(LzStringTest, CompressMatchesJavaScript) {
  for (const Vector& v : knownVectors()) {
    EXPECT_EQ(compressToEncodedURIComponent(v.text), v.compressed) << v.name;
  }
}

TEST(LzStringTest, DecompressReadsJavaScriptOutput) {
  for (const Vector& v : knownVectors()) {
    EXPECT_EQ(decompressFromEncodedURIComponent(v.compressed), v.text) << v.name;
  }
}

TEST(LzStringTest, RoundTrips) {
  std::string mixed;
  for (int i = 0; i < 5000; ++i) {
    mixed += "line " + std::to_string(i % 97) + " \xC3\xA9\xF0\x9F\x98\x80 ";
    mixed.push_back(static_cast<char>(i % 128));
  }
  const std::string texts[] = {
      "",
      std::string(1, '\0'),
      "\x01\x02\x03\x7F",
      js(u"\xDBFF\xDBFF\xDFFF\xDC00"),  // lone high, a pair, lone low
      js(u"\xFFFF\xFFFE\x0100\x00FF"),  // the edges of the 8-bit and 16-bit forms
      mixed,
      std::string(70000, 'x'),
  };
  for (const std::string& t : texts) {
    const std::string c = compressToEncodedURIComponent(t);
    EXPECT_EQ(c.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$"), std::string::npos);
    EXPECT_EQ(decompressFromEncodedURIComponent(c), t) << t.size();
  }
}

TEST(LzStringTest, SpaceReadsAsPlus) {
  // The query string "d=a+b" arrives as "a b" after form decoding.
  const Vector& v = knownVectors().back();
  std::string spaced = v.compressed;
  ASSERT_NE(spaced.find('+'), std::string::npos);
  for (char& ch : spaced) {
    if (ch == '+') ch = ' ';
  }
  EXPECT_EQ(decompressFromEncodedURIComponent(spaced), v.text);
}

TEST(LzStringTest, CorruptInputIsNullopt) {
  // What the JavaScript decompressFromEncodedURIComponent gives is noted.
  const char* corrupt[] = {
      "",      // null
      "A",     // "": code 0, then the data ends inside the unit
      "AAAA",  // ""
      "IZ",    // "a": truncated, the JavaScript reads missing bits as zeros
      "IZB",   // "a": padding bits not zero
      "IZAA",  // "a": more after the padding
      "IZA$",  // "a"
      "IZA=",  // "a": '=' is not in the alphabet
      "Q$",    // "": the empty text and more
      "Ibg",   // null: code 7 with four entries
      "wAAA",  // "": first code 3
      "????",  // ""
      "BYUwNmD2AEDukCcwBM",    // "": "hello world" without its last character
      "BYUwNmD2AEDukCcwBMgA",  // "hello world": one character too many
  };
  for (const char* c : corrupt) EXPECT_EQ(decompressFromEncodedURIComponent(c), std::nullopt) << c;

  // Every proper prefix of a valid output.
  const std::string whole = compressToEncodedURIComponent("the quick brown fox jumps over the lazy dog");
  for (size_t n = 0; n < whole.size(); ++n) {
    EXPECT_EQ(decompressFromEncodedURIComponent(std::string_view(whole).substr(0, n)), std::nullopt) << n;
  }
}

// Writes a stream of lz-string codes the way the reader counts code widths,
// for input no compressor would write.
class CodeStream {
 public:
  explicit CodeStream(char16_t first) {
    put(0, 2);
    put(first, 8);
  }
  void ref(uint32_t code) {
    put(code, numBits_);
    if (--enlargeIn_ == 0) enlargeIn_ = uint64_t{1} << numBits_++;
    ++dictSize_;
  }
  uint32_t dictSize() const { return dictSize_; }
  std::string finish() {
    put(2, numBits_);
    bits_.push_back(0);
    while (bits_.size() % 6 != 0) bits_.push_back(0);
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-$";
    std::string out;
    for (size_t i = 0; i < bits_.size(); i += 6) {
      int v = 0;
      for (size_t j = 0; j < 6; ++j) v = (v << 1) | bits_[i + j];
      out.push_back(kAlphabet[v]);
    }
    return out;
  }

 private:
  void put(uint32_t value, int count) {
    for (int i = 0; i < count; ++i) bits_.push_back((value >> i) & 1);
  }
  std::vector<uint8_t> bits_;
  int numBits_ = 3;
  uint64_t enlargeIn_ = 4;
  uint32_t dictSize_ = 4;
};

// A stream that builds the entry a^(grow+1) and then repeats it `repeats`
// times: about 2 bytes of input per (grow+1) units of output.
std::string bomb(uint32_t grow, uint32_t repeats, size_t& textUnits) {
  CodeStream s(u'a');
  textUnits = 1;
  for (uint32_t i = 0; i < grow; ++i) {
    textUnits += i + 2;
    s.ref(s.dictSize());  // w + w[0]: one longer each time
  }
  const uint32_t longest = s.dictSize() - 1;
  for (uint32_t i = 0; i < repeats; ++i) {
    textUnits += grow + 1;
    s.ref(longest);
  }
  return s.finish();
}

TEST(LzStringTest, OutputCap) {
  size_t units = 0;
  const std::string small = bomb(100, 100, units);
  const auto text = decompressFromEncodedURIComponent(small, units);
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(*text, std::string(units, 'a'));
  EXPECT_EQ(decompressFromEncodedURIComponent(small, units - 1), std::nullopt);
  EXPECT_EQ(decompressFromEncodedURIComponent("IZA", 0), std::nullopt);
  EXPECT_EQ(decompressFromEncodedURIComponent("Q", 0), "");
}

TEST(LzStringTest, HostileInputStopsAtTheDefaultCap) {
  // About 340 KB of data that asks for about 2.2 billion units.
  size_t units = 0;
  const std::string data = bomb(20000, 100000, units);
  ASSERT_GT(units, size_t{2} << 30);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(decompressFromEncodedURIComponent(data), std::nullopt);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(2));
}

}  // namespace
}  // namespace roundtable::plan
