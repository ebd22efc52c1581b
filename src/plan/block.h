// Blocks: a plan's content as BlockNote sees it.
//
// The in-memory form shared by everything that converts plans: markdown in
// (markdown_parser.h), the `document` XmlFragment out and back in
// (block_xml.h), BlockNote block JSON for the `content` array
// (block_json.h), and markdown out for agents (markdown_writer.h).
//
// It mirrors BlockNote 0.55's block JSON (`@blocknote/core` Block type):
//   {id, type, props, content: InlineContent[] | TableContent | undefined, children}
// `props` is kept as an ordered object so that any block type BlockNote
// knows round-trips, including props this code does not interpret.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "roundtable/lib0/value.h"

namespace roundtable::plan {

using lib0::Value;

// BlockNote's default styles (the style schema of `@blocknote/core`).
struct Styles {
  bool bold = false;
  bool italic = false;
  bool underline = false;
  bool strike = false;
  bool code = false;
  std::string textColor;        // empty when not set
  std::string backgroundColor;  // empty when not set
  bool operator==(const Styles&) const = default;
};

// A run of text with one set of styles. A hard line break is a "\n" in
// `text`, as BlockNote's JSON has it (a `hardBreak` node in the XML).
struct TextRun {
  std::string text;  // UTF-8
  Styles styles;
  // Comment threads anchored on this run (the `comment--XXXXXXXX` marks of
  // the XML; not part of BlockNote's block JSON). Filled by the XML reader.
  std::vector<std::string> threadIds;
  bool operator==(const TextRun&) const = default;
};

// One element of a block's inline content: styled text, or a link holding
// styled text.
struct Inline {
  enum class Kind { kText, kLink };
  Kind kind = Kind::kText;
  TextRun run;                // kText
  std::string href;           // kLink
  std::vector<TextRun> runs;  // kLink
  bool operator==(const Inline&) const = default;
};

struct TableCell {
  bool header = false;  // a `tableHeader` node (header row) rather than `tableCell`
  std::vector<Inline> content;
  Value props;  // ordered object: colspan, rowspan, backgroundColor, textColor, textAlignment
  bool operator==(const TableCell&) const = default;
};

struct TableRow {
  std::vector<TableCell> cells;
  bool operator==(const TableRow&) const = default;
};

struct TableContent {
  std::vector<std::optional<double>> columnWidths;  // null entries are nullopt
  int headerRows = 0;
  int headerCols = 0;
  std::vector<TableRow> rows;
  bool operator==(const TableContent&) const = default;
};

struct Block {
  std::string id;    // the blockContainer's `id` attribute
  std::string type;  // "paragraph", "heading", "bulletListItem", ...
  Value props;       // ordered object, as BlockNote's JSON orders them
  // Inline content for text blocks; empty for blocks without content
  // (divider, image) and for tables.
  std::vector<Inline> content;
  std::optional<TableContent> table;  // set for type "table"
  std::vector<Block> children;        // nested blocks (the inner blockGroup)
  bool operator==(const Block&) const = default;
};

// Whether a block type carries inline content (false for divider, image, table...).
bool hasInlineContent(const std::string& type);

// The plain text of inline content (links included, styles dropped).
std::string plainText(const std::vector<Inline>& content);

}  // namespace roundtable::plan
