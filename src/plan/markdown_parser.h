// Markdown -> blocks, as BlockNote 0.55's editor.tryParseMarkdownToBlocks
// returns them (ids aside).
//
//   std::vector<Block> blocks;
//   Status s = parseMarkdown(agentMarkdown, &blocks);
//   if (!s.ok()) return s;   // InvalidArgument / ResourceExhausted, never a crash
//
// The markdown is read as CommonMark + GFM (tables, strikethrough, task
// lists, autolinks) by cmark-gfm; the syntax tree is then shaped the way
// BlockNote's own pipeline (markdown -> HTML -> ProseMirror -> blocks) shapes
// it, quirks included:
//  * every line break inside a paragraph (soft or hard) becomes a hard break
//    ("\n" in the text) followed by a space, and a line's single trailing
//    space is kept; a list item's content is its first line only, the rest
//    of its first paragraph becoming a child paragraph;
//  * a quote is one `quote` block whose paragraphs are joined by hard breaks;
//  * a paragraph holding only images becomes image blocks (name from the alt
//    text, title dropped, absolute http(s) URLs normalised as a browser
//    does); images mixed with text are dropped;
//  * links lose their titles; code spans exclude every other style and the
//    link around them; table alignment is lost; a fence without a language
//    gives language "text"; numbered lists carry `start` only on their first
//    item and only when it is not 1;
//  * inline HTML <b> <strong> <i> <em> <u> <s> <del> <strike> <code> <br> <a>
//    act as the marks they name, other tags are dropped (their text kept),
//    comments disappear; in an HTML block, block-level tags (<p>, <div>, ...)
//    separate paragraphs of its text, <h1>..<h6> give headings;
//  * markdown with no blocks at all gives one empty paragraph.
// Where CommonMark keeps information BlockNote's hand-written parser loses,
// this parser keeps it: autolinks (<https://x>, bare URLs) become links,
// entities (&amp;) are decoded, indented code is a code block, reference
// links resolve. tests/interop/plan_markdown.test.mjs lists each such case.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "plan/block.h"
#include "plan/block_id.h"
#include "roundtable/base/status.h"

namespace roundtable::plan {

// What one plan's markdown may hold. Each limit bounds a cost that grows
// faster than the markdown, or costs much more than its bytes; together they
// keep any markdown within kMaxMarkdownBytes to well under a second and
// 200 MB in create_plan (tests/interop/plan_limits.test.mjs). Going over one
// is ResourceExhausted with a message naming the limit and what was found.
//
// A long plan is ~50 KB; what an agent writes by hand stays far below these.
inline constexpr size_t kMaxMarkdownBytes = 1 << 20;
// Lists and quotes; the converter recurses once per level.
inline constexpr int kMaxNesting = 32;
// Blocks, nested ones included. Writing a block into the document costs
// ~30 us and ~5 KB (ids, props, XML elements, the `content` JSON), but also a
// walk over the blocks before it: the CRDT (like Yjs) keeps no search markers
// for XML elements, so appending n children costs n^2. 5,000 blocks: 0.2 s
// of CPU; 20,000 (the limit before): 2.9 s and 290 MB.
inline constexpr size_t kMaxBlocks = 5000;
// Line breaks inside one block: each is an XML element of its own (and a new
// XmlText after it) among the block's children, appended as blocks are
// (5,000 breaks in a paragraph: 0.9 s of CPU).
inline constexpr size_t kMaxLineBreaks = 1000;
// Cells of one table row. cmark-gfm's table extension parses a line it takes
// for a table row in time quadratic in its cells (a 40,000-pipe row: 4 s), so
// lines that can be table rows are checked before cmark-gfm sees them.
inline constexpr size_t kMaxTableColumns = 64;
// Rows of one table, the header row included.
inline constexpr size_t kMaxTableRows = 1000;
// Cells of all the plan's tables together: a cell is a block of its own in
// the document (~35 us and ~8 KB to write, ~100 us end to end), and a table
// is only one block for kMaxBlocks.
inline constexpr size_t kMaxTableCells = 10000;
// Cells cmark-gfm re-reads looking for table headers: each line that looks
// like a delimiter row (|---|) makes it parse the whole paragraph above as a
// header row, each line at ~1.4 us, so a paragraph of such lines costs the
// square of its length (293 KB of text and then 64 such lines: 1.45 s). A line
// without pipes counts as one cell.
inline constexpr size_t kMaxTableHeaderScanCells = 100000;
// Text runs (a stretch of text with one set of styles and one link) and line
// breaks inside blocks, of all blocks together: a run is a formatted insert
// into the document's XmlText and a JSON object in `content`, a line break an
// XML element of its own (1 MiB of "**a** " is 174,000 runs; of "a  \n",
// 262,000 line breaks). Code blocks are one run whatever their lines.
inline constexpr size_t kMaxTextRuns = 20000;

struct MarkdownParseOptions {
  // Larger input is ResourceExhausted (as is going over any limit below).
  size_t maxBytes = kMaxMarkdownBytes;
  int maxNesting = kMaxNesting;
  size_t maxBlocks = kMaxBlocks;
  size_t maxLineBreaks = kMaxLineBreaks;
  size_t maxTableColumns = kMaxTableColumns;
  size_t maxTableRows = kMaxTableRows;
  size_t maxTableCells = kMaxTableCells;
  size_t maxTableHeaderScanCells = kMaxTableHeaderScanCells;
  size_t maxTextRuns = kMaxTextRuns;
  // Block ids; random UUID v4s when empty.
  BlockIdGenerator ids;
};

// Parses `markdown` (UTF-8; invalid sequences become U+FFFD) into blocks.
// On error `out` is left unchanged.
Status parseMarkdown(std::string_view markdown, std::vector<Block>* out, const MarkdownParseOptions& options = {});

}  // namespace roundtable::plan
