#include "plan/block_xml_reader.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

namespace roundtable::plan {

namespace {

using crdt::Entry;
using crdt::TypeKind;
using crdt::TypeRef;

// Nesting beyond this is dropped rather than risking the stack on a hostile
// document; BlockNote's UI is unusable far earlier.
constexpr int kMaxDepth = 200;

enum class ContentKind { kInline, kPlain, kTable, kNone };

struct PropDef {
  const char* name;
  Value def;  // undefined: the prop is omitted unless the XML has it
};

struct BlockDef {
  const char* type;
  ContentKind content;
  std::vector<PropDef> props;  // in the order of BlockNote's node attributes
};

// BlockNote 0.55's default block schema (`defaultBlockSpecs`), with prop
// defaults and order as its ProseMirror nodes declare them.
const std::vector<BlockDef>& blockDefs() {
  static const std::vector<BlockDef> defs = [] {
    const PropDef bg{"backgroundColor", "default"};
    const PropDef tc{"textColor", "default"};
    const PropDef ta{"textAlignment", "left"};
    const PropDef name{"name", ""};
    const PropDef url{"url", ""};
    const PropDef caption{"caption", ""};
    const PropDef preview{"showPreview", true};
    const PropDef width{"previewWidth", Value()};
    return std::vector<BlockDef>{
        {"paragraph", ContentKind::kInline, {bg, tc, ta}},
        {"heading", ContentKind::kInline, {bg, tc, ta, {"level", 1}, {"isToggleable", false}}},
        {"bulletListItem", ContentKind::kInline, {bg, tc, ta}},
        {"numberedListItem", ContentKind::kInline, {bg, tc, ta, {"start", Value()}}},
        {"checkListItem", ContentKind::kInline, {bg, tc, ta, {"checked", false}}},
        {"toggleListItem", ContentKind::kInline, {bg, tc, ta}},
        {"quote", ContentKind::kInline, {bg, tc}},
        {"codeBlock", ContentKind::kPlain, {{"language", "text"}}},
        {"table", ContentKind::kTable, {tc}},
        {"divider", ContentKind::kNone, {}},
        {"image", ContentKind::kNone, {ta, bg, name, url, caption, preview, width}},
        {"video", ContentKind::kNone, {ta, bg, name, url, caption, preview, width}},
        {"audio", ContentKind::kNone, {bg, name, url, caption, preview}},
        {"file", ContentKind::kNone, {bg, name, url, caption}},
    };
  }();
  return defs;
}

const BlockDef* findBlockDef(std::string_view type) {
  for (const BlockDef& d : blockDefs()) {
    if (type == d.type) return &d;
  }
  return nullptr;
}

bool isKind(const TypeRef& t, TypeKind k) { return t.valid() && t.kind() == k; }

std::string nodeName(const TypeRef& t) {
  return isKind(t, TypeKind::kXmlElement) ? crdt::XmlElement(t.impl()).nodeName() : std::string();
}

// The element children (and texts) of an XML node, as handles.
std::vector<TypeRef> childTypes(const TypeRef& t) {
  std::vector<TypeRef> out;
  if (!isKind(t, TypeKind::kXmlElement) && !isKind(t, TypeKind::kXmlFragment)) return out;
  for (const Entry& e : crdt::XmlFragment(t.impl()).toArray()) {
    TypeRef c = e.asType();
    if (c.valid()) out.push_back(c);
  }
  return out;
}

// An attribute's plain value; undefined when absent or held as a shared type.
Value attribute(const crdt::XmlElement& el, std::string_view key) {
  std::optional<Entry> e = el.getAttribute(key);
  if (!e || e->kind != Entry::Kind::kValue) return Value();
  return e->value;
}

// The mark name y-prosemirror stores under a formatting key: overlapping marks
// of one type get a `--` and an 8-character hash suffix.
std::string_view markName(std::string_view key) {
  if (key.size() < 10 || key.substr(key.size() - 10, 2) != "--") return key;
  for (char c : key.substr(key.size() - 8)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
              c == '/' || c == '=';
    if (!ok) return key;
  }
  return key.substr(0, key.size() - 10);
}

const Value* objectField(const Value& v, std::string_view key) {
  return v.isObject() ? v.asObject().get(key) : nullptr;
}

// What one text delta's attributes say: styles, link, comment threads.
struct Marks {
  Styles styles;
  std::optional<std::string> href;
  std::vector<std::string> threadIds;
};

Marks readMarks(const Value& attributes) {
  Marks m;
  if (!attributes.isObject()) return m;
  for (const auto& [key, value] : attributes.asObject()) {
    std::string_view name = markName(key);
    if (name == "bold") m.styles.bold = true;
    else if (name == "italic") m.styles.italic = true;
    else if (name == "underline") m.styles.underline = true;
    else if (name == "strike") m.styles.strike = true;
    else if (name == "code") m.styles.code = true;
    else if (name == "textColor" || name == "backgroundColor") {
      const Value* s = objectField(value, "stringValue");
      if (s && s->isString()) (name == "textColor" ? m.styles.textColor : m.styles.backgroundColor) = s->asString();
    } else if (name == "link") {
      const Value* href = objectField(value, "href");
      if (href && href->isString()) m.href = href->asString();
    } else if (name == "comment") {
      const Value* id = objectField(value, "threadId");
      if (id && id->isString() && !id->asString().empty() &&
          std::find(m.threadIds.begin(), m.threadIds.end(), id->asString()) == m.threadIds.end()) {
        m.threadIds.push_back(id->asString());
      }
    }
    // Anything else (marks of other schemas) is skipped, text kept.
  }
  return m;
}

// Builds inline content the way BlockNote's contentNodeToInlineContent does:
// adjacent texts with the same styles merge, links gather their runs, a hard
// break appends "\n" to whatever came last. Runs also split where the comment
// threads differ.
class InlineBuilder {
 public:
  void text(const std::string& s, const Marks& m) {
    if (s.empty()) return;
    Inline* last = out_.empty() ? nullptr : &out_.back();
    if (m.href) {
      if (last && last->kind == Inline::Kind::kLink && last->href == *m.href) {
        TextRun& r = last->runs.back();
        if (sameRun(r, m)) r.text += s;
        else last->runs.push_back(makeRun(s, m));
        return;
      }
      Inline link;
      link.kind = Inline::Kind::kLink;
      link.href = *m.href;
      link.runs.push_back(makeRun(s, m));
      out_.push_back(std::move(link));
      return;
    }
    if (last && last->kind == Inline::Kind::kText && sameRun(last->run, m)) {
      last->run.text += s;
      return;
    }
    Inline t;
    t.run = makeRun(s, m);
    out_.push_back(std::move(t));
  }

  void hardBreak() {
    if (out_.empty()) {
      Inline t;
      t.run.text = "\n";
      out_.push_back(std::move(t));
    } else if (out_.back().kind == Inline::Kind::kText) {
      out_.back().run.text += "\n";
    } else {
      out_.back().runs.back().text += "\n";
    }
  }

  // Reads the texts and hard breaks of one XML node (a content node or a
  // table paragraph).
  void readNode(const TypeRef& node) {
    for (const TypeRef& child : childTypes(node)) {
      if (isKind(child, TypeKind::kXmlText)) {
        for (const crdt::TextDeltaOp& op : crdt::XmlText(child.impl()).toDelta()) {
          // Embeds and inserted types have no place in BlockNote's text.
          if (op.kind == crdt::TextDeltaOp::Kind::kInsert && !op.embed && !op.type) text(op.text, readMarks(op.attributes));
        }
      } else if (nodeName(child) == "hardBreak") {
        hardBreak();
      }
      // Other inline elements (mentions and the like of other schemas) are skipped.
    }
  }

  std::vector<Inline> take() { return std::move(out_); }

 private:
  static bool sameRun(const TextRun& r, const Marks& m) { return r.styles == m.styles && r.threadIds == m.threadIds; }
  static TextRun makeRun(const std::string& s, const Marks& m) { return TextRun{s, m.styles, m.threadIds}; }

  std::vector<Inline> out_;
};

// A code block's text is plain: one unstyled run (split only where comment
// threads change), as BlockNote's `content: "plain"` gives it.
std::vector<Inline> readPlain(const TypeRef& node) {
  InlineBuilder b;
  b.readNode(node);
  std::vector<Inline> styled = b.take();
  std::vector<Inline> out;
  auto add = [&](const TextRun& r) {
    if (!out.empty() && out.back().run.threadIds == r.threadIds) {
      out.back().run.text += r.text;
    } else {
      Inline t;
      t.run.text = r.text;
      t.run.threadIds = r.threadIds;
      out.push_back(std::move(t));
    }
  };
  for (const Inline& in : styled) {
    if (in.kind == Inline::Kind::kText) add(in.run);
    else
      for (const TextRun& r : in.runs) add(r);
  }
  return out;
}

Value cellAttr(const crdt::XmlElement& el, std::string_view key, Value def) {
  Value v = attribute(el, key);
  return v.isUndefined() ? def : v;
}

// One cell's paragraphs, merged as BlockNote merges them: a paragraph whose
// first text has the styles of the previous paragraph's last text joins it
// after a "\n"; otherwise the contents are simply concatenated.
std::vector<Inline> readCellContent(const TypeRef& cell) {
  std::vector<Inline> acc;
  for (const TypeRef& para : childTypes(cell)) {
    if (!isKind(para, TypeKind::kXmlElement)) continue;
    InlineBuilder b;
    b.readNode(para);
    std::vector<Inline> part = b.take();
    if (acc.empty()) {
      acc = std::move(part);
      continue;
    }
    if (!part.empty() && acc.back().kind == Inline::Kind::kText && part.front().kind == Inline::Kind::kText &&
        acc.back().run.styles == part.front().run.styles) {
      if (acc.back().run.threadIds == part.front().run.threadIds) {
        acc.back().run.text += "\n" + part.front().run.text;
        part.erase(part.begin());
      } else {
        acc.back().run.text += "\n";
      }
    }
    for (Inline& in : part) acc.push_back(std::move(in));
  }
  return acc;
}

TableContent readTable(const TypeRef& tableNode) {
  TableContent t;
  std::vector<std::vector<bool>> header;
  for (const TypeRef& rowNode : childTypes(tableNode)) {
    if (!isKind(rowNode, TypeKind::kXmlElement)) continue;
    TableRow row;
    std::vector<bool> rowHeader;
    for (const TypeRef& cellNode : childTypes(rowNode)) {
      if (!isKind(cellNode, TypeKind::kXmlElement)) continue;
      crdt::XmlElement el(cellNode.impl());
      TableCell cell;
      cell.header = el.nodeName() == "tableHeader";
      Value colspan = cellAttr(el, "colspan", 1);
      if (t.rows.empty()) {
        Value widths = attribute(el, "colwidth");
        if (widths.isArray()) {
          for (const Value& w : widths.asArray()) {
            t.columnWidths.push_back(w.isNumber() ? std::optional<double>(w.asNumber()) : std::nullopt);
          }
        } else {
          // BlockNote pushes `colspan` undefined widths; guard hostile spans.
          double n = colspan.isNumber() ? colspan.asNumber() : 1;
          int count = n >= 1 && n <= 1000 ? static_cast<int>(n) : 1;
          t.columnWidths.insert(t.columnWidths.end(), count, std::nullopt);
        }
      }
      Value::Object props;
      props.set("colspan", colspan);
      props.set("rowspan", cellAttr(el, "rowspan", 1));
      props.set("backgroundColor", cellAttr(el, "backgroundColor", "default"));
      props.set("textColor", cellAttr(el, "textColor", "default"));
      props.set("textAlignment", cellAttr(el, "textAlignment", "left"));
      cell.props = Value(std::move(props));
      cell.content = readCellContent(cellNode);
      rowHeader.push_back(cell.header);
      row.cells.push_back(std::move(cell));
    }
    header.push_back(std::move(rowHeader));
    t.rows.push_back(std::move(row));
  }
  // As BlockNote counts them: rows whose cells are all headers (an empty row
  // counts), and columns that are headers in every row.
  for (const auto& r : header) {
    if (std::all_of(r.begin(), r.end(), [](bool h) { return h; })) ++t.headerRows;
  }
  if (!header.empty()) {
    for (size_t c = 0; c < header[0].size(); ++c) {
      if (std::all_of(header.begin(), header.end(), [&](const auto& r) { return c < r.size() && r[c]; })) {
        ++t.headerCols;
      }
    }
  }
  return t;
}

Value readProps(const BlockDef& def, const crdt::XmlElement& content) {
  Value::Object props;
  for (const PropDef& p : def.props) {
    Value v = attribute(content, p.name);
    if (v.isUndefined()) v = p.def;
    if (!v.isUndefined()) props.set(p.name, v);
  }
  return Value(std::move(props));
}

std::vector<Block> readGroup(const TypeRef& group, int depth);

Block readContainer(const crdt::XmlElement& container, int depth) {
  Block b;
  if (!container.valid() || container.kind() != TypeKind::kXmlElement || container.nodeName() != "blockContainer") {
    return b;
  }
  Value id = attribute(container, "id");
  if (id.isString()) b.id = id.asString();
  else if (id.isNumber()) b.id = id.toJSString();

  std::optional<TypeRef> content;
  std::optional<TypeRef> group;
  for (const TypeRef& child : childTypes(container)) {
    std::string name = nodeName(child);
    if (name == "blockGroup") {
      if (!group) group = child;
    } else if (!content && findBlockDef(name)) {
      content = child;
    }
  }
  if (!content) return b;  // an unknown or missing content node: BlockNote drops the block

  crdt::XmlElement el(content->impl());
  const BlockDef& def = *findBlockDef(el.nodeName());
  b.type = def.type;
  b.props = readProps(def, el);
  switch (def.content) {
    case ContentKind::kInline: {
      InlineBuilder ib;
      ib.readNode(el);
      b.content = ib.take();
      break;
    }
    case ContentKind::kPlain:
      b.content = readPlain(el);
      break;
    case ContentKind::kTable:
      b.table = readTable(el);
      break;
    case ContentKind::kNone:
      break;
  }
  if (group && depth < kMaxDepth) b.children = readGroup(*group, depth + 1);
  return b;
}

std::vector<Block> readGroup(const TypeRef& group, int depth) {
  std::vector<Block> out;
  for (const TypeRef& child : childTypes(group)) {
    if (nodeName(child) != "blockContainer") continue;
    Block b = readContainer(crdt::XmlElement(child.impl()), depth);
    if (!b.type.empty()) out.push_back(std::move(b));
  }
  return out;
}

}  // namespace

std::vector<Block> readDocument(const crdt::XmlFragment& fragment) {
  std::vector<Block> out;
  for (const TypeRef& child : childTypes(fragment)) {
    std::string name = nodeName(child);
    if (name == "blockGroup") {
      for (Block& b : readGroup(child, 0)) out.push_back(std::move(b));
    } else if (name == "blockContainer") {
      Block b = readContainer(crdt::XmlElement(child.impl()), 0);
      if (!b.type.empty()) out.push_back(std::move(b));
    }
  }
  return out;
}

Block readBlockContainer(const crdt::XmlElement& container) { return readContainer(container, 0); }

}  // namespace roundtable::plan
