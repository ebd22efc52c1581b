// UTF-8 / WTF-8 / UTF-16 conversions.
//
// JavaScript strings are sequences of UTF-16 code units and may contain lone
// surrogates. Roundtable keeps text as WTF-8: UTF-8 in which a lone surrogate
// U+D800..U+DFFF is stored as its 3-byte generalized UTF-8 form (ED A0..BF xx).
// A high surrogate directly followed by a low surrogate is never stored as two
// 3-byte sequences: it is always the 4-byte UTF-8 form of the supplementary
// code point. Every function here is linear in its input and never throws.
//
//   std::u16string u = utf8ToUtf16("a\xF0\x9F\x98\x80");   // u"a\U0001F600", size 3
//   std::string s = utf16ToUtf8(u);                         // back to 5 bytes
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace roundtable::lib0 {

// Decodes WTF-8 into UTF-16 code units. Lone surrogates (ED A0..BF xx) become
// the surrogate code unit. Bytes that are not valid WTF-8 (a precondition
// violation) each become one U+FFFD; the function still terminates normally.
std::u16string utf8ToUtf16(std::string_view wtf8);

// Encodes UTF-16 into WTF-8: surrogate pairs become 4-byte UTF-8, lone
// surrogates become 3-byte sequences ED A0..BF xx. Never fails.
std::string utf16ToUtf8(std::u16string_view utf16);

// Number of UTF-16 code units of a valid WTF-8 string (what JavaScript's
// `str.length` gives). Equals utf8ToUtf16(s).size() for valid WTF-8 input; for
// invalid input the result is unspecified but the call is still safe.
size_t utf16Length(std::string_view utf8);

// True if the bytes are well-formed UTF-8 as a fatal TextDecoder accepts it:
// no overlong forms, no surrogates (ED A0..BF), nothing above U+10FFFF, no
// truncated sequences.
bool isValidUtf8(std::string_view bytes);

// True if the bytes are well-formed WTF-8: valid UTF-8, except that 3-byte
// surrogate sequences are allowed (a high surrogate sequence directly followed
// by a low surrogate sequence is not WTF-8 but is still accepted here).
bool isValidWtf8(std::string_view bytes);

// What JavaScript's TextEncoder produces for the string: a copy in which every
// 3-byte surrogate sequence, and every byte that is not part of a valid
// sequence, is replaced by U+FFFD (EF BF BD). Valid UTF-8 is returned as is.
std::string toWellFormedUtf8(std::string_view wtf8);

// Appends the WTF-8 form of one UTF-16 code unit `unit` to `out`, joining it
// with a preceding lone high surrogate in `out` into one 4-byte sequence when
// `unit` is a low surrogate. Used by decoders that produce code units one at a
// time (e.g. JSON `\uXXXX` escapes).
void appendUtf16CodeUnit(std::string& out, char16_t unit);

// Appends the UTF-8 form of a code point (0..0x10FFFF; surrogates give the
// 3-byte WTF-8 form without joining).
void appendCodePoint(std::string& out, char32_t cp);

}  // namespace roundtable::lib0
