#include "plan/block_xml_writer.h"

#include <algorithm>

#include "plan/block_schema.h"

namespace roundtable::plan {

namespace {

using crdt::XmlElement;
using crdt::XmlFragment;
using crdt::XmlText;

XmlElement addElement(XmlFragment parent, size_t index, std::string_view name) {
  return XmlElement(parent.insertElement(index, name).impl());
}

// y-prosemirror's marksToAttributes, in the schema's mark order.
Value markAttributes(const InlineNode& n) {
  Value::Object a;
  const Value empty = Value::object();
  if (n.styles.bold) a.set("bold", empty);
  if (n.styles.italic) a.set("italic", empty);
  if (n.styles.underline) a.set("underline", empty);
  if (n.styles.strike) a.set("strike", empty);
  if (n.styles.code) a.set("code", empty);
  auto stringMark = [](const std::string& v) {
    Value::Object o;
    o.set("stringValue", v);
    return Value(std::move(o));
  };
  if (!n.styles.textColor.empty()) a.set("textColor", stringMark(n.styles.textColor));
  if (!n.styles.backgroundColor.empty()) a.set("backgroundColor", stringMark(n.styles.backgroundColor));
  if (n.link) {
    Value::Object l;
    l.set("href", *n.link);
    a.set("link", Value(std::move(l)));
  }
  return Value(std::move(a));
}

// Adjacent text nodes become one XmlText (normalizePNodeContent); each
// hardBreak is an element of its own.
void writeInlineNodes(XmlElement parent, const std::vector<InlineNode>& nodes) {
  size_t index = 0;
  for (size_t i = 0; i < nodes.size();) {
    if (nodes[i].hardBreak) {
      addElement(parent, index++, "hardBreak");
      ++i;
      continue;
    }
    std::vector<crdt::TextDeltaOp> delta;
    for (; i < nodes.size() && !nodes[i].hardBreak; ++i) {
      crdt::TextDeltaOp op;
      op.text = nodes[i].text;
      op.attributes = markAttributes(nodes[i]);
      delta.push_back(std::move(op));
    }
    XmlText text(parent.insertText(index++).impl());
    text.applyDelta(delta);
  }
}

void writeInline(XmlElement parent, const Block& b) {
  if (b.type == "codeBlock") {
    // Plain content: one text node, newlines and all.
    std::string code = plainText(b.content);
    if (code.empty()) return;
    InlineNode n;
    n.text = std::move(code);
    writeInlineNodes(parent, {n});
    return;
  }
  std::vector<InlineNode> nodes = nodesFromInline(b.content);
  for (InlineNode& n : nodes) applyMarkExclusion(n);
  writeInlineNodes(parent, nodes);
}

void setAttributes(XmlElement el, const std::vector<PropSpec>& specs, const Value& props) {
  for (const PropSpec& p : specs) {
    const Value* v = props.isObject() ? props.asObject().get(p.name) : nullptr;
    Value val = v ? *v : p.defaultValue;
    if (val.isNull()) continue;  // y-prosemirror skips null attributes
    el.setAttribute(p.name, crdt::Input(std::move(val)));
  }
}

void writeTable(XmlElement table, const TableContent& t) {
  size_t r = 0;
  for (const TableRow& row : t.rows) {
    XmlElement rowEl = addElement(table, r++, "tableRow");
    size_t c = 0;
    for (const TableCell& cell : row.cells) {
      XmlElement cellEl = addElement(rowEl, c, cell.header ? "tableHeader" : "tableCell");
      XmlElement para = addElement(cellEl, 0, "tableParagraph");
      std::vector<InlineNode> nodes = nodesFromInline(cell.content);
      for (InlineNode& n : nodes) applyMarkExclusion(n);
      writeInlineNodes(para, nodes);
      setAttributes(cellEl, tableCellPropSpecs(), cell.props);
      if (c < t.columnWidths.size() && t.columnWidths[c]) {
        cellEl.setAttribute("colwidth", crdt::Input(Value::array({Value(*t.columnWidths[c])})));
      }
      ++c;
    }
  }
}

void writeBlock(XmlElement group, size_t index, const Block& b) {
  XmlElement container = addElement(group, index, "blockContainer");
  XmlElement content = addElement(container, 0, b.type);
  if (b.table) {
    writeTable(content, *b.table);
  } else {
    writeInline(content, b);
  }
  if (const std::vector<PropSpec>* specs = blockPropSpecs(b.type)) {
    setAttributes(content, *specs, b.props);
  } else if (b.props.isObject()) {
    for (const auto& [key, val] : b.props.asObject()) {
      if (!val.isNull()) content.setAttribute(key, crdt::Input(val));
    }
  }
  if (!b.children.empty()) {
    XmlElement childGroup = addElement(container, 1, "blockGroup");
    insertBlocks(childGroup, 0, b.children);
  }
  container.setAttribute("id", crdt::Input(Value(b.id)));
}

}  // namespace

void insertBlocks(XmlElement blockGroup, size_t index, std::span<const Block> blocks) {
  index = std::min(index, blockGroup.length());
  for (const Block& b : blocks) writeBlock(blockGroup, index++, b);
}

void writeDocument(XmlFragment fragment, const std::vector<Block>& blocks) {
  if (fragment.length() == 0) {
    insertBlocks(addElement(fragment, 0, "blockGroup"), 0, blocks);
    return;
  }
  std::optional<crdt::Entry> first = fragment.get(0);
  if (!first || first->kind != crdt::Entry::Kind::kType) return;
  XmlElement group(first->type);
  if (group.kind() != crdt::TypeKind::kXmlElement || group.nodeName() != "blockGroup") return;
  insertBlocks(group, group.length(), blocks);
}

}  // namespace roundtable::plan
