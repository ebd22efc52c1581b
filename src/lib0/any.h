// lib0 writeAny / readAny (lib0/encoding.js, lib0/decoding.js): the tagged
// encoding yjs uses for ContentAny, ContentDoc options and awareness states.
//
//   Encoder enc;
//   writeAny(enc, Value::array({1, "x"}));   // 75 02 7d 01 77 01 78
//   Decoder dec(enc.data());
//   Value v = readAny(dec);
//
// Tags: 127 undefined, 126 null, 125 varInt, 124 float32, 123 float64,
// 122 bigint64, 121 false, 120 true, 119 string, 118 object, 117 array,
// 116 Uint8Array.
#pragma once

#include "lib0/decoder.h"
#include "lib0/encoder.h"
#include "roundtable/lib0/value.h"

namespace roundtable::lib0 {

// Appends the bytes lib0's writeAny writes for the same JavaScript value.
// Numbers are classified by value: an integer with |n| <= 2^31 - 1 is a varInt
// (tag 125; -0 gives 7d 40); else, if converting to float32 and back gives the
// same value, float32 (124; so 0.5, 2^31, +-Infinity); else float64 (123; NaN).
// Objects are written in their (JavaScript) key order; strings with lone
// surrogates are written with U+FFFD (see Encoder::writeVarString).
// Recursion depth equals the value's nesting depth (values from readAny and
// parseJSON are at most kMaxNestingDepth deep).
void writeAny(Encoder& encoder, const Value& value);

// Reads one value as lib0's readAny does. Objects follow JavaScript assignment
// semantics: a duplicate key keeps the last value at the first key's position,
// and a "__proto__" key is dropped (in JavaScript, `obj["__proto__"] = v`
// sets the prototype instead of adding a property). Throws DecodeError on an
// unknown tag (lib0 throws a TypeError there), truncated input, a count larger
// than the remaining bytes could hold, or nesting deeper than kMaxNestingDepth.
Value readAny(Decoder& decoder);

}  // namespace roundtable::lib0
