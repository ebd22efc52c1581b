// Writes blocks into a plan's `document` XmlFragment exactly as BlockNote's
// collaboration extension (y-prosemirror 1.3.7) writes them:
//
//   fragment
//     blockGroup
//       blockContainer id="..."
//         <content node>  paragraph | heading | codeBlock | table | ...
//         blockGroup      (only when the block has children)
//
// Content-node attributes are every ProseMirror attribute of the node type in
// schema order, with its JavaScript type (heading.level a number, checked a
// boolean, ...), including the ones whose value is undefined
// (numberedListItem.start, image.previewWidth); null attributes (a table
// cell's colwidth) are left out, as y-prosemirror does. Inline content is
// XmlText with marks as formatting attributes ({bold: {}}, {link: {href}})
// and a `hardBreak` element for each "\n"; a code block is one XmlText with
// literal newlines. Tables are table > tableRow > tableHeader|tableCell >
// tableParagraph > XmlText.
//
// Operations happen in y-prosemirror's order (createTypeFromElementNode: an
// element, then its children depth-first, then its attributes; text through
// one applyDelta), so the same blocks written by the same client give the
// same update bytes as BlockNote's blocksToYXmlFragment.
//
// Call these inside Doc::transact to produce a single update.
#pragma once

#include <span>
#include <vector>

#include "plan/block.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::plan {

// Appends `blocks` to the document. When the fragment is empty it first
// creates the top-level blockGroup. Precondition: the fragment is empty or
// its first child is a blockGroup (BlockNote's layout); otherwise nothing is
// written.
void writeDocument(crdt::XmlFragment fragment, const std::vector<Block>& blocks);

// Inserts `blocks` as blockContainers into `blockGroup` at child `index`
// (clamped to its length). Used for whole documents and for minimal edits.
void insertBlocks(crdt::XmlElement blockGroup, size_t index, std::span<const Block> blocks);

}  // namespace roundtable::plan
