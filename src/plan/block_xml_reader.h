// Reading BlockNote's `document` XmlFragment into blocks (block.h).
//
//   crdt::Doc doc;
//   doc.applyUpdate(update);
//   std::vector<Block> blocks = readDocument(doc.getXmlFragment("document"));
//
// The fragment is what BlockNote 0.55's collaboration extension (y-prosemirror)
// writes: a `blockGroup` of `blockContainer` elements (attribute `id`), each
// holding one content node (`paragraph`, `heading`, `table`, ...) and
// optionally a nested `blockGroup`. Text is XmlText whose formatting
// attributes are ProseMirror marks (`bold: {}`, `link: {href}`,
// `textColor: {stringValue}`, `comment--XXXXXXXX: {orphan, threadId}`, ...);
// a `hardBreak` element between texts is a line break.
//
// What comes out is what BlockNote's `yXmlFragmentToBlocks` gives for the same
// document, with two differences:
//  * runs are also split where the set of comment threads changes, and carry
//    those thread ids in TextRun::threadIds (BlockNote's JSON merges them);
//  * where BlockNote would throw or silently delete part of the document
//    (an unknown mark wipes its whole XmlText in y-prosemirror), the reader
//    degrades instead: unknown marks, unknown inline elements and embeds are
//    skipped, blocks whose content node is unknown or missing are dropped
//    (with their children, as BlockNote drops them), missing attributes take
//    BlockNote's defaults and present ones keep their JavaScript type, even a
//    wrong one (a string "2" level stays a string, as BlockNote reads it).
//
// Reading never modifies the document and never throws, whatever shape
// concurrent edits left it in. Handles must belong to a live Doc; the result
// copies everything it needs.
#pragma once

#include <vector>

#include "plan/block.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::plan {

// The blocks of the fragment in document order. Every `blockGroup` directly in
// the fragment is read (a concurrently initialised document can hold two);
// a `blockContainer` directly in the fragment is read as a block too.
std::vector<Block> readDocument(const crdt::XmlFragment& fragment);

// One `blockContainer` with its nested blocks. Returns a Block whose `type` is
// empty when the element is not a blockContainer or holds no content node of
// a block type BlockNote 0.55 has by default.
Block readBlockContainer(const crdt::XmlElement& container);

}  // namespace roundtable::plan
