// plan_driver: the C++ plan conversions (src/plan) for the Node tests that
// hold them against the real BlockNote and lz-string packages. JSON lines:
// one request per stdin line ({"cmd": ...}), one answer per stdout line
// ({"ok": true, ...}); a failure answers {"ok": false, "error": "..."}.
//
// Commands (each added with the code it tests):
//   {"cmd":"readBlocks","update":"<hex v1>"}
//       -> {"ok":true,"blocks":[...],"unchanged":true}
//      The `document` fragment read by block_xml_reader, as BlockNote block
//      JSON (runs merged as BlockNote merges them: comment threads dropped).
//      `unchanged`: reading did not alter the document (no update emitted).
//   {"cmd":"toMarkdown","update":"<hex v1>","annotations":bool}
//       -> {"ok":true,"markdown":"...","threads":[...],"anchors":[...]}
//      markdown_writer over the blocks; with annotations, the threads of the
//      `threads` map with names from `users` (threads.h). `threads` is what
//      readThreads gives: [{id, createdAt, updatedAt, resolved, resolvedBy?,
//      resolvedUpdatedAt?, deletedAt?, comments: [{id, userId, author, text,
//      body?, createdAt, updatedAt, deletedAt?, reactions: [{emoji, userIds,
//      userNames, createdAt}]}]}]; `anchors`: [{threadId, blockId, quote}].

#include <stdexcept>
#include <string>

#include "crdt/lib0/hex_for_tests.h"
#include "json_lines.h"
#include "plan/block_xml_reader.h"
#include "plan/markdown_writer.h"
#include "plan/threads.h"
#include "roundtable/crdt/doc.h"

using roundtable::lib0::Value;
namespace plan = roundtable::plan;
namespace crdt = roundtable::crdt;

namespace {

// Minimal block JSON for comparing with BlockNote in the tests.
// TEMPORARY: block_json.{h,cc} (written in parallel) replaces this at merge.
Value stylesJSON(const plan::Styles& s) {
  Value::Object o;
  if (s.bold) o.set("bold", true);
  if (s.italic) o.set("italic", true);
  if (s.underline) o.set("underline", true);
  if (s.strike) o.set("strike", true);
  if (s.code) o.set("code", true);
  if (!s.textColor.empty()) o.set("textColor", s.textColor);
  if (!s.backgroundColor.empty()) o.set("backgroundColor", s.backgroundColor);
  return Value(std::move(o));
}

void pushRun(Value::Array& out, const plan::TextRun& r) {
  // BlockNote merges neighbouring runs with equal styles (comments are not styles).
  if (!out.empty()) {
    const Value::Object& last = out.back().asObject();
    if (*last.get("type") == Value("text") && *last.get("styles") == stylesJSON(r.styles)) {
      Value::Object merged = last;
      merged.set("text", last.get("text")->asString() + r.text);
      out.back() = Value(std::move(merged));
      return;
    }
  }
  Value::Object o;
  o.set("type", "text").set("text", r.text).set("styles", stylesJSON(r.styles));
  out.push_back(Value(std::move(o)));
}

Value inlineJSON(const std::vector<plan::Inline>& content) {
  Value::Array out;
  for (const plan::Inline& in : content) {
    if (in.kind == plan::Inline::Kind::kText) {
      pushRun(out, in.run);
      continue;
    }
    Value::Array runs;
    for (const plan::TextRun& r : in.runs) pushRun(runs, r);
    Value::Object o;
    o.set("type", "link").set("href", in.href).set("content", Value::array(std::move(runs)));
    out.push_back(Value(std::move(o)));
  }
  return Value::array(std::move(out));
}

Value blockJSON(const plan::Block& b) {
  Value::Object o;
  o.set("id", b.id).set("type", b.type).set("props", b.props);
  if (b.table) {
    const plan::TableContent& t = *b.table;
    Value::Array widths, rows;
    for (const auto& w : t.columnWidths) widths.push_back(w ? Value(*w) : Value::null());
    for (const plan::TableRow& r : t.rows) {
      Value::Array cells;
      for (const plan::TableCell& c : r.cells) {
        Value::Object co;
        co.set("type", "tableCell").set("content", inlineJSON(c.content)).set("props", c.props);
        cells.push_back(Value(std::move(co)));
      }
      Value::Object ro;
      ro.set("cells", Value::array(std::move(cells)));
      rows.push_back(Value(std::move(ro)));
    }
    Value::Object tc;
    tc.set("type", "tableContent").set("columnWidths", Value::array(std::move(widths)));
    if (t.headerRows) tc.set("headerRows", t.headerRows);
    if (t.headerCols) tc.set("headerCols", t.headerCols);
    tc.set("rows", Value::array(std::move(rows)));
    o.set("content", Value(std::move(tc)));
  } else if (plan::hasInlineContent(b.type)) {
    o.set("content", inlineJSON(b.content));
  }
  Value::Array children;
  for (const plan::Block& c : b.children) children.push_back(blockJSON(c));
  o.set("children", Value::array(std::move(children)));
  return Value(std::move(o));
}

Value millis(const plan::Millis& m) { return m ? Value(*m) : Value::null(); }

Value threadsJSON(const std::vector<plan::Thread>& threads) {
  Value::Array out;
  for (const plan::Thread& t : threads) {
    Value::Array comments;
    for (const plan::Comment& c : t.comments) {
      Value::Array reactions;
      for (const plan::Reaction& r : c.reactions) {
        Value::Array ids, names;
        for (const std::string& u : r.userIds) ids.push_back(u);
        for (const std::string& u : r.userNames) names.push_back(u);
        Value::Object ro;
        ro.set("emoji", r.emoji).set("userIds", Value::array(std::move(ids)));
        ro.set("userNames", Value::array(std::move(names))).set("createdAt", millis(r.createdAt));
        reactions.push_back(Value(std::move(ro)));
      }
      Value::Object co;
      co.set("id", c.id).set("userId", c.userId).set("author", c.author).set("text", c.text);
      if (!c.body.isUndefined()) co.set("body", c.body);
      co.set("createdAt", millis(c.createdAt)).set("updatedAt", millis(c.updatedAt));
      if (c.deletedAt) co.set("deletedAt", *c.deletedAt);
      co.set("reactions", Value::array(std::move(reactions)));
      comments.push_back(Value(std::move(co)));
    }
    Value::Object o;
    o.set("id", t.id).set("createdAt", millis(t.createdAt)).set("updatedAt", millis(t.updatedAt));
    o.set("resolved", t.resolved);
    if (!t.resolvedBy.empty()) o.set("resolvedBy", t.resolvedBy).set("resolvedByName", t.resolvedByName);
    if (t.resolvedUpdatedAt) o.set("resolvedUpdatedAt", *t.resolvedUpdatedAt);
    if (t.deletedAt) o.set("deletedAt", *t.deletedAt);
    o.set("comments", Value::array(std::move(comments)));
    out.push_back(Value(std::move(o)));
  }
  return Value::array(std::move(out));
}

const Value& field(const Value& req, const char* key) {
  const Value* v = req.asObject().get(key);
  if (!v) throw std::invalid_argument(std::string("missing \"") + key + "\"");
  return *v;
}

void load(crdt::Doc& doc, const Value& req) {
  auto bytes = roundtable::lib0::testhex::fromHex(field(req, "update").asString());
  roundtable::Status s = doc.applyUpdate(bytes);
  if (!s.ok()) throw std::invalid_argument("applyUpdate: " + s.message());
}

Value handle(const Value& req) {
  const Value* cmd = req.asObject().get("cmd");
  if (!cmd || !cmd->isString()) throw std::invalid_argument("request without \"cmd\"");
  const std::string& name = cmd->asString();
  Value::Object res;
  res.set("ok", true);
  if (name == "readBlocks") {
    crdt::Doc doc;
    load(doc, req);
    bool changed = false;
    doc.onUpdate([&](std::span<const uint8_t>, const void*) { changed = true; });
    Value::Array blocks;
    for (const plan::Block& b : plan::readDocument(doc.getXmlFragment("document"))) blocks.push_back(blockJSON(b));
    res.set("blocks", Value::array(std::move(blocks))).set("unchanged", !changed);
    return Value(std::move(res));
  }
  if (name == "toMarkdown") {
    crdt::Doc doc;
    load(doc, req);
    const Value* ann = req.asObject().get("annotations");
    std::vector<plan::Block> blocks = plan::readDocument(doc.getXmlFragment("document"));
    std::vector<plan::Thread> threads = plan::readThreads(doc.getMap("threads"), doc.getMap("users"));
    plan::MarkdownOptions options;
    options.includeAnnotations = ann && ann->truthy();
    options.threads = &threads;
    Value::Array anchors;
    for (const plan::ThreadAnchor& a : plan::anchorThreads(blocks)) {
      Value::Object o;
      o.set("threadId", a.threadId).set("blockId", a.blockId).set("quote", a.quote);
      anchors.push_back(Value(std::move(o)));
    }
    res.set("markdown", plan::toMarkdown(blocks, options));
    res.set("threads", threadsJSON(threads)).set("anchors", Value::array(std::move(anchors)));
    return Value(std::move(res));
  }
  throw std::invalid_argument("unknown cmd " + name);
}

}  // namespace

int main() { return roundtable::testing::serveJsonLines(handle); }
