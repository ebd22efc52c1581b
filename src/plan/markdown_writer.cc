#include "plan/markdown_writer.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

namespace roundtable::plan {

namespace {

// An empty HTML comment: both parsers drop it, and it separates what must not
// touch (emphasis delimiters, a `<` and what would make it a tag).
constexpr std::string_view kSeparator = "<!---->";

enum class Where { kBlock, kHeading, kTableCell };

bool isAsciiAlnum(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool isAsciiPunct(char c) {
  return (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
}

// Whether the text at `p` (a '<') parses as an HTML tag for BlockNote's
// INLINE_HTML_TAG_RE (and CommonMark's open/closing tag, which has the same
// shape): <name (attr(=value)?)* /?>.
bool looksLikeTag(std::string_view s, size_t p) {
  size_t i = p + 1;
  if (i < s.size() && s[i] == '/') ++i;
  if (i >= s.size() || !isAsciiAlpha(s[i])) return false;
  while (i < s.size() && (isAsciiAlnum(s[i]) || s[i] == '-')) ++i;
  auto skipSpace = [&](size_t j) {
    while (j < s.size() && isSpace(s[j])) ++j;
    return j;
  };
  auto nameStart = [](char c) { return isAsciiAlpha(c) || c == '_' || c == ':'; };
  auto nameChar = [](char c) { return isAsciiAlnum(c) || c == '_' || c == '.' || c == ':' || c == '-'; };
  while (true) {
    size_t j = skipSpace(i);
    if (j == i || j >= s.size() || !nameStart(s[j])) break;
    ++j;
    while (j < s.size() && nameChar(s[j])) ++j;
    i = j;
    size_t k = skipSpace(j);
    if (k < s.size() && s[k] == '=') {
      k = skipSpace(k + 1);
      if (k >= s.size()) return false;
      if (s[k] == '"' || s[k] == '\'') {
        size_t close = s.find(s[k], k + 1);
        if (close == std::string_view::npos) return false;
        i = close + 1;
      } else {
        size_t e = k;
        while (e < s.size() && !isSpace(s[e]) && std::string_view("\"'=<>`").find(s[e]) == std::string_view::npos) ++e;
        if (e == k) return false;
        i = e;
      }
    }
  }
  i = skipSpace(i);
  if (i < s.size() && s[i] == '/') ++i;
  return i < s.size() && s[i] == '>';
}

// A URI autolink's scheme (`<http:`), which GFM would turn into a link.
bool looksLikeScheme(std::string_view s, size_t p) {
  size_t i = p + 1;
  if (i >= s.size() || !isAsciiAlpha(s[i])) return false;
  size_t start = i++;
  while (i < s.size() && (isAsciiAlnum(s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-')) ++i;
  size_t len = i - start;
  return len >= 2 && len <= 32 && i < s.size() && s[i] == ':';
}

// Puts a separator after every '<' of already escaped text that could start
// HTML: a comment, declaration or processing instruction, a tag, an autolink,
// or any tag-like start at the beginning of a line (an HTML block).
std::string guardHtml(const std::string& s, bool lineStart) {
  if (s.find('<') == std::string::npos) return s;
  std::string out;
  for (size_t p = 0; p < s.size(); ++p) {
    out += s[p];
    if (s[p] != '<' || p + 1 >= s.size()) continue;
    char n = s[p + 1];
    bool guard = n == '!' || n == '?' ||
                 ((isAsciiAlpha(n) || n == '/') && ((p == 0 && lineStart) || looksLikeTag(s, p) || looksLikeScheme(s, p)));
    if (guard) out += kSeparator;
  }
  return out;
}

std::string escapeLine(std::string_view t, bool lineStart, Where where);

// Text that may hold "\n" (written as `<br>`, which must not be guarded).
std::string escapePlain(std::string_view t, bool lineStart, Where where) {
  std::string out;
  size_t start = 0;
  while (true) {
    size_t nl = t.find('\n', start);
    out += escapeLine(t.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start),
                      lineStart && start == 0, where);
    if (nl == std::string_view::npos) return out;
    out += "<br>";
    start = nl + 1;
  }
}

std::string escapeLine(std::string_view t, bool lineStart, Where where) {
  std::string out;
  size_t i = 0;
  if (lineStart && !t.empty()) {
    // Block syntax at the start of a line: heading, bullet, ordered item.
    if (t[0] == '#' || t[0] == '-' || t[0] == '+') {
      out += '\\';
      out += t[0];
      i = 1;
    } else if (t[0] >= '0' && t[0] <= '9') {
      size_t j = 0;
      while (j < t.size() && t[j] >= '0' && t[j] <= '9') ++j;
      if (j < t.size() && (t[j] == '.' || t[j] == ')')) {
        out.append(t.substr(0, j));
        out += '\\';
        out += t[j];
        i = j + 1;
      }
    }
  }
  for (; i < t.size(); ++i) {
    char c = t[i];
    switch (c) {
      case '\\':
      case '`':
      case '*':
      case '[':
      case ']':
      case '~':
      case '|':
      case '>':
        out += '\\';
        out += c;
        break;
      case '_':
        // Inside a word `_` is never emphasis, for either parser.
        if (!(i > 0 && i + 1 < t.size() && isAsciiAlnum(t[i - 1]) && isAsciiAlnum(t[i + 1]))) out += '\\';
        out += c;
        break;
      case '#':
        // A heading's closing sequence: `#`s after whitespace, ending the line.
        if (where == Where::kHeading && (i == 0 || t[i - 1] == ' ' || t[i - 1] == '\t') &&
            t.find_first_not_of("# \t", i) == std::string_view::npos) {
          out += '\\';
        }
        out += c;
        break;
      case '\r':
        out += ' ';  // a line ending for GFM; no escape exists
        break;
      default:
        out += c;
    }
  }
  return guardHtml(out, lineStart);
}

// Link and image destinations in a form both parsers read verbatim.
std::string destination(std::string_view url) {
  int depth = 0;
  bool balanced = true;
  for (char c : url) {
    if (c == '(') ++depth;
    else if (c == ')' && --depth < 0) balanced = false;
  }
  balanced = balanced && depth == 0;
  std::string out;
  bool space = false;
  for (unsigned char c : url) {
    bool encode = c == '\\' || c == '<' || c == '>' || c < 0x20 || c == 0x7f || (!balanced && (c == '(' || c == ')'));
    if (encode) {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    } else {
      space = space || c == ' ';
      out += static_cast<char>(c);
    }
  }
  return space ? "<" + out + ">" : out;
}

// Marks with markdown delimiters, outermost first. Marks open in this order
// and close in reverse; when a mark ends while marks opened after it go on,
// those are closed and reopened. Underline is HTML, so outermost: its tags
// then count as punctuation next to the emphasis delimiters inside.
enum Mark { kUnderline, kBold, kItalic, kStrike, kMarkCount };

bool hasMark(const Styles& s, int m) {
  return m == kUnderline ? s.underline : m == kBold ? s.bold : m == kItalic ? s.italic : s.strike;
}
void setMark(Styles& s, int m, bool on) {
  (m == kUnderline ? s.underline : m == kBold ? s.bold : m == kItalic ? s.italic : s.strike) = on;
}
bool isEmphasis(int m) { return m != kUnderline; }
const char* opener(int m) { return m == kUnderline ? "<u>" : m == kBold ? "**" : m == kItalic ? "*" : "~~"; }
const char* closer(int m) { return m == kUnderline ? "</u>" : m == kBold ? "**" : m == kItalic ? "*" : "~~"; }
bool isDelimiter(char c) { return c == '*' || c == '~'; }
// Neither whitespace nor punctuation (non-ASCII counts as a letter).
bool isWordChar(char c) { return !isSpace(c) && !isAsciiPunct(c); }

// A stretch of text with one set of styles; `br` is a hard break.
struct Piece {
  std::string text;
  Styles styles;
  bool br = false;
};

class InlineWriter {
 public:
  InlineWriter(Where where, bool lineStart) : where_(where), lineStart_(lineStart) {}

  void write(const std::vector<Inline>& content) {
    std::vector<TextRun> group;
    for (const Inline& in : content) {
      if (in.kind == Inline::Kind::kText) {
        group.push_back(in.run);
        continue;
      }
      runs(group);
      group.clear();
      InlineWriter inner(where_, false);
      inner.runs(in.runs);
      out_ += "[" + inner.take() + "](" + destination(in.href) + ")";
    }
    runs(group);
  }

  std::string take() { return std::move(out_); }

 private:
  // Writes styled runs (no links) with nested delimiters.
  void runs(const std::vector<TextRun>& rs) {
    std::vector<Piece> pieces = normalise(split(rs));
    for (const Piece& p : pieces) {
      if (!p.br && p.text.empty()) continue;
      std::string content;
      if (p.br) content = "<br>";
      else if (p.styles.code) content = codeSpan(p.text);
      else content = escapePlain(p.text, lineStart_ && out_.empty() && stack_.empty() && !anyMark(p.styles), where_);
      transition(p.styles, content.front());
      out_ += content;
    }
    Styles none;
    transition(none, ' ');
  }

  static bool anyMark(const Styles& s) {
    for (int m = 0; m < kMarkCount; ++m)
      if (hasMark(s, m)) return true;
    return false;
  }

  // Runs merged where styles are equal (they differ only in comment threads),
  // then cut at hard breaks.
  static std::vector<Piece> split(const std::vector<TextRun>& rs) {
    std::vector<Piece> out;
    for (const TextRun& r : rs) {
      size_t start = 0;
      while (start <= r.text.size()) {
        size_t nl = r.text.find('\n', start);
        std::string part = r.text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (!part.empty()) {
          if (!out.empty() && !out.back().br && out.back().styles == r.styles) out.back().text += part;
          else out.push_back(Piece{part, r.styles, false});
        }
        if (nl == std::string::npos) break;
        out.push_back(Piece{"", r.styles, true});
        start = nl + 1;
      }
    }
    return out;
  }

  // Emphasis may not open before or close after whitespace: whitespace at
  // the edge where a mark starts or ends leaves that mark. A hard break keeps
  // only the marks on both sides of it.
  static std::vector<Piece> normalise(std::vector<Piece> ps) {
    auto neighbour = [&](size_t i, int dir) -> const Styles* {
      for (long j = static_cast<long>(i) + dir; j >= 0 && j < static_cast<long>(ps.size()); j += dir)
        if (!ps[j].br) return &ps[j].styles;
      return nullptr;
    };
    for (size_t i = 0; i < ps.size(); ++i) {
      if (!ps[i].br) continue;
      const Styles* a = neighbour(i, -1);
      const Styles* b = neighbour(i, +1);
      Styles s;
      for (int m = 0; m < kMarkCount; ++m) setMark(s, m, a && b && hasMark(*a, m) && hasMark(*b, m));
      ps[i].styles = s;
    }
    std::vector<Piece> out;
    for (size_t i = 0; i < ps.size(); ++i) {
      Piece p = ps[i];
      if (p.br || p.styles.code) {
        out.push_back(std::move(p));
        continue;
      }
      const Styles none;
      const Styles& prev = i > 0 ? ps[i - 1].styles : none;
      const Styles& next = i + 1 < ps.size() ? ps[i + 1].styles : none;
      Styles lead = p.styles, trail = p.styles;
      bool opens = false, closes = false;
      for (int m = 0; m < kMarkCount; ++m) {
        if (!isEmphasis(m) || !hasMark(p.styles, m)) continue;
        if (!hasMark(prev, m)) { setMark(lead, m, false); opens = true; }
        if (!hasMark(next, m)) { setMark(trail, m, false); closes = true; }
      }
      size_t b = 0, e = p.text.size();
      if (opens)
        while (b < e && isSpace(p.text[b])) ++b;
      if (closes)
        while (e > b && isSpace(p.text[e - 1])) --e;
      if (b == e) {
        // Only whitespace: it keeps just the marks that go on around it.
        Styles s = p.styles;
        for (int m = 0; m < kMarkCount; ++m)
          if (isEmphasis(m) && !(hasMark(prev, m) && hasMark(next, m))) setMark(s, m, false);
        out.push_back(Piece{p.text, s, false});
        continue;
      }
      if (b > 0) out.push_back(Piece{p.text.substr(0, b), lead, false});
      out.push_back(Piece{p.text.substr(b, e - b), p.styles, false});
      if (e < p.text.size()) out.push_back(Piece{p.text.substr(e), trail, false});
    }
    return out;
  }

  std::string codeSpan(const std::string& text) const {
    std::string code = text;
    if (where_ == Where::kTableCell) {
      // A table row is split at unescaped pipes before code spans are seen.
      code.clear();
      for (char c : text) {
        if (c == '|') code += '\\';
        code += c;
      }
    }
    size_t longest = 0, run = 0;
    for (char c : code) {
      run = c == '`' ? run + 1 : 0;
      longest = std::max(longest, run);
    }
    std::string fence(longest + 1, '`');
    bool allSpaces = code.find_first_not_of(' ') == std::string::npos;
    bool pad = code.front() == '`' || code.back() == '`' || (code.front() == ' ' && code.back() == ' ' && !allSpaces);
    return fence + (pad ? " " + code + " " : code) + fence;
  }

  // Closes and opens delimiters so that `want` holds for what comes next,
  // whose first character is `next`.
  void transition(const Styles& want, char next) {
    size_t keep = 0;
    while (keep < stack_.size() && hasMark(want, stack_[keep])) ++keep;
    std::string closers, openers;
    for (size_t i = stack_.size(); i > keep; --i) closers += closer(stack_[i - 1]);
    stack_.resize(keep);
    for (int m = 0; m < kMarkCount; ++m) {
      if (hasMark(want, m) && std::find(stack_.begin(), stack_.end(), m) == stack_.end()) {
        openers += opener(m);
        stack_.push_back(m);
      }
    }
    if (closers.empty() && openers.empty()) return;
    char before = out_.empty() ? ' ' : out_.back();
    out_ += closers;
    char after = openers.empty() ? next : openers.front();
    // GFM closes emphasis after punctuation only before whitespace or
    // punctuation; and `*a*` then `**b**` would run together as `*a***b**`.
    if (!closers.empty() && isDelimiter(closers.back()) &&
        ((isAsciiPunct(before) && isWordChar(after)) || isDelimiter(after))) {
      out_ += kSeparator;
    }
    if (!openers.empty()) {
      char prior = out_.empty() ? ' ' : out_.back();
      // GFM opens emphasis before punctuation only after whitespace or punctuation.
      if (isDelimiter(openers.back()) && isAsciiPunct(next) && isWordChar(prior)) out_ += kSeparator;
      out_ += openers;
    }
  }

  Where where_;
  bool lineStart_;
  std::string out_;
  std::vector<int> stack_;  // open marks, outermost first
};

std::string renderInline(const std::vector<Inline>& content, Where where, bool lineStart) {
  InlineWriter w(where, lineStart);
  w.write(content);
  return w.take();
}

bool isListItem(const std::string& type) {
  return type == "bulletListItem" || type == "numberedListItem" || type == "checkListItem" ||
         type == "toggleListItem";
}

// Items written on consecutive lines: one markdown list (bullets and check
// items share the `-` marker). Other list changes get a blank line.
bool sameList(const std::string& a, const std::string& b) {
  auto dash = [](const std::string& t) { return t == "bulletListItem" || t == "checkListItem" || t == "toggleListItem"; };
  return (dash(a) && dash(b)) || (a == "numberedListItem" && b == "numberedListItem");
}

std::string propString(const Block& b, std::string_view key) {
  const Value* v = b.props.isObject() ? b.props.asObject().get(key) : nullptr;
  return v && v->isString() ? v->asString() : std::string();
}

const Value* prop(const Block& b, std::string_view key) {
  return b.props.isObject() ? b.props.asObject().get(key) : nullptr;
}

std::string idSpan(std::string_view s) {
  size_t longest = 0, run = 0;
  for (char c : s) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(longest + 1, '`');
  bool pad = !s.empty() && (s.front() == '`' || s.back() == '`');
  return fence + (pad ? " " : "") + std::string(s) + (pad ? " " : "") + fence;
}

std::vector<std::string> splitLines(std::string_view s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t nl = s.find('\n', start);
    out.emplace_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

std::vector<std::string> codeBlockLines(const Block& b) {
  std::string code = plainText(b.content);
  std::string lang = propString(b, "language");
  std::replace(lang.begin(), lang.end(), '\n', ' ');
  if (lang == "text") lang.clear();  // BlockNote's default; a bare fence reads back as "text"
  char fc = lang.find('`') == std::string::npos ? '`' : '~';
  size_t longest = 0, run = 0;
  for (char c : code) {
    run = c == fc ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  std::string fence(std::max<size_t>(3, longest + 1), fc);
  std::vector<std::string> lines{fence + lang};
  if (!code.empty())
    for (std::string& l : splitLines(code)) lines.push_back(std::move(l));
  lines.push_back(fence);
  return lines;
}

std::string imageAlt(std::string alt) {
  std::replace(alt.begin(), alt.end(), '\n', ' ');
  // BlockNote keeps alt text verbatim (no unescaping); only brackets that
  // would end it early need escapes.
  int depth = 0;
  bool balanced = true;
  for (char c : alt) {
    if (c == '[') ++depth;
    else if (c == ']' && --depth < 0) balanced = false;
  }
  if (balanced && depth == 0) return alt;
  std::string out;
  for (char c : alt) {
    if (c == '[' || c == ']') out += '\\';
    out += c;
  }
  return out;
}

std::string mediaLine(const Block& b) {
  std::string url = propString(b, "url");
  std::string name = propString(b, "name");
  std::string caption = propString(b, "caption");
  if (b.type == "audio") {
    std::string attr;
    for (char c : url) {
      if (c == '&') attr += "&amp;";
      else if (c == '"') attr += "&quot;";
      else if (c == '<') attr += "&lt;";
      else if (c == '>') attr += "&gt;";
      else attr += c;
    }
    return "<audio src=\"" + attr + "\" controls></audio>";
  }
  if (b.type == "file") {
    Inline link;
    link.kind = Inline::Kind::kLink;
    link.href = url;
    link.runs.push_back(TextRun{name.empty() ? url : name, {}, {}});
    return renderInline({link}, Where::kBlock, true);
  }
  std::string title;
  if (!caption.empty()) {
    title = " \"";
    for (char c : caption) {
      if (c == '\n') c = ' ';
      if (c == '"' || c == '\\' || c == '(' || c == ')') title += '\\';
      title += c;
    }
    title += '"';
  }
  return "![" + imageAlt(name) + "](" + destination(url) + title + ")";
}

std::vector<std::string> tableLines(const TableContent& t) {
  size_t cols = 0;
  for (const TableRow& r : t.rows) cols = std::max(cols, r.cells.size());
  if (cols == 0) return {};
  auto rowLine = [&](const TableRow* r) {
    std::string line = "|";
    for (size_t c = 0; c < cols; ++c) {
      std::string cell = r && c < r->cells.size() ? renderInline(r->cells[c].content, Where::kTableCell, false) : "";
      line += " " + cell + " |";
    }
    return line;
  };
  std::vector<std::string> lines;
  size_t first = 0;
  if (t.headerRows > 0) {
    lines.push_back(rowLine(&t.rows[0]));
    first = 1;
  } else {
    // Markdown tables need a header row; BlockNote reads an empty one as none.
    lines.push_back(rowLine(nullptr));
  }
  std::string sep = "|";
  for (size_t c = 0; c < cols; ++c) {
    // GFM column alignment, when every cell of the column agrees.
    std::string align;
    bool same = true;
    for (const TableRow& r : t.rows) {
      std::string a;
      if (c < r.cells.size() && r.cells[c].props.isObject()) {
        const Value* v = r.cells[c].props.asObject().get("textAlignment");
        if (v && v->isString()) a = v->asString();
      }
      if (&r == &t.rows.front()) align = a;
      else if (a != align) same = false;
    }
    if (!same) align.clear();
    sep += align == "center" ? " :---: |" : align == "right" ? " ---: |" : " --- |";
  }
  lines.push_back(sep);
  for (size_t r = first; r < t.rows.size(); ++r) lines.push_back(rowLine(&t.rows[r]));
  return lines;
}

class DocumentWriter {
 public:
  explicit DocumentWriter(const MarkdownOptions& options, const std::vector<Block>& blocks) {
    if (!options.includeAnnotations || !options.threads) return;
    annotate_ = true;
    for (const Thread& t : *options.threads) threads_.emplace(t.id, &t);
    for (const ThreadAnchor& a : anchorThreads(blocks)) {
      if (threads_.count(a.threadId)) byBlock_[a.blockId].push_back(a);
    }
  }

  std::vector<std::string> group(const std::vector<Block>& blocks, int depth) {
    std::vector<std::string> out;
    const Block* prev = nullptr;
    bool prevLoose = false;
    long nextNumber = 1;
    for (const Block& b : blocks) {
      long number = 0;
      bool restart = false;
      if (b.type == "numberedListItem") {
        const Value* start = prop(b, "start");
        bool hasStart = start && start->isNumber() && start->asNumber() >= 0 && start->asNumber() <= 999999999;
        bool continues = prev && prev->type == "numberedListItem";
        number = hasStart ? static_cast<long>(start->asNumber()) : continues ? nextNumber : 1;
        restart = continues && hasStart;
        nextNumber = number + 1;
      }
      std::vector<std::string> lines = block(b, number, depth);
      // After a quote (a thread's, or a quote block in a list item) a blank
      // line keeps the next item from reading as its continuation.
      bool loose = !lines.empty() && lines.back().find_first_not_of(' ') != std::string::npos &&
                   lines.back()[lines.back().find_first_not_of(' ')] == '>';
      if (lines.empty()) continue;
      if (!out.empty()) {
        bool tight = prev && sameList(prev->type, b.type) && !restart && !prevLoose;
        if (restart) {
          // Only a non-list block ends a list for BlockNote's parser.
          out.insert(out.end(), {"", "<!-- -->", ""});
        } else if (!tight) {
          out.push_back("");
        }
      }
      for (std::string& l : lines) out.push_back(std::move(l));
      prev = &b;
      prevLoose = loose;
    }
    return out;
  }

  // Threads not placed after any block (their marked text is gone), in the
  // order of the thread list.
  std::vector<std::string> orphans(const std::vector<Thread>* threads) {
    std::vector<std::string> out;
    if (!annotate_) return out;
    for (const Thread& t : *threads) {
      if (placed_.count(t.id) || !shown(t)) continue;
      placed_.insert(t.id);
      if (out.empty()) out.push_back("## Comments on removed text");
      out.push_back("");
      for (std::string& l : annotation(t, nullptr)) out.push_back(std::move(l));
    }
    return out;
  }

 private:
  static bool shown(const Thread& t) { return !t.deletedAt && !t.visibleComments().empty(); }

  std::vector<std::string> annotation(const Thread& t, const ThreadAnchor* anchor) {
    std::string head = "> **Comment thread** " + idSpan(t.id) + " · ";
    if (t.resolved) {
      head += "resolved";
      if (!t.resolvedBy.empty()) head += " by " + escapeMarkdownText(t.resolvedByName);
      if (t.resolvedUpdatedAt) head += " at " + isoTime(t.resolvedUpdatedAt);
    } else {
      head += "open";
    }
    if (anchor) {
      std::string quote = anchor->quote;
      std::replace(quote.begin(), quote.end(), '\n', ' ');
      head += " · on \"" + escapeMarkdownText(quote) + "\"";
    } else {
      head += " · anchor text removed";
    }
    std::vector<std::string> lines{head};
    bool first = true;
    for (const Comment* c : t.visibleComments()) {
      std::string line = "> - **" + escapeMarkdownText(c->author.empty() ? "unknown" : c->author) + "**";
      if (c->createdAt) line += " · " + isoTime(c->createdAt);
      if (!first) line += " (reply)";
      line += ":";
      std::vector<std::string> body;
      for (const std::string& l : splitLines(c->text)) {
        if (l.find_first_not_of(" \t") != std::string::npos) body.push_back(escapeMarkdownText(l, true));
      }
      if (!body.empty()) line += " " + body[0];
      lines.push_back(line);
      for (size_t i = 1; i < body.size(); ++i) lines.push_back(">   " + body[i]);
      if (!c->reactions.empty()) {
        std::string r = ">   reactions:";
        for (size_t i = 0; i < c->reactions.size(); ++i) {
          const Reaction& re = c->reactions[i];
          r += (i ? "; " : " ") + escapeMarkdownText(re.emoji);
          for (size_t u = 0; u < re.userNames.size(); ++u) r += (u ? ", " : " ") + escapeMarkdownText(re.userNames[u]);
        }
        lines.push_back(r);
      }
      first = false;
    }
    return lines;
  }

  // The block's own lines, its annotations and its children; list items
  // indent what follows their first line under it.
  std::vector<std::string> block(const Block& b, long number, int depth) {
    std::vector<std::string> own;
    std::string marker;
    bool list = isListItem(b.type);
    if (list) {
      if (b.type == "numberedListItem") marker = std::to_string(number) + ". ";
      else if (b.type == "checkListItem") {
        const Value* checked = prop(b, "checked");
        marker = checked && checked->truthy() ? "- [x] " : "- [ ] ";
      } else {
        marker = "- ";
      }
      own.push_back(marker + renderInline(b.content, Where::kBlock, true));
    } else if (b.type == "heading") {
      std::string text = renderInline(b.content, Where::kHeading, false);
      const Value* lv = prop(b, "level");
      int level = lv && lv->isNumber() ? static_cast<int>(std::clamp(lv->asNumber(), 1.0, 6.0)) : 1;
      if (!text.empty()) own.push_back(std::string(level, '#') + " " + text);
    } else if (b.type == "quote") {
      std::string text = renderInline(b.content, Where::kBlock, true);
      if (!text.empty()) own.push_back("> " + text);
    } else if (b.type == "codeBlock") {
      own = codeBlockLines(b);
    } else if (b.type == "divider") {
      own.push_back("---");
    } else if (b.type == "table") {
      if (b.table) own = tableLines(*b.table);
    } else if (b.type == "image" || b.type == "video" || b.type == "audio" || b.type == "file") {
      own.push_back(mediaLine(b));
    } else {
      // Paragraphs, and any other block with text.
      std::string text = renderInline(b.content, Where::kBlock, true);
      if (!text.empty()) own.push_back(text);
    }

    std::vector<std::string> after;
    if (annotate_ && !b.id.empty()) {
      auto it = byBlock_.find(b.id);
      if (it != byBlock_.end()) {
        for (const ThreadAnchor& a : it->second) {
          const Thread* t = threads_.at(a.threadId);
          if (placed_.count(t->id)) continue;
          placed_.insert(t->id);
          if (!shown(*t)) continue;
          after.push_back("");
          for (std::string& l : annotation(*t, &a)) after.push_back(std::move(l));
        }
      }
    }
    bool annotated = !after.empty();
    std::vector<std::string> children = depth < 200 ? group(b.children, depth + 1) : std::vector<std::string>{};
    if (!children.empty()) {
      // Nested list items follow their parent's line directly; anything else
      // comes after a blank line (GFM would read it as the parent's text).
      bool tight = list && !annotated && isListItem(b.children.front().type);
      if (!tight && !(own.empty() && after.empty())) after.push_back("");
      for (std::string& l : children) after.push_back(std::move(l));
    }

    if (!list) {
      // No nesting outside lists: what follows stands at the same level.
      if (own.empty() && !after.empty() && after.front().empty()) after.erase(after.begin());
      for (std::string& l : after) own.push_back(std::move(l));
      return own;
    }
    std::string indent(marker.size(), ' ');
    for (std::string& l : after) own.push_back(l.empty() ? l : indent + l);
    return own;
  }

  bool annotate_ = false;
  std::map<std::string, const Thread*> threads_;
  std::map<std::string, std::vector<ThreadAnchor>> byBlock_;
  std::set<std::string> placed_;
};

}  // namespace

std::string escapeMarkdownText(std::string_view text, bool lineStart) {
  return escapePlain(text, lineStart, Where::kBlock);
}

std::string inlineToMarkdown(const std::vector<Inline>& content, bool lineStart) {
  return renderInline(content, Where::kBlock, lineStart);
}

std::string toMarkdown(const std::vector<Block>& blocks, const MarkdownOptions& options) {
  DocumentWriter w(options, blocks);
  std::vector<std::string> lines = w.group(blocks, 0);
  std::vector<std::string> orphans = w.orphans(options.threads);
  if (!orphans.empty()) {
    if (!lines.empty()) lines.push_back("");
    for (std::string& l : orphans) lines.push_back(std::move(l));
  }
  std::string out;
  for (const std::string& l : lines) {
    out += l;
    out += '\n';
  }
  return out;
}

}  // namespace roundtable::plan
