#include "plan/block_json.h"

#include <stdexcept>
#include <string>

#include "plan/block_schema.h"

namespace roundtable::plan {

namespace {

Value runToJSON(const TextRun& r) {
  Value::Object o;
  o.set("type", "text").set("text", r.text).set("styles", stylesToJSON(r.styles));
  return Value(std::move(o));
}

// Runs that differ only in their comment threads are one text in BlockNote's
// JSON (contentNodeToInlineContent merges texts with the same styles; the
// comment mark is not a style), so they are written as one.
std::vector<TextRun> mergedRuns(const std::vector<TextRun>& runs) {
  std::vector<TextRun> out;
  for (const TextRun& r : runs) {
    if (!out.empty() && out.back().styles == r.styles) {
      out.back().text += r.text;
    } else {
      out.push_back({r.text, r.styles, {}});
    }
  }
  return out;
}

Value inlineToJSON(const std::vector<Inline>& content) {
  Value::Array out;
  out.reserve(content.size());
  for (size_t i = 0; i < content.size();) {
    if (content[i].kind == Inline::Kind::kText) {
      std::vector<TextRun> texts;
      for (; i < content.size() && content[i].kind == Inline::Kind::kText; ++i) texts.push_back(content[i].run);
      for (const TextRun& r : mergedRuns(texts)) out.push_back(runToJSON(r));
      continue;
    }
    const Inline& link = content[i++];
    Value::Array runs;
    for (const TextRun& r : mergedRuns(link.runs)) runs.push_back(runToJSON(r));
    Value::Object o;
    o.set("type", "link").set("href", link.href).set("content", Value::array(std::move(runs)));
    out.push_back(Value(std::move(o)));
  }
  return Value::array(std::move(out));
}

Value tableToJSON(const TableContent& t) {
  Value::Array widths;
  for (const auto& w : t.columnWidths) widths.push_back(w ? Value(*w) : Value());
  Value::Array rows;
  for (const TableRow& row : t.rows) {
    Value::Array cells;
    for (const TableCell& c : row.cells) {
      Value::Object cell;
      cell.set("type", "tableCell").set("content", inlineToJSON(c.content)).set("props", normalizedCellProps(c.props));
      cells.push_back(Value(std::move(cell)));
    }
    Value::Object r;
    r.set("cells", Value::array(std::move(cells)));
    rows.push_back(Value(std::move(r)));
  }
  // BlockNote counts header rows and columns from the cells: a row whose
  // cells are all headers, a column (of the first row's width) that is a
  // header in every row.
  int headerRows = 0, headerCols = 0;
  for (const TableRow& row : t.rows) {
    bool all = true;
    for (const TableCell& c : row.cells) all = all && c.header;
    if (all && !row.cells.empty()) ++headerRows;
  }
  if (!t.rows.empty()) {
    for (size_t col = 0; col < t.rows[0].cells.size(); ++col) {
      bool all = true;
      for (const TableRow& row : t.rows) all = all && col < row.cells.size() && row.cells[col].header;
      if (all) ++headerCols;
    }
  }
  Value::Object o;
  o.set("type", "tableContent")
      .set("columnWidths", Value::array(std::move(widths)))
      .set("headerRows", headerRows > 0 ? Value(headerRows) : Value())
      .set("headerCols", headerCols > 0 ? Value(headerCols) : Value())
      .set("rows", Value::array(std::move(rows)));
  return Value(std::move(o));
}

// --- parsing -------------------------------------------------------------

// Errors inside the parser are thrown as this and turned into a Status at the
// API boundary; nothing escapes blocksFromJSON.
struct JsonError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw JsonError(path + ": " + what); }

const Value::Object& asObject(const Value& v, const std::string& path) {
  if (!v.isObject()) fail(path, "expected an object");
  return v.asObject();
}

const Value::Array& asArray(const Value& v, const std::string& path) {
  if (!v.isArray()) fail(path, "expected an array");
  return v.asArray();
}

const std::string& asString(const Value* v, const std::string& path) {
  if (!v || !v->isString()) fail(path, "expected a string");
  return v->asString();
}

Styles stylesFromJSON(const Value* v, const std::string& path) {
  Styles s;
  if (!v || v->isUndefined()) return s;
  for (const auto& [key, val] : asObject(*v, path)) {
    const std::string p = path + "." + key;
    if (key == "textColor" || key == "backgroundColor") {
      (key == "textColor" ? s.textColor : s.backgroundColor) = asString(&val, p);
      continue;
    }
    bool* flag = key == "bold"        ? &s.bold
                 : key == "italic"    ? &s.italic
                 : key == "underline" ? &s.underline
                 : key == "strike"    ? &s.strike
                 : key == "code"      ? &s.code
                                      : nullptr;
    if (!flag) fail(p, "unknown style");
    if (!val.isBool()) fail(p, "expected a boolean");
    *flag = val.asBool();
  }
  return s;
}

TextRun runFromJSON(const Value& v, const std::string& path) {
  const Value::Object& o = asObject(v, path);
  if (asString(o.get("type"), path + ".type") != "text") fail(path + ".type", "expected \"text\"");
  return TextRun{asString(o.get("text"), path + ".text"), stylesFromJSON(o.get("styles"), path + ".styles"), {}};
}

std::vector<Inline> inlineFromJSON(const Value* v, const std::string& path) {
  std::vector<Inline> out;
  if (!v || v->isUndefined()) return out;
  const Value::Array& items = asArray(*v, path);
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string p = path + "[" + std::to_string(i) + "]";
    const Value::Object& o = asObject(items[i], p);
    const std::string& type = asString(o.get("type"), p + ".type");
    Inline in;
    if (type == "text") {
      in.run = runFromJSON(items[i], p);
    } else if (type == "link") {
      in.kind = Inline::Kind::kLink;
      in.href = asString(o.get("href"), p + ".href");
      const Value* c = o.get("content");
      if (!c) fail(p + ".content", "missing");
      const Value::Array& runs = asArray(*c, p + ".content");
      for (size_t j = 0; j < runs.size(); ++j) {
        in.runs.push_back(runFromJSON(runs[j], p + ".content[" + std::to_string(j) + "]"));
      }
    } else {
      fail(p + ".type", "unsupported inline content \"" + type + "\"");
    }
    out.push_back(std::move(in));
  }
  return out;
}

int countFromJSON(const Value* v, const std::string& path) {
  if (!v || v->isUndefined() || v->isNull()) return 0;
  if (!v->isNumber() || v->asNumber() < 0 || v->asNumber() > 1e6 || v->asNumber() != static_cast<int>(v->asNumber())) {
    fail(path, "expected a small non-negative integer");
  }
  return static_cast<int>(v->asNumber());
}

TableContent tableFromJSON(const Value* v, const std::string& path) {
  if (!v) fail(path, "missing table content");
  const Value::Object& o = asObject(*v, path);
  if (asString(o.get("type"), path + ".type") != "tableContent") fail(path + ".type", "expected \"tableContent\"");
  TableContent t;
  if (const Value* w = o.get("columnWidths"); w && !w->isUndefined()) {
    for (const Value& e : asArray(*w, path + ".columnWidths")) {
      if (e.isUndefined() || e.isNull()) {
        t.columnWidths.push_back(std::nullopt);
      } else if (e.isNumber()) {
        t.columnWidths.push_back(e.asNumber());
      } else {
        fail(path + ".columnWidths", "expected numbers or null");
      }
    }
  }
  t.headerRows = countFromJSON(o.get("headerRows"), path + ".headerRows");
  t.headerCols = countFromJSON(o.get("headerCols"), path + ".headerCols");
  const Value* rows = o.get("rows");
  if (!rows) fail(path + ".rows", "missing");
  const Value::Array& rowItems = asArray(*rows, path + ".rows");
  for (size_t r = 0; r < rowItems.size(); ++r) {
    const std::string rp = path + ".rows[" + std::to_string(r) + "]";
    const Value* cells = asObject(rowItems[r], rp).get("cells");
    if (!cells) fail(rp + ".cells", "missing");
    const Value::Array& cellItems = asArray(*cells, rp + ".cells");
    TableRow row;
    for (size_t c = 0; c < cellItems.size(); ++c) {
      const std::string cp = rp + ".cells[" + std::to_string(c) + "]";
      const Value::Object& co = asObject(cellItems[c], cp);
      if (asString(co.get("type"), cp + ".type") != "tableCell") fail(cp + ".type", "expected \"tableCell\"");
      TableCell cell;
      cell.header = static_cast<int>(r) < t.headerRows || static_cast<int>(c) < t.headerCols;
      cell.content = inlineFromJSON(co.get("content"), cp + ".content");
      const Value* props = co.get("props");
      if (props && !props->isUndefined()) asObject(*props, cp + ".props");
      cell.props = normalizedCellProps(props ? *props : Value());
      row.cells.push_back(std::move(cell));
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Block blockFromJSON(const Value& v, const std::string& path, int depth) {
  if (depth > kMaxBlockNesting) fail(path, "blocks nested deeper than " + std::to_string(kMaxBlockNesting));
  const Value::Object& o = asObject(v, path);
  Block b;
  b.id = asString(o.get("id"), path + ".id");
  b.type = asString(o.get("type"), path + ".type");
  const Value* props = o.get("props");
  if (props && !props->isUndefined()) asObject(*props, path + ".props");
  b.props = normalizedProps(b.type, props ? *props : Value());
  const Value* content = o.get("content");
  if (b.type == "table") {
    b.table = tableFromJSON(content, path + ".content");
  } else if (content && content->isObject()) {
    fail(path + ".content", "table content on a \"" + b.type + "\" block");
  } else {
    b.content = inlineFromJSON(content, path + ".content");
  }
  if (const Value* children = o.get("children"); children && !children->isUndefined()) {
    const Value::Array& items = asArray(*children, path + ".children");
    for (size_t i = 0; i < items.size(); ++i) {
      b.children.push_back(blockFromJSON(items[i], path + ".children[" + std::to_string(i) + "]", depth + 1));
    }
  }
  return b;
}

}  // namespace

Value blockToJSON(const Block& b) {
  Value content;  // undefined for blocks without content
  if (b.table) {
    content = tableToJSON(*b.table);
  } else if (hasInlineContent(b.type) || !b.content.empty()) {
    content = inlineToJSON(b.content);
  }
  Value::Object o;
  o.set("id", b.id)
      .set("type", b.type)
      .set("props", normalizedProps(b.type, b.props))
      .set("content", std::move(content))
      .set("children", blocksToJSON(b.children));
  return Value(std::move(o));
}

Value blocksToJSON(std::span<const Block> blocks) {
  Value::Array out;
  out.reserve(blocks.size());
  for (const Block& b : blocks) out.push_back(blockToJSON(b));
  return Value::array(std::move(out));
}

Status blocksFromJSON(const Value& json, std::vector<Block>* out) {
  try {
    const Value::Array& items = asArray(json, "blocks");
    std::vector<Block> blocks;
    blocks.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
      blocks.push_back(blockFromJSON(items[i], "blocks[" + std::to_string(i) + "]", 1));
    }
    *out = std::move(blocks);
    return Status::Ok();
  } catch (const JsonError& e) {
    return Status::InvalidArgument(std::string("block JSON: ") + e.what());
  }
}

}  // namespace roundtable::plan
