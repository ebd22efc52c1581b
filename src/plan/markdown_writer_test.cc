#include "plan/markdown_writer.h"

#include <gtest/gtest.h>

#include "lib0/json.h"

namespace roundtable::plan {
namespace {

Inline text(std::string s, Styles st = {}) {
  Inline in;
  in.run = TextRun{std::move(s), st, {}};
  return in;
}
Inline link(std::string href, std::string s) {
  Inline in;
  in.kind = Inline::Kind::kLink;
  in.href = std::move(href);
  in.runs.push_back(TextRun{std::move(s), {}, {}});
  return in;
}
Block block(std::string type, std::vector<Inline> content = {}, const char* propsJSON = "{}") {
  Block b;
  b.id = type + std::to_string(reinterpret_cast<uintptr_t>(&b) % 1000);
  b.type = std::move(type);
  b.props = lib0::parseJSON(propsJSON);
  b.content = std::move(content);
  return b;
}

TEST(PlanMarkdownEscape, PunctuationAndLineStarts) {
  EXPECT_EQ(escapeMarkdownText("a*b_c `d` [e] ~f~ |g| \\h >i"), "a\\*b_c \\`d\\` \\[e\\] \\~f\\~ \\|g\\| \\\\h \\>i");
  EXPECT_EQ(escapeMarkdownText("snake_case _x_ __init__"), "snake_case \\_x\\_ \\_\\_init\\_\\_");
  EXPECT_EQ(escapeMarkdownText("# h", true), "\\# h");
  EXPECT_EQ(escapeMarkdownText("# h", false), "# h");
  EXPECT_EQ(escapeMarkdownText("- x", true), "\\- x");
  EXPECT_EQ(escapeMarkdownText("+ x", true), "\\+ x");
  EXPECT_EQ(escapeMarkdownText("12. x", true), "12\\. x");
  EXPECT_EQ(escapeMarkdownText("3) x", true), "3\\) x");
  EXPECT_EQ(escapeMarkdownText("2024 was", true), "2024 was");
  EXPECT_EQ(escapeMarkdownText("a\nb"), "a<br>b");
}

TEST(PlanMarkdownEscape, HtmlLookalikesAreBroken) {
  EXPECT_EQ(escapeMarkdownText("Vec<T> x"), "Vec<T\\> x");  // `\>` is no tag end
  EXPECT_EQ(escapeMarkdownText("<a b=c>"), "<<!---->a b=c\\>");  // unquoted value would swallow the `\`
  EXPECT_EQ(escapeMarkdownText("x <!-- c -->"), "x <<!---->!-- c --\\>");
  EXPECT_EQ(escapeMarkdownText("x <?php"), "x <<!---->?php");
  EXPECT_EQ(escapeMarkdownText("see <http://x>"), "see <<!---->http://x\\>");
  EXPECT_EQ(escapeMarkdownText("<div> x", true), "<<!---->div\\> x");  // an HTML block at line start
  EXPECT_EQ(escapeMarkdownText("a < b and 1<2"), "a < b and 1<2");
}

TEST(PlanMarkdownInline, NestedMarksAndSeparators) {
  Styles b{.bold = true}, i{.italic = true}, bi{.bold = true, .italic = true}, s{.strike = true}, u{.underline = true};
  EXPECT_EQ(inlineToMarkdown({text("x "), text("bold ", b), text("both", bi), text(" more", b), text(" y")}),
            "x **bold *both* more** y");
  EXPECT_EQ(inlineToMarkdown({text("a", i), text("b", b)}), "*a*<!---->**b**");
  EXPECT_EQ(inlineToMarkdown({text("x"), text("(c)", b), text("y")}), "x<!---->**(c)**<!---->y");
  EXPECT_EQ(inlineToMarkdown({text("s", s), text(" u ", u), text("all", bi)}), "~~s~~<u> u </u>***all***");
  EXPECT_EQ(inlineToMarkdown({text("line\n", b), text("next")}), "**line**<br>next");
  EXPECT_EQ(inlineToMarkdown({text("a\nb", b)}), "**a<br>b**");
  EXPECT_EQ(inlineToMarkdown({text(" spaced ", b)}), " **spaced** ");
  EXPECT_EQ(inlineToMarkdown({text("   ", b)}), "   ");
}

TEST(PlanMarkdownInline, CodeSpansAndLinks) {
  Styles code{.code = true};
  EXPECT_EQ(inlineToMarkdown({text("a`b", code)}), "``a`b``");
  EXPECT_EQ(inlineToMarkdown({text("`x`", code)}), "`` `x` ``");
  EXPECT_EQ(inlineToMarkdown({text(" x ", code)}), "`  x  `");
  EXPECT_EQ(inlineToMarkdown({text("*raw* \\", code)}), "`*raw* \\`");
  EXPECT_EQ(inlineToMarkdown({link("http://x/a_(b)", "t [1]")}), "[t \\[1\\]](http://x/a_(b))");
  EXPECT_EQ(inlineToMarkdown({link("http://x/a b", "t")}), "[t](<http://x/a b>)");
  EXPECT_EQ(inlineToMarkdown({link("http://x/(a\\<>", "t")}), "[t](http://x/%28a%5C%3C%3E)");
  EXPECT_EQ(inlineToMarkdown({text("- no list"), link("u", "l")}, true), "\\- no list[l](u)");
}

TEST(PlanMarkdown, BlocksListsAndNesting) {
  Block h = block("heading", {text("Title #1 #")}, R"({"level":9})");
  Block empty = block("paragraph");
  Block b1 = block("bulletListItem", {text("one")});
  Block c1 = block("checkListItem", {text("sub")}, R"({"checked":true})");
  Block p1 = block("paragraph", {text("inside")});
  b1.children = {c1, p1};
  Block n1 = block("numberedListItem", {text("a")}, R"({"start":3})");
  Block n2 = block("numberedListItem", {text("b")});
  Block n3 = block("numberedListItem", {text("c")}, R"({"start":10})");
  Block n4 = block("numberedListItem", {text("d")});
  Block q = block("quote", {text("said")});
  Block d = block("divider");
  EXPECT_EQ(toMarkdown({h, empty, b1, n1, n2, n3, n4, q, d}),
            "###### Title #1 \\#\n"
            "\n"
            "- one\n"
            "  - [x] sub\n"
            "\n"
            "  inside\n"
            "\n"
            "3. a\n"
            "4. b\n"
            "\n"
            "<!-- -->\n"
            "\n"
            "10. c\n"
            "11. d\n"
            "\n"
            "> said\n"
            "\n"
            "---\n");
  EXPECT_EQ(toMarkdown({}), "");
}

TEST(PlanMarkdown, CodeTablesAndMedia) {
  Block code = block("codeBlock", {text("a ``` b\n````\n")}, R"({"language":"ts"})");
  Block plain = block("codeBlock", {}, R"({"language":"text"})");
  Block table = block("table");
  table.table = TableContent{};
  for (int r = 0; r < 2; ++r) {
    TableRow row;
    for (int c = 0; c < (r ? 1 : 2); ++c) {
      TableCell cell;
      cell.content = {text(r ? "x|y" : "h", r ? Styles{.code = true} : Styles{})};
      cell.props = lib0::parseJSON(R"({"textAlignment":"center"})");
      row.cells.push_back(cell);
    }
    table.table->rows.push_back(row);
  }
  Block img = block("image", {}, R"J({"name":"diagram [v2","url":"http://x/a b.png","caption":"The \"flow\" (old)"})J");
  EXPECT_EQ(toMarkdown({code, plain, table, img}),
            "`````ts\na ``` b\n````\n\n`````\n"
            "\n"
            "```\n```\n"
            "\n"
            "|  |  |\n"
            "| :---: | --- |\n"
            "| h | h |\n"
            "| `x\\|y` |  |\n"
            "\n"
            "![diagram \\[v2](<http://x/a b.png> \"The \\\"flow\\\" \\(old\\)\")\n");
  table.table->headerRows = 1;
  EXPECT_EQ(toMarkdown({table}), "| h | h |\n| :---: | --- |\n| `x\\|y` |  |\n");
}

TEST(PlanMarkdown, AnnotationsAfterTheirBlocksAndOrphansAtTheEnd) {
  Block p = block("paragraph", {text("Some "), text("quoted", {}), text(" text")});
  p.id = "p";
  p.content[1].run.threadIds = {"t1", "t3"};
  Block item = block("bulletListItem", {text("item")});
  item.id = "li";
  item.content[0].run.threadIds = {"t2"};
  Block next = block("bulletListItem", {text("next")});

  Thread t1;
  t1.id = "t1";
  t1.comments.push_back(Comment{"c1", "u1", "Ann *A*", lib0::parseJSON("[]"), "first line\n\n- second", 0, 0, {}, {}});
  t1.comments.push_back(Comment{"c2", "u2", "Bo", Value(), "", 1000, 1000, 1500, {}});  // deleted: hidden
  t1.comments.push_back(Comment{"c3", "u2", "Bo", lib0::parseJSON("[]"), "reply", 2000, 2000, {}, {}});
  t1.comments[0].reactions.push_back(Reaction{"👍", {"u2"}, {"Bo"}, 3000});
  Thread t2;
  t2.id = "t2";
  t2.resolved = true;
  t2.resolvedBy = "u1";
  t2.resolvedByName = "Ann";
  t2.resolvedUpdatedAt = 5000;
  t2.comments.push_back(Comment{"c4", "u1", "Ann", lib0::parseJSON("[]"), "on the item", 4000, 4000, {}, {}});
  Thread t3;  // every comment deleted: not shown
  t3.id = "t3";
  t3.comments.push_back(Comment{"c5", "u1", "Ann", Value(), "", 1, 1, 2, {}});
  Thread orphan;
  orphan.id = "t4";
  orphan.comments.push_back(Comment{"c6", "u2", "", lib0::parseJSON("[]"), "lost", 6000, 6000, {}, {}});
  std::vector<Thread> threads{t1, t2, t3, orphan};

  EXPECT_EQ(toMarkdown({p, item, next}, {.includeAnnotations = true, .threads = &threads}),
            "Some quoted text\n"
            "\n"
            "> **Comment thread** `t1` · open · on \"quoted\"\n"
            "> - **Ann \\*A\\*** · 1970-01-01T00:00:00.000Z: first line\n"
            ">   \\- second\n"
            ">   reactions: 👍 Bo\n"
            "> - **Bo** · 1970-01-01T00:00:02.000Z (reply): reply\n"
            "\n"
            "- item\n"
            "\n"
            "  > **Comment thread** `t2` · resolved by Ann at 1970-01-01T00:00:05.000Z · on \"item\"\n"
            "  > - **Ann** · 1970-01-01T00:00:04.000Z: on the item\n"
            "\n"
            "- next\n"
            "\n"
            "## Comments on removed text\n"
            "\n"
            "> **Comment thread** `t4` · open · anchor text removed\n"
            "> - **unknown** · 1970-01-01T00:00:06.000Z: lost\n");
  // Without the option, the same blocks carry no threads.
  EXPECT_EQ(toMarkdown({p, item, next}), "Some quoted text\n\n- item\n- next\n");
}

}  // namespace
}  // namespace roundtable::plan
