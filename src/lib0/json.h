// JavaScript JSON.stringify / JSON.parse / Number.prototype.toString.
//
//   toJSON(Value::array({1e21, "a\n"}))   == R"([1e+21,"a\n"])"
//   parseJSON(R"({"b":1,"1":2})")          // object iterating "1", "b"
//
// Written by hand rather than with a JSON library (e.g. nlohmann-json) because
// yjs stores JSON text inside updates (ContentFormat, ContentEmbed, ContentJSON)
// and the bytes must equal what JavaScript produces: such libraries reject or
// mangle lone surrogates, order and de-duplicate keys differently from
// JavaScript objects, and format numbers differently from Number#toString.
#pragma once

#include <string>
#include <string_view>

#include "roundtable/lib0/value.h"

namespace roundtable::lib0 {

// JavaScript `String(number)`: shortest round-trip digits, decimal notation
// for 1e-7 < |d| < 1e21 ("100000000000000000000", "0.000001"), exponent
// otherwise ("1e+21", "1e-7", "1.5e+300"). -0 gives "0"; NaN "NaN";
// infinities "Infinity" / "-Infinity".
std::string numberToString(double d);

// JavaScript `JSON.stringify(value)`, compact (no indentation), with these
// choices where JSON.stringify gives no string:
//  * top-level undefined gives the text "undefined" (what yjs's ContentJSON
//    writes for an undefined element);
//  * a BigInt anywhere throws std::invalid_argument (JavaScript throws a
//    TypeError: "Do not know how to serialize a BigInt").
// Otherwise: undefined inside an object omits the property, inside an array
// gives null; NaN and +-Infinity give null; a Uint8Array gives an object with
// index keys ({"0":1,"1":2}). Strings escape '"', '\\', \b \f \n \r \t, other
// controls below 0x20 as \u00xx and lone surrogates as \udxxx (lowercase
// hex); everything else is copied as UTF-8 (strings are expected to be
// WTF-8; other bytes are copied verbatim). Throws std::invalid_argument for
// values nested deeper than kMaxNestingDepth.
std::string toJSON(const Value& value);

// JavaScript `JSON.parse(text)` (without a reviver). Numbers become doubles
// (correctly rounded; out of range gives +-Infinity or +-0), "-0" gives -0.
// \uXXXX escapes may produce lone surrogates (stored as WTF-8); an escaped
// pair becomes one 4-byte UTF-8 sequence. Objects use JavaScript key order and
// a duplicate key keeps the last value at the first key's position. Bytes of
// the text outside escapes are copied verbatim (the text is expected to be
// UTF-8). Throws DecodeError on malformed text or nesting deeper than
// kMaxNestingDepth.
Value parseJSON(std::string_view text);

}  // namespace roundtable::lib0
