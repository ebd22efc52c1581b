// Blocks (block.h) as GitHub-flavoured markdown, for agents reading a plan.
//
//   std::string md = toMarkdown(blocks);
//   std::string annotated = toMarkdown(blocks, {.includeAnnotations = true, .threads = &threads});
//
// The output is meant to be read back to the same blocks both by cmark-gfm and
// by BlockNote 0.55's own markdown parser (its `tryParseMarkdownToBlocks`,
// which is not CommonMark: it decodes no entities, keeps backslashes it does
// not know, and reads a bare newline as a hard break). Where the two differ,
// the output takes forms both read alike:
//  * every block's inline content is one line; a hard break is `<br>`;
//  * markdown punctuation in text is backslash-escaped (`\*`, `\_`, `\[`,
//    `\|`, `\>`, ... ; `_` inside a word stays as is), and line-start syntax
//    (`#`, `-`, `+`, `1.`) is escaped where a block's text begins; a `<` that
//    could open HTML is followed by an empty comment `<!---->`;
//  * bold `**`, italic `*`, strike `~~`, code spans with a fence longer than
//    any backtick run inside, underline `<u>…</u>`; whitespace at the edges
//    of bold/italic/strike goes outside the delimiters;
//  * link destinations never need escapes: spaces use `<…>`, and `\`, `<`,
//    `>`, controls and unbalanced parentheses are percent-encoded;
//  * a numbered list that restarts (a `start` prop after another numbered
//    item) is split from the previous one by `<!-- -->`;
//  * code blocks use a fence longer than any backtick run in the code.
// Known losses (no markdown form, or none both parsers agree on): text and
// background colours, alignment (except GFM table column alignment),
// leading/trailing spaces of a block, toggle lists (written as bullets),
// children of non-list blocks (written after them, unindented), non-list
// children of check list items (BlockNote's parser wants them indented 6,
// GFM 2; GFM wins), image preview width, `&entity;` text (GFM decodes it,
// BlockNote does not), empty paragraphs, headings and quotes (omitted), table
// cell spans and header columns, a `<tag a=b>` written as text inside a code
// span starting a block with a fence of three backticks.
//
// With includeAnnotations, each comment thread is placed right after the block
// its marked text starts in (anchorThreads in threads.h), as a blockquote:
//
//   > **Comment thread** `3f2c…` · open · on "the quoted text"
//   > - **Alice** · 2025-05-01T10:00:00.000Z: First comment
//   >   second line of it
//   >   reactions: 👍 Alice, Bob
//   > - **Bob** · 2025-05-01T11:00:00.000Z (reply): A reply
//
// ("· resolved by Carol at 2025-…" replaces "· open" for resolved threads).
// Inside a list item the quote is indented into the item. Threads whose marked
// text is gone are listed at the end under "## Comments on removed text",
// with "· anchor text removed" in place of the quote.
// Deleted comments are left out, as the web UI leaves them out; threads with
// no comment left, or soft-deleted, are left out entirely.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plan/block.h"
#include "plan/threads.h"

namespace roundtable::plan {

struct MarkdownOptions {
  // Place comment threads after the blocks they anchor (default off).
  bool includeAnnotations = false;
  // The plan's threads (readThreads); ignored unless includeAnnotations. Not
  // owned; must outlive the call.
  const std::vector<Thread>* threads = nullptr;
};

// The blocks as markdown: blocks separated by blank lines, consecutive list
// items on consecutive lines, nested blocks of list items indented under
// them; ends with one "\n" (empty input gives "").
std::string toMarkdown(const std::vector<Block>& blocks, const MarkdownOptions& options = {});

// Inline content as markdown on one line (hard breaks as `<br>`).
// `lineStart`: the content begins a line in its block, so that block syntax
// at its start (`# `, `- `, `1. `, `<div`) must be escaped.
std::string inlineToMarkdown(const std::vector<Inline>& content, bool lineStart = false);

// Plain text escaped for a markdown line (no styles, no line breaks expected;
// a "\n" is written as `<br>`).
std::string escapeMarkdownText(std::string_view text, bool lineStart = false);

}  // namespace roundtable::plan
