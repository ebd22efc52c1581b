#include "plan/threads.h"

#include <gtest/gtest.h>

#include <cmath>

#include "lib0/json.h"

namespace roundtable::plan {
namespace {

using crdt::Array;
using crdt::Doc;
using crdt::Map;
using crdt::NewType;
using crdt::TypeKind;

Map newMap(Map parent, std::string_view key) { return Map(parent.setType(key, NewType{TypeKind::kMap, ""}).impl()); }

// A comment map as YjsThreadStore's commentToYMap writes it.
Map pushComment(Array comments, std::string_view id, std::string_view user, double at, const char* bodyJSON) {
  size_t i = comments.length();
  EXPECT_TRUE(comments.push({NewType{TypeKind::kMap, ""}}).ok());
  Map c(comments.get(i)->asType().impl());
  c.set("id", Value(id));
  c.set("userId", Value(user));
  c.set("createdAt", Value(at));
  c.set("updatedAt", Value(at));
  c.set("body", bodyJSON ? lib0::parseJSON(bodyJSON) : Value());
  c.setType("reactionsByUser", NewType{TypeKind::kMap, ""});
  c.set("metadata", Value());
  return c;
}

Map newThread(Map threads, std::string_view id, double at) {
  Map t = newMap(threads, id);
  t.set("id", Value(id));
  t.set("createdAt", Value(at));
  t.set("updatedAt", Value(at));
  t.setType("comments", NewType{TypeKind::kArray, ""});
  t.set("resolved", Value(false));
  t.set("resolvedUpdatedAt", Value());
  t.set("resolvedBy", Value());
  t.set("metadata", Value());
  return t;
}

Array commentsOf(Map t) { return Array(t.get("comments")->asType().impl()); }

constexpr const char* kBody = R"([{"type":"paragraph","content":[{"type":"text","text":"Hello ","styles":{}},
  {"type":"link","href":"http://x","content":[{"type":"text","text":"link","styles":{"bold":true}}]}],
  "children":[{"type":"paragraph","content":[{"type":"text","text":"child","styles":{}}],"children":[]}]},
  {"type":"table","content":{"type":"tableContent","rows":[{"cells":[{"type":"tableCell","content":[{"type":"text","text":"a"}]},
  {"type":"tableCell","content":[{"type":"text","text":"b"}]}]}]}}])";

TEST(PlanThreads, ReadsThreadsCommentsReactionsAndNames) {
  Doc doc;
  Map threads = doc.getMap("threads");
  Map users = doc.getMap("users");
  users.set("alice", lib0::parseJSON(R"({"name":"Alice","color":"#f00"})"));
  Map bob = newMap(users, "bob");  // a Y.Map entry works too
  bob.set("name", Value("Bob"));
  users.set("dan", lib0::parseJSON(R"({"name":"","color":"#00f"})"));

  Map t = newThread(threads, "t1", 1000);
  Map c1 = pushComment(commentsOf(t), "c1", "alice", 1000, kBody);
  pushComment(commentsOf(t), "c2", "bob", 2000, R"([{"type":"paragraph","content":"plain string"}])");
  Map c3 = pushComment(commentsOf(t), "c3", "dan", 3000, nullptr);
  c3.set("deletedAt", Value(3500));
  Map c4 = pushComment(commentsOf(t), "c4", "erin", 4000, "[]");
  c4.set("deletedAt", Value(0));  // falsy: not deleted, as the store reads it
  Map reactions(c1.get("reactionsByUser")->asType().impl());
  auto react = [&](std::string_view user, std::string_view emoji, double at) {
    Map r = newMap(reactions, std::string(user) + "-" + std::string(emoji));
    r.set("emoji", Value(emoji));
    r.set("createdAt", Value(at));
    r.set("userId", Value(user));
  };
  react("bob", "👍", 5000);
  react("alice", "🎉", 5100);
  react("erin", "👍", 4900);
  t.set("resolved", Value(true));
  t.set("resolvedBy", Value("bob"));
  t.set("resolvedUpdatedAt", Value(6000));

  std::vector<Thread> out = readThreads(threads, users);
  ASSERT_EQ(out.size(), 1u);
  const Thread& th = out[0];
  EXPECT_EQ(th.id, "t1");
  EXPECT_TRUE(th.resolved);
  EXPECT_EQ(th.resolvedByName, "Bob");
  EXPECT_EQ(th.resolvedUpdatedAt, 6000);
  ASSERT_EQ(th.comments.size(), 4u);
  EXPECT_EQ(th.comments[0].author, "Alice");
  EXPECT_EQ(th.comments[0].text, "Hello link\nchild\na | b");
  EXPECT_EQ(th.comments[1].author, "Bob");
  EXPECT_EQ(th.comments[1].text, "plain string");
  EXPECT_EQ(th.comments[2].author, "dan");  // empty name: the id
  EXPECT_TRUE(th.comments[2].deleted());
  EXPECT_FALSE(th.comments[3].deleted());
  EXPECT_EQ(th.comments[3].author, "erin");  // no users entry
  ASSERT_EQ(th.comments[0].reactions.size(), 2u);
  EXPECT_EQ(th.comments[0].reactions[0].emoji, "👍");
  EXPECT_EQ(th.comments[0].reactions[0].userIds, (std::vector<std::string>{"bob", "erin"}));
  EXPECT_EQ(th.comments[0].reactions[0].userNames, (std::vector<std::string>{"Bob", "erin"}));
  EXPECT_EQ(th.comments[0].reactions[0].createdAt, 4900);
  std::vector<const Comment*> visible = th.visibleComments();
  ASSERT_EQ(visible.size(), 3u);
  EXPECT_EQ(visible[2]->id, "c4");
}

TEST(PlanThreads, MalformedEntriesAreSkippedOrEmpty) {
  Doc doc;
  Map threads = doc.getMap("threads");
  threads.set("plain", lib0::parseJSON(R"({"id":"plain","comments":[]})"));  // not a Y.Map: skipped
  Map bare = newMap(threads, "bare");  // no fields at all
  Map t = newThread(threads, "t", 1);
  t.set("id", Value(42));             // not a string: the key stands in
  t.set("createdAt", Value("yesterday"));
  EXPECT_TRUE(commentsOf(t).push({Value("not a map")}).ok());
  Map c = pushComment(commentsOf(t), "c", "u", 1, "{\"not\":\"blocks\"}");
  c.erase("reactionsByUser");
  (void)bare;

  std::vector<Thread> out = readThreads(threads, doc.getMap("users"));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].id, "bare");
  EXPECT_TRUE(out[0].comments.empty());
  EXPECT_FALSE(out[0].createdAt);
  EXPECT_EQ(out[1].id, "t");
  EXPECT_FALSE(out[1].createdAt);
  ASSERT_EQ(out[1].comments.size(), 1u);
  EXPECT_EQ(out[1].comments[0].text, "");
  EXPECT_TRUE(out[1].comments[0].reactions.empty());
  EXPECT_TRUE(readThreads(Map(), Map()).empty());
  EXPECT_EQ(userName(Map(), "u"), "u");
}

TEST(PlanThreads, IsoTimeMatchesDateToISOString) {
  EXPECT_EQ(isoTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(isoTime(1746093600123.9), "2025-05-01T10:00:00.123Z");
  EXPECT_EQ(isoTime(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(isoTime(951782400000), "2000-02-29T00:00:00.000Z");
  EXPECT_EQ(isoTime(8.64e15), "+275760-09-13T00:00:00.000Z");
  EXPECT_EQ(isoTime(-62198755200000), "-000001-01-01T00:00:00.000Z");
  EXPECT_EQ(isoTime(std::nullopt), "");
  EXPECT_EQ(isoTime(NAN), "");
  EXPECT_EQ(isoTime(9e15), "");
}

Block para(std::string id, std::vector<TextRun> runs) {
  Block b;
  b.id = std::move(id);
  b.type = "paragraph";
  for (TextRun& r : runs) {
    Inline in;
    in.run = std::move(r);
    b.content.push_back(std::move(in));
  }
  return b;
}

TEST(PlanThreads, AnchorsQuoteAdjacentRunsAndJoinSeparateStretches) {
  Block a = para("a", {{"one ", {}, {}}, {"two", {}, {"T"}}, {" three", {.bold = true}, {"T", "U"}}, {" gap ", {}, {}},
                       {"four", {}, {"T"}}});
  Block b = para("b", {{"five", {}, {"T"}}});
  Block table;
  table.id = "tb";
  table.type = "table";
  table.table = TableContent{};
  TableRow row;
  for (const char* t : {"x", "y"}) {
    TableCell cell;
    Inline in;
    in.run = TextRun{t, {}, {"V"}};
    cell.content.push_back(in);
    row.cells.push_back(cell);
  }
  table.table->rows.push_back(row);
  Block child = para("c", {{"nested", {}, {"U"}}});
  b.children.push_back(child);
  std::vector<ThreadAnchor> anchors = anchorThreads({a, b, table});
  ASSERT_EQ(anchors.size(), 3u);
  EXPECT_EQ(anchors[0], (ThreadAnchor{"T", "a", "two three … four … five"}));
  EXPECT_EQ(anchors[1], (ThreadAnchor{"U", "a", " three … nested"}));
  EXPECT_EQ(anchors[2], (ThreadAnchor{"V", "tb", "x … y"}));  // cells are separate stretches
}

}  // namespace
}  // namespace roundtable::plan
