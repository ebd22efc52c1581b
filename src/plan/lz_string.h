// lz-string's URI-safe format: the `d=` parameter of a plan's URL snapshot
// (`/plan?d=...`, docs/product.md, "Documents").
//
// compressToEncodedURIComponent writes exactly the characters that the npm
// `lz-string` 1.5.0 package's function of the same name writes for the same
// JavaScript string, so a snapshot made here and one made in the web app are
// the same URL. decompressFromEncodedURIComponent reads everything that
// function writes.
//
//   std::string d = compressToEncodedURIComponent(R"({"title":"Café"})");
//   std::optional<std::string> json = decompressFromEncodedURIComponent(d);  // the same bytes
//
// lz-string works on UTF-16 code units (JavaScript's charCodeAt), so text is
// taken and given as WTF-8, the form lib0 Values hold strings in
// (lib0/utf.h): an emoji is two code units, a lone surrogate one.
//
// Both functions are pure and thread-safe; neither throws except
// std::bad_alloc.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace roundtable::plan {

// Default cap on the text decompressFromEncodedURIComponent will produce, in
// UTF-16 code units (JavaScript `length`): 8 Mi units, at most 24 MiB of
// UTF-8. A browser URL holds at most a few MB, and a few MB of lz-string data
// can ask for gigabytes (each code may repeat a longer dictionary entry), so
// the cap is what bounds memory and time for hostile input.
inline constexpr size_t kLzMaxTextUnits = size_t{8} << 20;

// The snapshot form of `text` (WTF-8): characters from A-Z a-z 0-9 + - $ only,
// never empty (the empty string gives "Q"). Byte-identical to the JavaScript
// `LZString.compressToEncodedURIComponent(s)` where s is `text` as a JavaScript
// string. Bytes that are not WTF-8 (a precondition violation) are each read
// as U+FFFD. Linear time and memory in the length of `text`.
std::string compressToEncodedURIComponent(std::string_view text);

// The text (WTF-8) that compressToEncodedURIComponent (C++ or JavaScript)
// turned into `data`, or nullopt when `data` is not such an output:
//  - empty, or holding a character outside the alphabet (a space is read as
//    '+', as the JavaScript does, because query decoding turns '+' into ' ');
//  - truncated, or followed by anything, or with non-zero padding bits;
//  - referring to a dictionary entry that does not exist yet;
//  - decompressing to more than `maxTextUnits` UTF-16 code units.
// This is stricter than the JavaScript, which for most corrupt input returns
// "" or some string instead of null. Time and memory are linear in
// data.size() plus the text produced, which the cap bounds.
std::optional<std::string> decompressFromEncodedURIComponent(std::string_view data,
                                                             size_t maxTextUnits = kLzMaxTextUnits);

}  // namespace roundtable::plan
