#include "plan/block_xml_reader.h"

#include <gtest/gtest.h>

#include <random>

#include "lib0/json.h"

namespace roundtable::plan {
namespace {

using crdt::Doc;
using crdt::TypeRef;
using crdt::XmlElement;
using crdt::XmlFragment;
using crdt::XmlText;

XmlElement element(XmlFragment parent, size_t index, std::string_view name) {
  return XmlElement(parent.insertElement(index, name).impl());
}
XmlText text(XmlFragment parent, size_t index, std::string_view s, const char* attrsJSON = nullptr) {
  XmlText t(parent.insertText(index).impl());
  if (attrsJSON) {
    Value attrs = lib0::parseJSON(attrsJSON);
    EXPECT_TRUE(t.insert(0, s, &attrs).ok());
  } else {
    EXPECT_TRUE(t.insert(0, s).ok());
  }
  return t;
}

// blockGroup > blockContainer(id) > content node; returns the content node.
XmlElement addBlock(XmlFragment group, size_t index, std::string_view id, std::string_view type) {
  XmlElement c = element(group, index, "blockContainer");
  c.setAttribute("id", Value(id));
  return element(c, 0, type);
}

TEST(PlanXmlReader, ReadsBlocksPropsAndMarks) {
  Doc doc;
  XmlFragment frag = doc.getXmlFragment("document");
  XmlElement group = element(frag, 0, "blockGroup");
  XmlElement h = addBlock(group, 0, "h1", "heading");
  h.setAttribute("level", Value(2));
  text(h, 0, "Title");
  XmlElement p = addBlock(group, 1, "p1", "paragraph");
  XmlText t = text(p, 0, "plain ");
  Value bold = lib0::parseJSON(R"({"bold":{},"link":{"href":"http://x"}})");
  ASSERT_TRUE(t.insert(6, "linked", &bold).ok());
  Value comment = lib0::parseJSON(R"({"comment--AbCd+/12":{"orphan":false,"threadId":"t1"}})");
  ASSERT_TRUE(t.insert(12, " noted", &comment).ok());
  element(p, 1, "hardBreak");
  text(p, 2, "after", R"({"textColor":{"stringValue":"red"},"unknownMark":{}})");

  std::vector<Block> blocks = readDocument(frag);
  ASSERT_EQ(blocks.size(), 2u);
  EXPECT_EQ(blocks[0].id, "h1");
  EXPECT_EQ(blocks[0].type, "heading");
  EXPECT_EQ(lib0::toJSON(blocks[0].props),
            R"({"backgroundColor":"default","textColor":"default","textAlignment":"left","level":2,"isToggleable":false})");
  EXPECT_EQ(plainText(blocks[0].content), "Title");

  const std::vector<Inline>& c = blocks[1].content;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[0].run.text, "plain ");
  EXPECT_EQ(c[1].kind, Inline::Kind::kLink);
  EXPECT_EQ(c[1].href, "http://x");
  EXPECT_TRUE(c[1].runs[0].styles.bold);
  // The hard break joins the run before it, as BlockNote's JSON has it.
  EXPECT_EQ(c[2].run.text, " noted\n");
  EXPECT_EQ(c[2].run.threadIds, std::vector<std::string>{"t1"});
  EXPECT_EQ(c[3].run.text, "after");
  EXPECT_EQ(c[3].run.styles.textColor, "red");
}

TEST(PlanXmlReader, RunsSplitWhereThreadsChangeButStylesMergeOtherwise) {
  Doc doc;
  XmlFragment frag = doc.getXmlFragment("document");
  XmlElement p = addBlock(element(frag, 0, "blockGroup"), 0, "p", "paragraph");
  XmlText t = text(p, 0, "ab");
  Value a = lib0::parseJSON(R"({"comment":{"threadId":"A"}})");
  Value ab = lib0::parseJSON(R"({"comment":{"threadId":"A"},"comment--12345678":{"threadId":"B"}})");
  ASSERT_TRUE(t.insert(2, "cd", &a).ok());
  ASSERT_TRUE(t.insert(4, "ef", &ab).ok());
  text(p, 1, "gh");  // a second XmlText continues the first run's styles
  std::vector<Block> blocks = readDocument(frag);
  ASSERT_EQ(blocks.size(), 1u);
  const auto& c = blocks[0].content;
  ASSERT_EQ(c.size(), 4u);
  EXPECT_EQ(c[1].run.text, "cd");
  EXPECT_EQ(c[2].run.threadIds, (std::vector<std::string>{"A", "B"}));
  EXPECT_EQ(c[3].run.text, "gh");
}

TEST(PlanXmlReader, PropsKeepTheirJavaScriptTypesAndDefaults) {
  Doc doc;
  XmlFragment frag = doc.getXmlFragment("document");
  XmlElement group = element(frag, 0, "blockGroup");
  XmlElement h = addBlock(group, 0, "a", "heading");
  h.setAttribute("level", Value("2"));  // a string stays a string
  h.setAttribute("bogus", Value(1));    // not in the schema: dropped
  XmlElement n = addBlock(group, 1, "b", "numberedListItem");
  XmlElement n2 = addBlock(group, 2, "c", "numberedListItem");
  n2.setAttribute("start", Value(3));
  XmlElement img = addBlock(group, 3, "d", "image");
  img.setAttribute("url", Value("http://x/y.png"));
  addBlock(group, 4, "e", "divider");
  (void)n;
  std::vector<Block> b = readDocument(frag);
  ASSERT_EQ(b.size(), 5u);
  EXPECT_EQ(lib0::toJSON(b[0].props),
            R"({"backgroundColor":"default","textColor":"default","textAlignment":"left","level":"2","isToggleable":false})");
  EXPECT_EQ(lib0::toJSON(b[1].props), R"({"backgroundColor":"default","textColor":"default","textAlignment":"left"})");
  EXPECT_EQ(lib0::toJSON(b[2].props),
            R"({"backgroundColor":"default","textColor":"default","textAlignment":"left","start":3})");
  EXPECT_EQ(lib0::toJSON(b[3].props),
            R"({"textAlignment":"left","backgroundColor":"default","name":"","url":"http://x/y.png","caption":"","showPreview":true})");
  EXPECT_EQ(lib0::toJSON(b[4].props), "{}");
}

TEST(PlanXmlReader, TablesAndCodeBlocks) {
  Doc doc;
  XmlFragment frag = doc.getXmlFragment("document");
  XmlElement group = element(frag, 0, "blockGroup");
  XmlElement table = addBlock(group, 0, "t", "table");
  for (int r = 0; r < 2; ++r) {
    XmlElement row = element(table, r, "tableRow");
    for (int c = 0; c < 2; ++c) {
      XmlElement cell = element(row, c, r == 0 ? "tableHeader" : "tableCell");
      if (r == 1 && c == 1) cell.setAttribute("colwidth", Value::array({120, Value::null()}));
      text(element(cell, 0, "tableParagraph"), 0, std::to_string(r) + std::to_string(c));
    }
  }
  XmlElement code = addBlock(group, 1, "c", "codeBlock");
  code.setAttribute("language", Value("js"));
  text(code, 0, "let a;\n", R"({"comment":{"threadId":"T"}})");
  text(code, 1, "a = 1", R"({"bold":{}})");  // styles do not exist in plain content

  std::vector<Block> b = readDocument(frag);
  ASSERT_EQ(b.size(), 2u);
  ASSERT_TRUE(b[0].table);
  EXPECT_EQ(b[0].table->headerRows, 1);
  EXPECT_EQ(b[0].table->headerCols, 0);
  EXPECT_EQ(b[0].table->columnWidths.size(), 2u);
  EXPECT_EQ(plainText(b[0].table->rows[1].cells[1].content), "11");
  EXPECT_EQ(lib0::toJSON(b[0].table->rows[0].cells[0].props),
            R"({"colspan":1,"rowspan":1,"backgroundColor":"default","textColor":"default","textAlignment":"left"})");
  ASSERT_EQ(b[1].content.size(), 2u);
  EXPECT_EQ(b[1].content[0].run.threadIds, std::vector<std::string>{"T"});
  EXPECT_FALSE(b[1].content[1].run.styles.bold);
  EXPECT_EQ(plainText(b[1].content), "let a;\na = 1");
}

TEST(PlanXmlReader, OddShapesDegradeWithoutThrowingOrWriting) {
  Doc doc;
  XmlFragment frag = doc.getXmlFragment("document");
  text(frag, 0, "stray text");
  XmlElement group = element(frag, 1, "blockGroup");
  element(group, 0, "paragraph");               // content node without a container
  element(group, 1, "blockContainer");          // container without content
  addBlock(group, 2, "x", "alert");             // unknown block type: dropped
  XmlElement p = addBlock(group, 3, "p", "paragraph");
  element(p, 0, "mention");                     // unknown inline node: skipped
  XmlText t = text(p, 1, "kept", R"({"link":{"nohref":1},"comment":{"threadId":7}})");
  ASSERT_TRUE(t.insertEmbed(0, Value::object()).ok());
  XmlElement nested = element(XmlElement(group.get(3)->asType().impl()), 1, "blockGroup");
  text(nested, 0, "text in a group");
  XmlElement deep = nested;
  for (int i = 0; i < 400; ++i) {
    XmlElement c = element(deep, 0, "blockContainer");
    element(c, 0, "paragraph");
    deep = element(c, 1, "blockGroup");
  }
  XmlElement table = addBlock(group, 4, "t", "table");
  text(table, 0, "text in a table");
  element(element(table, 1, "tableRow"), 0, "tableCell").setAttribute("colspan", Value(1e12));
  XmlElement second = element(frag, 2, "blockGroup");  // concurrent initialisation
  addBlock(second, 0, "q", "quote");

  std::vector<uint8_t> before = doc.encodeStateVector();
  bool changed = false;
  doc.onUpdate([&](std::span<const uint8_t>, const void*) { changed = true; });
  std::vector<Block> b = readDocument(frag);
  EXPECT_FALSE(changed);
  EXPECT_EQ(doc.encodeStateVector(), before);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].type, "paragraph");
  ASSERT_EQ(b[0].content.size(), 1u);
  EXPECT_EQ(b[0].content[0].kind, Inline::Kind::kText);  // a link without href is text
  EXPECT_EQ(b[0].content[0].run.text, "kept");
  EXPECT_TRUE(b[0].content[0].run.threadIds.empty());
  int depth = 0;
  for (const Block* cur = &b[0]; !cur->children.empty(); cur = &cur->children[0]) ++depth;
  EXPECT_EQ(depth, 200);  // capped
  EXPECT_EQ(b[1].table->rows.size(), 1u);
  EXPECT_EQ(b[1].table->columnWidths.size(), 1u);
  EXPECT_EQ(b[2].type, "quote");

  EXPECT_EQ(readBlockContainer(XmlElement(group.get(0)->asType().impl())).type, "");
  EXPECT_EQ(readBlockContainer(XmlElement()).type, "");
  EXPECT_TRUE(readDocument(XmlFragment()).empty());
}

TEST(PlanXmlReader, RandomTreesNeverCrash) {
  const char* names[] = {"blockGroup", "blockContainer", "paragraph", "heading", "table", "tableRow", "tableCell",
                         "tableHeader", "tableParagraph", "hardBreak", "codeBlock", "image", "x"};
  const char* attrs[] = {R"({"bold":{}})", R"({"link":null})", R"({"link":{"href":5}})",
                         R"({"comment--zzzzzzzz":{"threadId":"t"}})", R"({"textColor":"red"})", R"({"code":true})"};
  std::mt19937 rng(42);
  for (int round = 0; round < 200; ++round) {
    Doc doc;
    XmlFragment frag = doc.getXmlFragment("document");
    std::vector<XmlFragment> nodes{frag};
    for (int i = 0; i < 60; ++i) {
      XmlFragment parent = nodes[rng() % nodes.size()];
      size_t at = rng() % (parent.length() + 1);
      if (rng() % 4 == 0) {
        text(parent, at, "t\xC3\xA9xt", rng() % 2 ? attrs[rng() % 6] : nullptr);
      } else {
        XmlElement e = element(parent, at, names[rng() % 13]);
        if (rng() % 3 == 0) e.setAttribute("id", rng() % 2 ? Value("i") : Value(3));
        if (rng() % 3 == 0) e.setAttribute("level", Value::array({1}));
        if (rng() % 3 == 0) e.setAttribute("colwidth", Value("w"));
        nodes.push_back(e);
      }
    }
    std::vector<Block> b = readDocument(frag);
    (void)b;
  }
}

}  // namespace
}  // namespace roundtable::plan
