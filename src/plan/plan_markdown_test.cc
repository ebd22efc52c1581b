// Unit tests of markdown -> blocks -> JSON / XmlFragment. Equality with the
// real BlockNote is tested in tests/interop/plan_markdown.test.mjs; these
// pin the C++ contracts (limits, round trips, ids, structure).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <set>
#include <string>

#include "lib0/json.h"
#include "plan/block_id.h"
#include "plan/block_json.h"
#include "plan/block_xml_writer.h"
#include "plan/markdown_parser.h"
#include "plan/plan_content.h"

namespace roundtable::plan {
namespace {

std::vector<Block> parse(std::string_view md) {
  MarkdownParseOptions opts;
  opts.ids = sequentialBlockIds("b");
  std::vector<Block> blocks;
  Status s = parseMarkdown(md, &blocks, opts);
  EXPECT_TRUE(s.ok()) << s.message();
  return blocks;
}

std::string json(const std::vector<Block>& blocks) { return lib0::toJSON(blocksToJSON(blocks)); }

void collectIds(const std::vector<Block>& blocks, std::vector<std::string>& out) {
  for (const Block& b : blocks) {
    out.push_back(b.id);
    collectIds(b.children, out);
  }
}

TEST(PlanBlockId, RandomIdsAreUuidV4AndUnique) {
  BlockIdGenerator ids = randomBlockIds();
  std::set<std::string> seen;
  const std::regex uuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 10000; ++i) {
    std::string id = ids();
    ASSERT_TRUE(std::regex_match(id, uuid)) << id;
    ASSERT_TRUE(seen.insert(id).second) << id;
  }
  // Two generators do not repeat each other.
  EXPECT_NE(randomBlockIds()(), randomBlockIds()());
}

TEST(PlanMarkdown, BlockTypesAndProps) {
  std::vector<Block> b = parse("# T\n\n3. a\n4. b\n\n- [x] done\n\n```ts\nx\n```\n\n> q\n\n---\n\n![alt](http://h/i.png \"t\")\n");
  ASSERT_EQ(b.size(), 8u);
  EXPECT_EQ(b[0].type, "heading");
  EXPECT_EQ(lib0::toJSON(b[0].props),
            R"({"backgroundColor":"default","textColor":"default","textAlignment":"left","level":1,"isToggleable":false})");
  EXPECT_EQ(b[1].type, "numberedListItem");
  EXPECT_EQ(*b[1].props.asObject().get("start"), Value(3));
  EXPECT_EQ(b[2].props.asObject().get("start"), nullptr);  // only the first item
  EXPECT_EQ(b[3].type, "checkListItem");
  EXPECT_EQ(*b[3].props.asObject().get("checked"), Value(true));
  EXPECT_EQ(b[4].type, "codeBlock");
  EXPECT_EQ(lib0::toJSON(b[4].props), R"({"language":"ts"})");
  EXPECT_EQ(b[5].type, "quote");
  EXPECT_EQ(b[6].type, "divider");
  EXPECT_EQ(b[7].type, "image");
  EXPECT_EQ(lib0::toJSON(b[7].props),
            R"({"textAlignment":"left","backgroundColor":"default","name":"alt","url":"http://h/i.png","caption":"","showPreview":true})");
}

TEST(PlanMarkdown, BreaksFollowBlockNote) {
  // Soft and hard breaks alike: "\n" then a space; a hard break joins the run before it.
  EXPECT_EQ(json(parse("a\nb  \nc\\\nd")),
            R"([{"id":"b1","type":"paragraph","props":{"backgroundColor":"default","textColor":"default","textAlignment":"left"},"content":[{"type":"text","text":"a\n b\n c\n d","styles":{}}],"children":[]}])");
  std::vector<Block> b = parse("x **a**\ny");
  ASSERT_EQ(b[0].content.size(), 3u);
  EXPECT_EQ(b[0].content[1].run.text, "a\n");
  EXPECT_TRUE(b[0].content[1].run.styles.bold);
  EXPECT_EQ(b[0].content[2].run.text, " y");
}

TEST(PlanMarkdown, CodeExcludesOtherMarksAndLinks) {
  std::vector<Block> b = parse("[`x`](http://a) **a `b`**");
  ASSERT_EQ(b.size(), 1u);
  ASSERT_GE(b[0].content.size(), 1u);
  EXPECT_EQ(b[0].content[0].kind, Inline::Kind::kText);
  EXPECT_EQ(b[0].content[0].run.text, "x");
  EXPECT_EQ(b[0].content[0].run.styles, (Styles{.code = true}));
  EXPECT_EQ(b[0].content.back().run.styles, (Styles{.code = true}));
}

TEST(PlanMarkdown, NestedListsBecomeChildren) {
  std::vector<Block> b = parse("- a\n  - b\n    1. c\n       - [ ] d\n- e\n  wrapped\n");
  ASSERT_EQ(b.size(), 2u);
  ASSERT_EQ(b[0].children.size(), 1u);
  ASSERT_EQ(b[0].children[0].children.size(), 1u);
  EXPECT_EQ(b[0].children[0].children[0].type, "numberedListItem");
  EXPECT_EQ(b[0].children[0].children[0].children[0].type, "checkListItem");
  // A list item's content is its first line; the rest is a child paragraph.
  EXPECT_EQ(plainText(b[1].content), "e");
  ASSERT_EQ(b[1].children.size(), 1u);
  EXPECT_EQ(plainText(b[1].children[0].content), "wrapped");
}

TEST(PlanMarkdown, TableHasHeaderRowAndPaddedCells) {
  std::vector<Block> b = parse("| a | **b** |\n|:-|-:|\n| 1 |\n");
  ASSERT_EQ(b.size(), 1u);
  ASSERT_TRUE(b[0].table);
  const TableContent& t = *b[0].table;
  EXPECT_EQ(t.columnWidths.size(), 2u);
  ASSERT_EQ(t.rows.size(), 2u);
  EXPECT_TRUE(t.rows[0].cells[0].header);
  EXPECT_FALSE(t.rows[1].cells[0].header);
  ASSERT_EQ(t.rows[1].cells.size(), 2u);
  EXPECT_TRUE(t.rows[1].cells[1].content.empty());
  EXPECT_EQ(lib0::toJSON(t.rows[0].cells[0].props),
            R"({"colspan":1,"rowspan":1,"backgroundColor":"default","textColor":"default","textAlignment":"left"})");
}

TEST(PlanMarkdown, IdsAreUnique) {
  std::string md;
  for (int i = 0; i < 50; ++i) md += "- item " + std::to_string(i) + "\n  - child\n";
  std::vector<Block> blocks;
  ASSERT_TRUE(parseMarkdown(md, &blocks).ok());
  std::vector<std::string> ids;
  collectIds(blocks, ids);
  EXPECT_EQ(ids.size(), 100u);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
}

TEST(PlanMarkdown, LimitsGiveResourceExhausted) {
  std::vector<Block> blocks = parse("keep");
  MarkdownParseOptions small;
  small.maxBytes = 10;
  Status s = parseMarkdown("more than ten bytes", &blocks, small);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(blocks.size(), 1u);  // untouched on error

  s = parseMarkdown(std::string(10000, '>') + " deep", &blocks);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.message();

  std::string lists;
  for (int i = 0; i < 100; ++i) lists += std::string(2 * i, ' ') + "- x\n";
  s = parseMarkdown(lists, &blocks);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);

  MarkdownParseOptions few;
  few.maxBlocks = 5;
  s = parseMarkdown("a\n\nb\n\nc\n\nd\n\ne\n\nf\n", &blocks, few);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
}

std::string tableOf(size_t columns, size_t rows) {
  std::string md;
  for (size_t r = 0; r < rows + 1; ++r) {
    for (size_t c = 0; c < columns; ++c) md += "| x ";
    md += "|\n";
    if (r == 0) {
      for (size_t c = 0; c < columns; ++c) md += "|---";
      md += "|\n";
    }
  }
  return md;
}

// A refusal: ResourceExhausted, blocks untouched, and a message holding `words`.
void expectRefused(std::string_view md, std::string_view words, const MarkdownParseOptions& opts = {}) {
  std::vector<Block> blocks = parse("keep");
  Status s = parseMarkdown(md, &blocks, opts);
  EXPECT_EQ(s.code(), StatusCode::kResourceExhausted) << s.message();
  EXPECT_NE(s.message().find(words), std::string::npos) << s.message();
  EXPECT_EQ(blocks.size(), 1u);
}

double millisToParse(std::string_view md) {
  std::vector<Block> blocks;
  auto start = std::chrono::steady_clock::now();
  (void)parseMarkdown(md, &blocks);
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
}

TEST(PlanMarkdownLimits, TableColumns) {
  ASSERT_EQ(parse(tableOf(kMaxTableColumns, 2))[0].table->columnWidths.size(), kMaxTableColumns);
  expectRefused(tableOf(kMaxTableColumns + 1, 2), "a table row has 65 cells (line 1); at most 64 columns");
  // A body row wider than its table: cmark-gfm would parse all its cells.
  std::string wideRow = "| a | b |\n|---|---|\n" + std::string(40000, '|') + "\n";
  expectRefused(wideRow, "a table row has 39,999 cells (line 3); at most 64 columns");
  EXPECT_LT(millisToParse(wideRow), 500);  // was seconds; generous for sanitizer builds
  // A header line of 40,000 cells over a one-column delimiter row.
  std::string header;
  for (int i = 0; i < 40000; ++i) header += "|a";
  expectRefused(header + "|\n|-|\n", "a table row has 40,000 cells (line 1); at most 64 columns");
  // Escaped pipes split no cells; pipes in code blocks and paragraphs are no rows.
  std::string escaped = "| a |\n|---|\n| b";
  for (int i = 0; i < 100; ++i) escaped += "\\|";
  EXPECT_EQ(parse(escaped + " |\n")[0].type, "table");
  std::string pipes(100000, '|');
  EXPECT_EQ(parse("```\n" + pipes + "\n|---|\n" + pipes + "\n```\n")[0].type, "codeBlock");
  EXPECT_EQ(parse("a " + pipes + "\n\n|---|\n")[0].type, "paragraph");
  // ... but a code block's first line right under a table is read as a row.
  expectRefused("| a |\n|---|\n```" + pipes + "\nx\n```\n", "at most 64 columns");
}

TEST(PlanMarkdownLimits, TableRows) {
  ASSERT_EQ(parse(tableOf(2, kMaxTableRows - 1))[0].table->rows.size(), kMaxTableRows);
  expectRefused(tableOf(2, kMaxTableRows), "a table has more than 1,000 rows (line 1); at most 1,000 rows in one table");
  MarkdownParseOptions few;
  few.maxTableRows = 3;
  expectRefused(tableOf(2, 3), "at most 3 rows in one table", few);
}

TEST(PlanMarkdownLimits, TableCellsPerPlan) {
  // 64 x 150 cells in one table, and the same in tables of 10 x 10.
  std::string many;
  for (int i = 0; i < 100; ++i) many += tableOf(10, 9) + "\n";
  EXPECT_EQ(parse(many).size(), 100u);
  many += tableOf(2, 1);
  expectRefused(many, "the plan's tables have more than 10,000 cells; at most 10,000 cells in one plan");
  // Counted as BlockNote stores them: short rows are padded to the table's width.
  MarkdownParseOptions small;
  small.maxTableCells = 7;
  expectRefused("| a | b | c | d |\n|---|---|---|---|\n| 1 |\n", "at most 7 cells in one plan", small);
}

TEST(PlanMarkdownLimits, TableHeaderScans) {
  // Each delimiter-like line re-reads the paragraph above it as a header.
  std::string rescans;
  for (int i = 0; i < 16000; ++i) rescans += "line " + std::to_string(i) + " of text\n";
  for (int i = 0; i < 64; ++i) rescans += i % 2 ? "|-|-|\n" : "|-|\n";
  expectRefused(rescans, "make the parser re-read 112,0");
  EXPECT_LT(millisToParse(rescans), 500);  // was seconds; generous for sanitizer builds
  // An ordinary table under a paragraph costs its paragraph once.
  EXPECT_EQ(parse("intro\n| a | b |\n|---|---|\n| 1 | 2 |\n").back().type, "table");
}

TEST(PlanMarkdownLimits, TextRuns) {
  std::string runs;
  for (size_t i = 0; i < kMaxTextRuns / 2; ++i) runs += "**a** ";  // a bold run and a plain one each
  EXPECT_EQ(parse(runs).size(), 1u);
  expectRefused(runs + "*b* c", "the plan has more than 20,000 text runs and line breaks");
  std::string links;  // a link and a space each
  for (size_t i = 0; i < kMaxTextRuns / 2 + 1; ++i) links += "[l](http://x/" + std::to_string(i) + ") ";
  expectRefused(links, "text runs");
  // Plain text is one run however long, entities included; line breaks count.
  EXPECT_EQ(parse(std::string(500000, 'a') + "&amp;b").size(), 1u);
  std::string paragraph;  // one run and 499 breaks
  for (int i = 0; i < 499; ++i) paragraph += "a  \n";
  paragraph += "b\n\n";
  std::string breaks;
  for (size_t i = 0; i < kMaxTextRuns / 500; ++i) breaks += paragraph;
  EXPECT_EQ(parse(breaks).size(), kMaxTextRuns / 500);
  expectRefused(breaks + "a\nb", "text runs and line breaks");
  std::string code = "```\n";
  for (size_t i = 0; i < kMaxTextRuns; ++i) code += "x\n";
  EXPECT_EQ(parse(code + "```\n")[0].type, "codeBlock");
}

TEST(PlanMarkdownLimits, LineBreaksPerBlock) {
  std::string lines = "intro\n\n";
  for (size_t i = 0; i < kMaxLineBreaks; ++i) lines += "a  \n";
  EXPECT_EQ(parse(lines + "b").size(), 2u);
  expectRefused(lines + "b\nc", "a block has 1,001 line breaks (line 3); at most 1,000 in one block");
}

TEST(PlanMarkdownLimits, Blocks) {
  std::string md;
  for (size_t i = 0; i < kMaxBlocks; ++i) md += "p\n\n";
  EXPECT_EQ(parse(md).size(), kMaxBlocks);
  expectRefused(md + "- one more", "the plan has more than 5,000 blocks (nested ones included); at most 5,000");
}

TEST(PlanMarkdownLimits, NestingOnOneLine) {
  // cmark builds a container per marker before the converter counts levels.
  std::string quotes;
  for (int i = 0; i < 300000; ++i) quotes += "> ";
  expectRefused(quotes + "x", "a line opens 300,000 nested lists or quotes (line 1); markdown may nest at most 32 levels");
  EXPECT_LT(millisToParse(quotes + "x"), 500);  // was seconds; generous for sanitizer builds
  std::string lists = "intro\n\n";
  for (int i = 0; i < 1000; ++i) lists += i % 2 ? "1. " : "- ";
  expectRefused(lists + "x", "a line opens 1,000 nested lists or quotes (line 3)");
  std::string thirty;
  for (int i = 0; i < 30; ++i) thirty += "> ";
  EXPECT_EQ(parse(thirty + "x")[0].type, "quote");
  // A long thematic break of spaced dashes is one block.
  std::string rule;
  for (int i = 0; i < 100; ++i) rule += "- ";
  EXPECT_EQ(parse("a\n\n" + rule + "\n")[1].type, "divider");
  expectRefused(rule + "x", "a line opens 100 nested lists or quotes");
}

// cmark-gfm ends lines at "\r" and "\r\n" too: the checks before it must
// see the same lines, or CR-only text slips past them as one long line.
TEST(PlanMarkdownLimits, CarriageReturnsEndLinesForTheChecksToo) {
  std::string wideRow = "| a | b |\r|---|---|\r" + std::string(40000, '|') + "\r";
  expectRefused(wideRow, "a table row has 39,999 cells (line 3); at most 64 columns");
  EXPECT_LT(millisToParse(wideRow), 500);
  std::string crlf = "| a | b |\r\n|---|---|\r\n" + std::string(40000, '|') + "\r\n";
  expectRefused(crlf, "a table row has 39,999 cells (line 3); at most 64 columns");
  std::string quotes = "x\r";
  for (int i = 0; i < 300000; ++i) quotes += "> ";
  expectRefused(quotes + "x", "a line opens 300,000 nested lists or quotes (line 2)");
  EXPECT_EQ(parse("| a |\r\n|---|\r\n| b |\r\n")[0].type, "table");
}

// "Title\n---" is a setext heading, not a table: the lines under it are no
// table rows and count toward no table limit.
TEST(PlanMarkdownLimits, SetextHeadingsAreNoTables) {
  std::string md;
  for (int section = 0; section < 12; ++section) {
    md += "Section " + std::to_string(section) + "\n---\n";
    for (int line = 0; line < 900; ++line) md += "a line of text\n";  // 10,800 lines in all
    md += "\n";
  }
  std::vector<Block> blocks;
  Status s = parseMarkdown(md, &blocks);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(blocks.size(), 24u);
  EXPECT_EQ(blocks[0].type, "heading");
}

TEST(PlanMarkdown, HostileInputDoesNotCrash) {
  std::vector<Block> blocks;
  for (std::string md : {std::string("\xff\xfe\x00 bad utf8", 12), std::string(50000, '*'), std::string(20000, '[') + "x",
                         std::string("| a |\n|--|\n") + std::string(5000, '|'), std::string("```\nunclosed"),
                         std::string("<div\n"), std::string("- \n- [ ]\n1.\n")}) {
    Status s = parseMarkdown(md, &blocks);
    EXPECT_TRUE(s.ok() || s.code() == StatusCode::kResourceExhausted) << s.message();
  }
}

TEST(PlanBlockJson, RoundTrip) {
  std::vector<Block> blocks = parse(
      "# H\n\npara **b** *i* ~~s~~ `c` [l](http://x)\nnext\n\n1. a\n   - [x] b\n\n| h | i |\n|--|--|\n| 1 | 2 |\n\n"
      "```\ncode\n```\n\n---\n\n![a](http://i/x.png)\n");
  Value json = blocksToJSON(blocks);
  std::vector<Block> back;
  Status s = blocksFromJSON(json, &back);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(back, blocks);
  EXPECT_EQ(lib0::toJSON(blocksToJSON(back)), lib0::toJSON(json));
  // Through JSON text too (undefined becomes absent or null there).
  s = blocksFromJSON(lib0::parseJSON(lib0::toJSON(json)), &back);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(back, blocks);
}

TEST(PlanBlockJson, KeyOrderAndUndefined) {
  std::vector<Block> b = parse("---\n\n| a |\n|--|\n| 1 |\n");
  const Value dividerJson = blockToJSON(b[0]);
  const Value::Object& divider = dividerJson.asObject();
  std::vector<std::string> keys;
  for (const auto& [k, v] : divider) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"id", "type", "props", "content", "children"}));
  EXPECT_TRUE(divider.get("content")->isUndefined());
  const Value tableJson = blockToJSON(b[1]);
  const Value::Object& table = tableJson.asObject().get("content")->asObject();
  keys.clear();
  for (const auto& [k, v] : table) keys.push_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"type", "columnWidths", "headerRows", "headerCols", "rows"}));
  EXPECT_TRUE(table.get("columnWidths")->asArray()[0].isUndefined());
  EXPECT_TRUE(table.get("headerCols")->isUndefined());
}

TEST(PlanBlockJson, RejectsMalformed) {
  std::vector<Block> out = parse("keep");
  for (const char* text : {
           "42", "[1]", R"([{"type":"paragraph"}])", R"([{"id":"a"}])",
           R"([{"id":"a","type":"paragraph","props":3}])",
           R"([{"id":"a","type":"paragraph","content":[{"type":"mention"}]}])",
           R"([{"id":"a","type":"paragraph","content":[{"type":"text","text":1}]}])",
           R"([{"id":"a","type":"paragraph","content":[{"type":"text","text":"x","styles":{"bold":"yes"}}]}])",
           R"([{"id":"a","type":"paragraph","content":[{"type":"text","text":"x","styles":{"glow":true}}]}])",
           R"([{"id":"a","type":"paragraph","content":[{"type":"link","href":"x"}]}])",
           R"([{"id":"a","type":"table","content":[]}])",
           R"([{"id":"a","type":"table","content":{"type":"tableContent","rows":[{"cells":3}]}}])",
           R"([{"id":"a","type":"table","content":{"type":"tableContent","headerRows":-1,"rows":[]}}])",
           R"([{"id":"a","type":"paragraph","content":{"type":"tableContent","rows":[]}}])",
           R"([{"id":"a","type":"paragraph","children":"no"}])",
       }) {
    Status s = blocksFromJSON(lib0::parseJSON(text), &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << text;
  }
  EXPECT_EQ(out.size(), 1u);
  // Nesting beyond the limit.
  std::string deep;
  for (int i = 0; i <= kMaxBlockNesting; ++i) deep += R"([{"id":"a","type":"paragraph","children":)";
  deep += "[]";
  for (int i = 0; i <= kMaxBlockNesting; ++i) deep += "}]";
  EXPECT_EQ(blocksFromJSON(lib0::parseJSON(deep), &out).code(), StatusCode::kInvalidArgument);
}

// The XML walked back as a compact string: name[attr=json,...](children),
// text as its delta JSON.
std::string shape(const crdt::TypeRef& t) {
  if (t.kind() == crdt::TypeKind::kXmlText) return lib0::toJSON(crdt::XmlText(t.impl()).toDeltaJSON());
  crdt::XmlElement el(t.impl());
  std::string out = el.nodeName() + "[";
  for (const auto& [k, e] : el.getAttributes()) out += k + "=" + (e.value.isUndefined() ? "undefined" : lib0::toJSON(e.value)) + ",";
  out += "](";
  for (const crdt::Entry& c : el.toArray()) out += shape(c.asType()) + " ";
  return out + ")";
}

TEST(PlanXmlWriter, Structure) {
  crdt::Doc doc;
  std::vector<Block> blocks = parse("1. one\n   - c\n\n**a**\nb\n\n```\nx\ny\n```\n\n| h |\n|--|\n| v |\n");
  doc.transact([&](crdt::Transaction&) { writeDocument(doc.getXmlFragment("document"), blocks); });
  crdt::XmlFragment f = doc.getXmlFragment("document");
  ASSERT_EQ(f.length(), 1u);
  std::string s = shape(f.get(0)->asType());
  // Attribute names and types, undefined `start`, marks as {} objects,
  // hardBreak elements, one XmlText with literal newlines for code.
  EXPECT_NE(s.find("numberedListItem[backgroundColor=\"default\",textColor=\"default\",textAlignment=\"left\",start=undefined,]"),
            std::string::npos)
      << s;
  EXPECT_NE(s.find(R"([{"insert":"a","attributes":{"bold":{}}}] hardBreak[]() [{"insert":" b"}])"), std::string::npos) << s;
  EXPECT_NE(s.find(R"(codeBlock[language="text",]([{"insert":"x\ny"}] ))"), std::string::npos) << s;
  EXPECT_NE(s.find("tableHeader[textColor=\"default\",backgroundColor=\"default\",textAlignment=\"left\",colspan=1,rowspan=1,]"
                   "(tableParagraph[]("),
            std::string::npos)
      << s;
  EXPECT_NE(s.find("tableCell["), std::string::npos) << s;
  EXPECT_NE(s.find("blockContainer[id=\"b1\",](numberedListItem"), std::string::npos) << s;
  EXPECT_NE(s.find("blockGroup[](blockContainer[id=\"b2\",]"), std::string::npos) << s;
}

TEST(PlanXmlWriter, InsertBlocksAtIndex) {
  crdt::Doc doc;
  crdt::XmlFragment f = doc.getXmlFragment("document");
  writeDocument(f, parse("a\n\nc"));
  crdt::XmlElement group(f.get(0)->type);
  std::vector<Block> mid = parse("b");
  mid[0].id = "mid";
  insertBlocks(group, 1, mid);
  ASSERT_EQ(group.length(), 3u);
  crdt::XmlElement second(group.get(1)->type);
  EXPECT_EQ(second.getAttribute("id")->value, Value("mid"));
  // A second writeDocument appends to the same blockGroup.
  writeDocument(f, parse("d"));
  EXPECT_EQ(f.length(), 1u);
  EXPECT_EQ(group.length(), 4u);
}

TEST(PlanContent, WritesFragmentAndArrayOnce) {
  crdt::Doc doc;
  std::vector<Block> blocks = parse("# a\n\n- b\n  - c\n");
  int updates = 0;
  doc.onUpdate([&](std::span<const uint8_t>, const void*) { ++updates; });
  ASSERT_TRUE(writePlanContent(doc, blocks).ok());
  EXPECT_EQ(updates, 1);  // one transaction
  crdt::Array content = doc.getArray("content");
  ASSERT_EQ(content.length(), 2u);
  EXPECT_EQ(lib0::toJSON(content.get(1)->value), lib0::toJSON(blockToJSON(blocks[1])));
  EXPECT_EQ(writePlanContent(doc, blocks).code(), StatusCode::kFailedPrecondition);
}

TEST(PlanMarkdown, TimingOf200BlockPlan) {
  // Printed, not asserted: parse + write of a plan of ~200 blocks.
  std::string md = "# Plan\n\n";
  for (int i = 0; i < 40; ++i) {
    md += "Step " + std::to_string(i) + ": move **svc-" + std::to_string(i) + "** and check `health`.\n\n";
    md += "- drain node\n  - cordon\n- update [DNS](https://dns.example.com)\n\n";
    md += "| svc | owner |\n|---|---|\n| a | b |\n\n";
  }
  const int n = 50;
  std::vector<Block> blocks;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) ASSERT_TRUE(parseMarkdown(md, &blocks).ok());
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) {
    crdt::Doc doc;
    ASSERT_TRUE(writePlanContent(doc, blocks).ok());
    (void)doc.encodeStateAsUpdate();
  }
  auto t2 = std::chrono::steady_clock::now();
  std::vector<std::string> ids;
  collectIds(blocks, ids);
  std::printf("[ timing ] %zu blocks: parse %.3f ms, write + encode %.3f ms\n", ids.size(),
              std::chrono::duration<double, std::milli>(t1 - t0).count() / n,
              std::chrono::duration<double, std::milli>(t2 - t1).count() / n);
}

}  // namespace
}  // namespace roundtable::plan
