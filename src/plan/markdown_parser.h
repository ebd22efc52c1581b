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

struct MarkdownParseOptions {
  // Larger input is ResourceExhausted. Default 1 MiB (a long plan is ~50 KB).
  size_t maxBytes = 1 << 20;
  // Deeper nesting of lists and quotes is ResourceExhausted. Default 32.
  int maxNesting = 32;
  // More blocks (nested ones included) is ResourceExhausted. Default 20000.
  size_t maxBlocks = 20000;
  // Block ids; random UUID v4s when empty.
  BlockIdGenerator ids;
};

// Parses `markdown` (UTF-8; invalid sequences become U+FFFD) into blocks.
// On error `out` is left unchanged.
Status parseMarkdown(std::string_view markdown, std::vector<Block>* out, const MarkdownParseOptions& options = {});

}  // namespace roundtable::plan
