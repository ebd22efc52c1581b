// BlockNote 0.55's default schema, as far as conversions need it: each block
// type's props in ProseMirror attribute order with their defaults, and the
// inline-content rules (mark order, hard breaks) that decide how a run of
// ProseMirror text nodes becomes BlockNote inline JSON and back.
//
// Checked against `editor.pmSchema` of @blocknote/core 0.55.0 (see
// tests/interop/plan_markdown.test.mjs, which compares whole documents).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plan/block.h"

namespace roundtable::plan {

struct PropSpec {
  std::string_view name;
  Value defaultValue;  // undefined for props without a default (start, previewWidth)
};

// The content node's attributes in ProseMirror order, or nullptr for a type
// this schema does not know.
const std::vector<PropSpec>* blockPropSpecs(std::string_view type);

// Attributes of `tableCell` / `tableHeader` nodes in ProseMirror order
// (textColor, backgroundColor, textAlignment, colspan, rowspan; colwidth is
// handled apart because it comes from the table's columnWidths).
const std::vector<PropSpec>& tableCellPropSpecs();

// What BlockNote's JSON `props` holds for a block of `type` whose attributes
// are `given` (an object, possibly partial): known types give every schema
// prop in schema order, missing ones at their default, and leave out props
// whose value and default are both undefined (BlockNote's nodeToBlock rule);
// unknown types keep `given` as is.
Value normalizedProps(std::string_view type, const Value& given);

// Props of a table cell in BlockNote JSON order (colspan, rowspan,
// backgroundColor, textColor, textAlignment), defaults filled in.
Value normalizedCellProps(const Value& given);

// One ProseMirror inline node: text with marks, or a hardBreak.
struct InlineNode {
  bool hardBreak = false;
  std::string text;
  Styles styles;
  std::optional<std::string> link;  // href of the link mark
};

// Applies ProseMirror's mark rules to a text node about to be created: the
// `code` mark excludes every other mark, the link included.
void applyMarkExclusion(InlineNode& node);

// BlockNote's contentNodeToInlineContent: merges adjacent text with equal
// styles (and links with equal href), appends each hard break as "\n" to the
// run before it (a run of its own, unstyled, when nothing precedes it).
std::vector<Inline> inlineFromNodes(std::span<const InlineNode> nodes);

// BlockNote's inlineContentToNodes: the text and hardBreak nodes of inline
// content, each "\n" a hardBreak, empty text dropped.
std::vector<InlineNode> nodesFromInline(const std::vector<Inline>& content);

// The BlockNote style JSON ({bold: true, ...}) in mark order.
Value stylesToJSON(const Styles& styles);

}  // namespace roundtable::plan
