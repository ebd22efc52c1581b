// A new plan's content in its Yjs document (docs/product.md): the `document`
// XmlFragment as BlockNote writes it and the `content` Y.Array holding the
// same blocks as BlockNote block JSON (same ids).
#pragma once

#include <vector>

#include "plan/block.h"
#include "roundtable/base/status.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::plan {

// Writes `blocks` into `doc` in one transaction: the `document` fragment
// (block_xml_writer.h) and one `content` array element per top-level block
// (block_json.h). FailedPrecondition, with nothing written, when either root
// already has content (replacing a plan's text is an edit, not this).
Status writePlanContent(crdt::Doc& doc, const std::vector<Block>& blocks);

}  // namespace roundtable::plan
