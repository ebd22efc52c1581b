#include "lib0/utf.h"

#include <gtest/gtest.h>

namespace roundtable::lib0 {
namespace {

TEST(UtfTest, RoundTripsThroughUtf16) {
  const std::string s = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z
  const std::u16string u = utf8ToUtf16(s);
  EXPECT_EQ(u, u"a\u00e9\u20ac\U0001F600z");
  EXPECT_EQ(u.size(), 6u);
  EXPECT_EQ(utf16Length(s), 6u);
  EXPECT_EQ(utf16ToUtf8(u), s);
}

TEST(UtfTest, LoneSurrogatesAreWtf8) {
  const std::u16string u = {u'a', char16_t(0xD83D), u'b', char16_t(0xDE00)};
  const std::string w = utf16ToUtf8(u);
  EXPECT_EQ(w, "a\xED\xA0\xBD" "b\xED\xB8\x80");
  EXPECT_EQ(utf8ToUtf16(w), u);
  EXPECT_EQ(utf16Length(w), 4u);
  EXPECT_FALSE(isValidUtf8(w));
  EXPECT_TRUE(isValidWtf8(w));
  EXPECT_EQ(toWellFormedUtf8(w), "a\xEF\xBF\xBD" "b\xEF\xBF\xBD");
}

TEST(UtfTest, Validation) {
  EXPECT_TRUE(isValidUtf8(""));
  EXPECT_TRUE(isValidUtf8("plain ascii text, long enough for the 8-byte path"));
  EXPECT_TRUE(isValidUtf8("\xEF\xBB\xBF\xF4\x8F\xBF\xBF\xED\x9F\xBF"));
  EXPECT_FALSE(isValidUtf8("\xC0\x80"));
  EXPECT_FALSE(isValidUtf8("\xE0\x80\x80"));
  EXPECT_FALSE(isValidUtf8("\xF0\x80\x80\x80"));
  EXPECT_FALSE(isValidUtf8("\xF4\x90\x80\x80"));
  EXPECT_FALSE(isValidUtf8("\xED\xA0\x80"));
  EXPECT_FALSE(isValidUtf8("abcdefgh\x80"));
  EXPECT_FALSE(isValidUtf8("\xE2\x82"));
  EXPECT_FALSE(isValidWtf8("\xE2\x82"));
}

TEST(UtfTest, InvalidBytesDoNotCrash) {
  EXPECT_EQ(utf8ToUtf16("\xFF" "a\xE2\x82"), (std::u16string{u'\uFFFD', u'a', u'\uFFFD', u'\uFFFD'}));
  EXPECT_EQ(toWellFormedUtf8("\xFFx"), "\xEF\xBF\xBDx");
}

TEST(UtfTest, AppendCodeUnitJoinsPairs) {
  std::string s;
  appendUtf16CodeUnit(s, 0xD83D);
  EXPECT_EQ(s, "\xED\xA0\xBD");
  appendUtf16CodeUnit(s, 0xDE00);
  EXPECT_EQ(s, "\xF0\x9F\x98\x80");
  appendUtf16CodeUnit(s, 0xDE00);  // a lone low surrogate stays lone
  EXPECT_EQ(s, "\xF0\x9F\x98\x80\xED\xB8\x80");
}

TEST(UtfTest, LongTextIsLinear) {
  std::string big;
  for (int i = 0; i < 200000; ++i) big += (i % 7 == 0) ? "\xF0\x9F\x98\x80" : "x\xC3\xA9";
  const std::u16string u = utf8ToUtf16(big);
  EXPECT_EQ(u.size(), utf16Length(big));
  EXPECT_EQ(utf16ToUtf8(u), big);
  EXPECT_TRUE(isValidUtf8(big));
}

}  // namespace
}  // namespace roundtable::lib0
