// plan_driver: the C++ plan conversions (src/plan) for the Node tests that
// hold them against the real BlockNote and lz-string packages. JSON lines:
// one request per stdin line ({"cmd": ...}), one answer per stdout line
// ({"ok": true, ...}); a failure answers {"ok": false, "error": "..."}, and a
// Status error also carries "code" (e.g. "ResourceExhausted").
//
// Commands (each added with the code it tests):
//   {"cmd":"lzCompress","text":S}      -> {"ok":true,"out":compressToEncodedURIComponent(S)}
//   {"cmd":"lzDecompress","data":D}    -> {"ok":true,"text":decompressFromEncodedURIComponent(D)}
//       "text" is null where the C++ rejects D; optional "maxTextUnits" sets
//       the output cap (plan/lz_string.h).
// Strings travel as JSON, so lone surrogates arrive and leave as \udxxx escapes.
//   {"cmd":"parseMarkdown","markdown":M}
//       -> {"ok":true,"blocks":<BlockNote block JSON>}
//   {"cmd":"fromMarkdown","markdown":M}
//       -> {"ok":true,"update":"<hex v1 update of a fresh Doc after
//           writePlanContent>","blocks":<JSON>}
//   {"cmd":"fromBlocks","blocks":<JSON>}
//       -> same as fromMarkdown, from BlockNote block JSON (blocksFromJSON)
//   Optional for all three: "maxBytes", "maxNesting" (parser limits), "clientId".
//   {"cmd":"timeMarkdown","markdown":M,"iterations":N}
//       -> {"ok":true,"parseMs":...,"writeMs":...,"blocks":count}: mean time
//          to parse, and to write the parsed blocks into a fresh Doc and
//          encode its update.
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

#include <chrono>
#include <stdexcept>
#include <string>

#include "lib0/hex_for_tests.h"
#include "json_lines.h"
#include "plan/lz_string.h"
#include "plan/block_json.h"
#include "plan/markdown_parser.h"
#include "plan/plan_content.h"
#include "plan/block_xml_reader.h"
#include "plan/markdown_writer.h"
#include "plan/threads.h"
#include "roundtable/crdt/doc.h"

using roundtable::Status;
using roundtable::lib0::Value;
namespace plan = roundtable::plan;
namespace crdt = roundtable::crdt;

namespace {

Value ok(const char* key, Value v) {
  Value::Object o;
  o.set("ok", true);
  o.set(key, std::move(v));
  return Value(std::move(o));
}

Value statusError(const Status& s) {
  Value::Object o;
  o.set("ok", false).set("code", roundtable::testing::statusCodeName(s.code())).set("error", s.message());
  return Value(std::move(o));
}

const Value* field(const Value& req, std::string_view key) { return req.asObject().get(key); }

std::string stringField(const Value& req, std::string_view key) {
  const Value* v = field(req, key);
  if (!v || !v->isString()) throw std::invalid_argument("missing string \"" + std::string(key) + "\"");
  return v->asString();
}

plan::MarkdownParseOptions parseOptions(const Value& req) {
  plan::MarkdownParseOptions opts;
  if (const Value* v = field(req, "maxBytes"); v && v->isNumber()) opts.maxBytes = static_cast<size_t>(v->asNumber());
  if (const Value* v = field(req, "maxNesting"); v && v->isNumber()) opts.maxNesting = static_cast<int>(v->asNumber());
  return opts;
}

std::string hex(const std::vector<uint8_t>& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (uint8_t b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

Value writeAnswer(const Value& req, const std::vector<plan::Block>& blocks) {
  crdt::DocOptions dopts;
  if (const Value* v = field(req, "clientId"); v && v->isNumber()) dopts.clientId = static_cast<crdt::ClientId>(v->asNumber());
  crdt::Doc doc(dopts);
  if (Status s = plan::writePlanContent(doc, blocks); !s.ok()) return statusError(s);
  Value::Object o;
  o.set("ok", true).set("update", hex(doc.encodeStateAsUpdate())).set("blocks", plan::blocksToJSON(blocks));
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

void load(crdt::Doc& doc, const Value& req) {
  auto bytes = roundtable::lib0::testhex::fromHex(stringField(req, "update"));
  roundtable::Status s = doc.applyUpdate(bytes);
  if (!s.ok()) throw std::invalid_argument("applyUpdate: " + s.message());
}

Value handle(const Value& req) {
  if (!req.isObject()) throw std::invalid_argument("request is not an object");
  const std::string cmd = stringField(req, "cmd");
  if (cmd == "lzCompress") return ok("out", roundtable::plan::compressToEncodedURIComponent(stringField(req, "text")));
  if (cmd == "lzDecompress") {
    size_t cap = roundtable::plan::kLzMaxTextUnits;
    if (const Value* m = req.asObject().get("maxTextUnits"); m && m->isNumber()) cap = static_cast<size_t>(m->asNumber());
    auto text = roundtable::plan::decompressFromEncodedURIComponent(stringField(req, "data"), cap);
    return ok("text", text ? Value(std::move(*text)) : Value::null());
  }
  if (cmd == "parseMarkdown" || cmd == "fromMarkdown") {
    std::vector<plan::Block> blocks;
    if (Status s = plan::parseMarkdown(stringField(req, "markdown"), &blocks, parseOptions(req)); !s.ok()) {
      return statusError(s);
    }
    if (cmd == "fromMarkdown") return writeAnswer(req, blocks);
    Value::Object o;
    o.set("ok", true).set("blocks", plan::blocksToJSON(blocks));
    return Value(std::move(o));
  }
  if (cmd == "fromBlocks") {
    const Value* json = field(req, "blocks");
    std::vector<plan::Block> blocks;
    if (Status s = plan::blocksFromJSON(json ? *json : Value(), &blocks); !s.ok()) return statusError(s);
    return writeAnswer(req, blocks);
  }
  if (cmd == "timeMarkdown") {
    const std::string md = stringField(req, "markdown");
    const Value* it = field(req, "iterations");
    const int n = it && it->isNumber() ? std::max(1, static_cast<int>(it->asNumber())) : 20;
    using Clock = std::chrono::steady_clock;
    double parseMs = 0, writeMs = 0;
    size_t count = 0;
    for (int i = 0; i < n; ++i) {
      std::vector<plan::Block> blocks;
      auto t0 = Clock::now();
      if (Status s = plan::parseMarkdown(md, &blocks); !s.ok()) return statusError(s);
      auto t1 = Clock::now();
      crdt::Doc doc;
      if (Status s = plan::writePlanContent(doc, blocks); !s.ok()) return statusError(s);
      std::vector<uint8_t> update = doc.encodeStateAsUpdate();
      auto t2 = Clock::now();
      parseMs += std::chrono::duration<double, std::milli>(t1 - t0).count();
      writeMs += std::chrono::duration<double, std::milli>(t2 - t1).count();
      count = blocks.size();
    }
    Value::Object o;
    o.set("ok", true).set("parseMs", parseMs / n).set("writeMs", writeMs / n).set("blocks", count);
    return Value(std::move(o));
  }
  if (cmd == "readBlocks") {
    crdt::Doc doc;
    load(doc, req);
    bool changed = false;
    doc.onUpdate([&](std::span<const uint8_t>, const void*) { changed = true; });
    Value blocks = plan::blocksToJSON(plan::readDocument(doc.getXmlFragment("document")));
    Value::Object o;
    o.set("ok", true).set("blocks", blocks).set("unchanged", !changed);
    return Value(std::move(o));
  }
  if (cmd == "toMarkdown") {
    crdt::Doc doc;
    load(doc, req);
    const Value* ann = field(req, "annotations");
    std::vector<plan::Block> blocks = plan::readDocument(doc.getXmlFragment("document"));
    std::vector<plan::Thread> threads = plan::readThreads(doc.getMap("threads"), doc.getMap("users"));
    plan::MarkdownOptions options;
    options.includeAnnotations = ann && ann->truthy();
    options.threads = &threads;
    Value::Array anchors;
    for (const plan::ThreadAnchor& a : plan::anchorThreads(blocks)) {
      Value::Object a2;
      a2.set("threadId", a.threadId).set("blockId", a.blockId).set("quote", a.quote);
      anchors.push_back(Value(std::move(a2)));
    }
    Value::Object o;
    o.set("ok", true).set("markdown", plan::toMarkdown(blocks, options));
    o.set("threads", threadsJSON(threads)).set("anchors", Value::array(std::move(anchors)));
    return Value(std::move(o));
  }
  throw std::invalid_argument("unknown cmd " + cmd);
}

}  // namespace

int main() { return roundtable::testing::serveJsonLines(handle); }
