#include "plan/plan_content.h"

#include "plan/block_json.h"
#include "plan/block_xml_writer.h"

namespace roundtable::plan {

Status writePlanContent(crdt::Doc& doc, const std::vector<Block>& blocks) {
  crdt::XmlFragment fragment = doc.getXmlFragment("document");
  crdt::Array content = doc.getArray("content");
  if (!fragment.valid() || !content.valid()) {
    return Status::FailedPrecondition("`document` or `content` exists with another type");
  }
  if (fragment.length() != 0 || content.length() != 0) {
    return Status::FailedPrecondition("the plan already has content");
  }
  Status status;
  doc.transact([&](crdt::Transaction&) {
    writeDocument(fragment, blocks);
    std::vector<crdt::Input> items;
    items.reserve(blocks.size());
    for (const Block& b : blocks) items.emplace_back(blockToJSON(b));
    if (!items.empty()) status = content.push(std::move(items));
  });
  return status;
}

}  // namespace roundtable::plan
