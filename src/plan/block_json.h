// Blocks <-> BlockNote 0.55 block JSON, as lib0 Values.
//
//   Value json = blocksToJSON(blocks);          // what editor.document holds
//   std::vector<Block> back;
//   Status s = blocksFromJSON(json, &back);     // InvalidArgument if malformed
//
// The JSON has BlockNote's exact shape and key order, as nodeToBlock builds
// it: {id, type, props, content, children}; `content` is an inline array,
// a {type: "tableContent", columnWidths, headerRows, headerCols, rows} object,
// or undefined for blocks without content (divider, image); text is
// {type: "text", text, styles} with styles in mark order (bold, italic,
// underline, strike, code, textColor, backgroundColor); links are
// {type: "link", href, content}. Values BlockNote leaves undefined stay
// undefined (columnWidths entries, headerCols, content of a divider), so a
// Y.Array holding this JSON reads back deep-equal to BlockNote's own objects.
#pragma once

#include <span>
#include <vector>

#include "plan/block.h"
#include "roundtable/base/status.h"

namespace roundtable::plan {

// Deepest `children` nesting blocksFromJSON accepts (the editor itself has no
// limit; this only bounds recursion on untrusted input).
inline constexpr int kMaxBlockNesting = 64;

Value blockToJSON(const Block& block);
Value blocksToJSON(std::span<const Block> blocks);

// Parses an array of BlockNote blocks. Props of known block types are
// completed with their defaults. On error `out` is left unchanged and the
// status names the offending path (e.g. "blocks[2].content[0].styles").
Status blocksFromJSON(const Value& json, std::vector<Block>* out);

}  // namespace roundtable::plan
