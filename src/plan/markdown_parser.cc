#include "plan/markdown_parser.h"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <optional>
#include <stdexcept>
#include <string>

#include "plan/block_schema.h"

namespace roundtable::plan {

namespace {

// Limits hit while walking the tree are thrown as this and become a Status
// in parseMarkdown; nothing else throws.
struct LimitError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::string_view typeString(cmark_node* n) {
  const char* s = cmark_node_get_type_string(n);
  return s ? s : "";
}

std::string literal(cmark_node* n) {
  const char* s = cmark_node_get_literal(n);
  return s ? s : "";
}

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// --- image URLs ------------------------------------------------------------

// BlockNote reads an image's URL from the <img> element's `src` property,
// which a browser (jsdom) resolves: absolute URLs of special schemes come
// back normalised (lowercase scheme and host, "/" for an empty path, dot
// segments removed, spaces and non-ASCII percent-encoded); relative ones
// cannot be resolved against about:blank and stay as written.
std::string percentEncode(std::string_view s, std::string_view extra) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f || extra.find(static_cast<char>(c)) != std::string_view::npos) {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::string removeDotSegments(std::string_view path) {
  std::vector<std::string> segs;
  size_t pos = 1;  // path starts with '/'
  while (true) {
    size_t slash = path.find('/', pos);
    std::string seg(path.substr(pos, slash == std::string_view::npos ? std::string_view::npos : slash - pos));
    bool last = slash == std::string_view::npos;
    std::string l = lower(seg);
    if (seg == "." || l == "%2e") {
      if (last) segs.emplace_back();
    } else if (seg == ".." || l == ".%2e" || l == "%2e." || l == "%2e%2e") {
      if (!segs.empty()) segs.pop_back();
      if (last) segs.emplace_back();
    } else {
      segs.push_back(seg);
    }
    if (last) break;
    pos = slash + 1;
  }
  std::string out;
  for (const std::string& s : segs) out += "/" + s;
  return out.empty() ? "/" : out;
}

std::string normalizeImageUrl(const std::string& url) {
  size_t start = 0, end = url.size();
  while (start < end && static_cast<unsigned char>(url[start]) <= 0x20) ++start;
  while (end > start && static_cast<unsigned char>(url[end - 1]) <= 0x20) --end;
  std::string u = url.substr(start, end - start);
  size_t colon = u.find("://");
  if (colon == std::string::npos) return url;
  std::string scheme = lower(u.substr(0, colon));
  int defaultPort = scheme == "http" ? 80 : scheme == "https" ? 443 : scheme == "ws" ? 80 : scheme == "wss" ? 443 : scheme == "ftp" ? 21 : -1;
  if (defaultPort < 0) return url;
  std::string rest = u.substr(colon + 3);
  for (char& c : rest) {
    if (c == '\\') c = '/';
  }
  size_t hostEnd = rest.find_first_of("/?#");
  std::string authority = rest.substr(0, hostEnd);
  std::string tail = hostEnd == std::string::npos ? "" : rest.substr(hostEnd);
  if (authority.find('@') != std::string::npos || authority.empty()) return url;  // credentials: leave alone
  std::string host = lower(authority);
  for (unsigned char c : host) {
    if (c >= 0x80) return url;  // IDNA is not done here
  }
  if (size_t p = host.rfind(':'); p != std::string::npos && host.find(']') == std::string::npos) {
    std::string port = host.substr(p + 1);
    if (port.empty() || port == std::to_string(defaultPort)) host.resize(p);
  }
  size_t q = tail.find_first_of("?#");
  std::string path = tail.substr(0, q);
  std::string query, fragment;
  if (q != std::string::npos) {
    std::string qf = tail.substr(q);
    size_t h = qf.find('#');
    if (qf[0] == '?') {
      query = qf.substr(0, h);
      if (h != std::string::npos) fragment = qf.substr(h);
    } else {
      fragment = qf;
    }
  }
  if (path.empty()) path = "/";
  path = removeDotSegments(percentEncode(path, "\"<>`{}"));
  if (!query.empty()) query = "?" + percentEncode(query.substr(1), "\"<>'#");
  if (!fragment.empty()) fragment = "#" + percentEncode(fragment.substr(1), "\"<>`");
  return scheme + "://" + host + path + query + fragment;
}

// --- inline HTML -------------------------------------------------------------

struct HtmlTag {
  std::string name;  // lowercase; empty when not a tag (a comment, ...)
  bool closing = false;
  std::string href;  // <a href>
};

HtmlTag parseTag(std::string_view html) {
  HtmlTag t;
  if (html.size() < 3 || html[0] != '<' || html[1] == '!' || html[1] == '?') return t;
  size_t i = 1;
  if (html[i] == '/') {
    t.closing = true;
    ++i;
  }
  size_t s = i;
  while (i < html.size() && (std::isalnum(static_cast<unsigned char>(html[i])) || html[i] == '-')) ++i;
  t.name = lower(html.substr(s, i - s));
  if (t.name == "a") {
    size_t h = lower(html).find("href");
    if (h != std::string::npos) {
      size_t eq = html.find('=', h);
      if (eq != std::string_view::npos) {
        size_t v = eq + 1;
        while (v < html.size() && isSpace(html[v])) ++v;
        if (v < html.size() && (html[v] == '"' || html[v] == '\'')) {
          size_t close = html.find(html[v], v + 1);
          if (close != std::string_view::npos) t.href = std::string(html.substr(v + 1, close - v - 1));
        }
      }
    }
  }
  return t;
}

// --- table shapes, before cmark-gfm ------------------------------------------

// "12345678" -> "12,345,678", for messages.
std::string count(size_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string atLine(size_t line) { return " (line " + std::to_string(line) + ")"; }

// Container prefixes (quote markers, indentation) that cmark strips before
// the table extension sees a line.
std::string_view stripPrefix(std::string_view line) {
  size_t i = 0;
  while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '>')) ++i;
  return line.substr(i);
}

bool isBlankLine(std::string_view line) {
  for (char c : line) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f' && c != '>') return false;
  }
  return true;
}

// cmark-gfm's table_start, loosened: only | - : and blanks, at least one -.
bool isDelimiterLike(std::string_view line) {
  std::string_view s = stripPrefix(line);
  bool dash = false;
  for (char c : s) {
    if (c == '-') {
      dash = true;
    } else if (c != '|' && c != ':' && c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f') {
      return false;
    }
  }
  return dash;
}

bool isPunct(unsigned char c) { return c < 0x80 && std::ispunct(c); }

// The cells cmark-gfm's row_from_string finds in a line (an upper bound):
// cells split at unescaped pipes, a leading and a trailing pipe open none.
size_t cellsOf(std::string_view line) {
  std::string_view s = stripPrefix(line);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  if (s.empty()) return 0;
  size_t pipes = 0;
  bool lastIsPipe = false;
  for (size_t i = 0; i < s.size(); ++i) {
    lastIsPipe = false;
    if (s[i] == '\\' && i + 1 < s.size() && isPunct(static_cast<unsigned char>(s[i + 1]))) {
      ++i;  // an escaped character, \| included
    } else if (s[i] == '|') {
      ++pipes;
      lastIsPipe = true;
    }
  }
  size_t cells = pipes + 1;
  if (s[0] == '|') --cells;
  if (lastIsPipe && cells > 1) --cells;
  return std::max<size_t>(cells, 1);
}

// Lines that cannot be table rows: those of code and HTML blocks after their
// first line (which may still be read as a row of a table just above), as
// CommonMark without the table extension finds them (0-based line numbers).
std::vector<bool> linesInCodeOrHtml(std::string_view markdown, size_t lineCount) {
  std::vector<bool> opaque(lineCount, false);
  cmark_node* doc = cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8);
  if (!doc) return opaque;
  cmark_iter* it = cmark_iter_new(doc);
  for (cmark_event_type ev; (ev = cmark_iter_next(it)) != CMARK_EVENT_DONE;) {
    cmark_node* n = cmark_iter_get_node(it);
    cmark_node_type t = cmark_node_get_type(n);
    if (ev != CMARK_EVENT_ENTER || (t != CMARK_NODE_CODE_BLOCK && t != CMARK_NODE_HTML_BLOCK)) continue;
    int first = cmark_node_get_start_line(n), last = cmark_node_get_end_line(n);
    for (int l = std::max(first, 1); l < last && static_cast<size_t>(l) < lineCount; ++l) opaque[l] = true;
  }
  cmark_iter_free(it);
  cmark_node_free(doc);
  return opaque;
}

// The next line of `text` from `pos`, without its ending, as cmark-gfm splits
// lines: at "\n", "\r\n" or a lone "\r". `*next` is where the following line
// starts, or npos after the last one.
std::string_view nextLine(std::string_view text, size_t pos, size_t* next) {
  size_t end = text.find_first_of("\r\n", pos);
  if (end == std::string_view::npos) {
    *next = std::string_view::npos;
    return text.substr(pos);
  }
  *next = end + (text[end] == '\r' && end + 1 < text.size() && text[end + 1] == '\n' ? 2 : 1);
  return text.substr(pos, end - pos);
}

// cmark-gfm's table extension costs the square of the cells of a line it
// reads as a table row, and re-reads the whole paragraph above each line that
// looks like a delimiter row. So the lines that can be table rows are found
// and checked here, before it sees them: in each stretch of non-blank lines
// holding a delimiter-like line after its first line, every line up to it (the
// paragraph read as a header) and every line after it (rows, until a blank
// line). An over-approximation; the converter checks the tables exactly.
Status checkTableLines(std::string_view markdown, const MarkdownParseOptions& opts, const std::vector<bool>* opaque) {
  size_t lineNo = 0;          // 0-based, of the current line
  size_t runStart = std::string_view::npos;  // byte offset of the stretch's first line
  size_t runLines = 0;
  size_t runCells = 0;  // cells of the stretch's lines so far (a line without pipes: one)
  size_t widest = 0, widestLine = 0;  // the widest line of the stretch so far
  size_t previousCells = 0;
  bool previousPipe = false;
  bool inTable = false;
  size_t rows = 0, tableLine = 0, cells = 0, scanned = 0;
  for (size_t pos = 0, next = 0; next != std::string_view::npos; ++lineNo, pos = next) {
    std::string_view line = nextLine(markdown, pos, &next);
    size_t start = pos;
    if (isBlankLine(line) || (opaque && lineNo < opaque->size() && (*opaque)[lineNo])) {
      runStart = std::string_view::npos;
      runLines = widest = runCells = 0;
      inTable = false;
      continue;
    }
    size_t lineCells = cellsOf(line);
    if (runStart == std::string_view::npos) runStart = start;
    ++runLines;
    bool pipe = line.find('|') != std::string_view::npos;
    // No pipe in the delimiter-like line nor in the line above: a setext
    // heading's underline ("Title\n---"), never a table.
    if (runLines > 1 && isDelimiterLike(line) && (pipe || previousPipe)) {
      scanned += runCells;
      if (scanned > opts.maxTableHeaderScanCells) {
        return Status::ResourceExhausted(
            "lines that look like table delimiter rows (|---|) make the parser re-read " + count(scanned) +
            " cells of the lines above them" + atLine(lineNo + 1) + "; at most " + count(opts.maxTableHeaderScanCells) +
            " (the limit on table header scans): put a blank line before each table");
      }
      if (!inTable) {
        inTable = true;
        tableLine = lineNo;  // the delimiter's 0-based number: the header's 1-based one
        rows = 1;
        cells += previousCells;
        if (widest > opts.maxTableColumns) {
          return Status::ResourceExhausted("a table row has " + count(widest) + " cells" + atLine(widestLine) +
                                           "; at most " + count(opts.maxTableColumns) + " columns");
        }
      }
    }
    if (inTable) {
      if (lineCells > opts.maxTableColumns) {
        return Status::ResourceExhausted("a table row has " + count(lineCells) + " cells" + atLine(lineNo + 1) +
                                         "; at most " + count(opts.maxTableColumns) + " columns");
      }
      if (lineNo != tableLine) {  // the delimiter row is no row
        ++rows;
        cells += lineCells;
      }
      if (rows > opts.maxTableRows) {
        return Status::ResourceExhausted("a table has more than " + count(opts.maxTableRows) + " rows" +
                                         atLine(tableLine) + "; at most " + count(opts.maxTableRows) +
                                         " rows in one table");
      }
      if (cells > opts.maxTableCells) {
        return Status::ResourceExhausted("the plan's tables have more than " + count(opts.maxTableCells) +
                                         " cells; at most " + count(opts.maxTableCells) + " cells in one plan");
      }
    } else if (lineCells > widest) {
      widest = lineCells;
      widestLine = lineNo + 1;
    }
    previousCells = lineCells;
    previousPipe = pipe;
    runCells += lineCells;
  }
  return Status::Ok();
}

// Quote and list markers opening a line ("> - 1. x": 3): cmark builds a
// container for each (~400 bytes; 1 MiB of "> " is 250 MB) before the
// converter can see how deep they go. "- - - -" alone is a thematic break.
size_t containerMarkers(std::string_view line) {
  size_t n = 0, i = 0;
  char bullets = 0;  // the one bullet character of every marker so far, else 1
  auto blankAt = [&](size_t j) { return j >= line.size() || line[j] == ' ' || line[j] == '\t'; };
  while (true) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size()) return bullets == '-' || bullets == '*' ? 0 : n;
    if (line[i] == '>') {
      ++i;
      bullets = 1;
    } else if ((line[i] == '-' || line[i] == '+' || line[i] == '*') && blankAt(i + 1)) {
      bullets = bullets == 0 || bullets == line[i] ? line[i] : 1;
      ++i;
    } else if (line[i] >= '0' && line[i] <= '9') {
      size_t j = i;
      while (j < line.size() && j - i < 9 && line[j] >= '0' && line[j] <= '9') ++j;
      if (j >= line.size() || (line[j] != '.' && line[j] != ')') || !blankAt(j + 1)) return n;
      i = j + 1;
      bullets = 1;
    } else {
      return n;
    }
    ++n;
  }
}

// Lines opening far more nested containers than the converter allows (in
// code blocks too: such lines are not worth a parse to tell them apart).
Status checkContainerMarkers(std::string_view markdown, const MarkdownParseOptions& opts) {
  size_t lineNo = 1;
  for (size_t pos = 0, next = 0; next != std::string_view::npos; ++lineNo, pos = next) {
    if (size_t markers = containerMarkers(nextLine(markdown, pos, &next));
        markers > 2 * static_cast<size_t>(opts.maxNesting)) {
      return Status::ResourceExhausted("a line opens " + count(markers) + " nested lists or quotes" + atLine(lineNo) +
                                       "; markdown may nest at most " + std::to_string(opts.maxNesting) + " levels");
    }
  }
  return Status::Ok();
}

// The shapes cmark-gfm pays for beyond their size, refused before it parses.
Status checkShapes(std::string_view markdown, const MarkdownParseOptions& opts) {
  if (Status s = checkContainerMarkers(markdown, opts); !s.ok()) return s;
  Status s = checkTableLines(markdown, opts, nullptr);
  if (s.ok()) return s;
  // Something may be too large; look again without the lines of code blocks
  // (pipes there are no table), which takes a parse without tables.
  size_t lines = 0;
  for (size_t pos = 0, next = 0; next != std::string_view::npos; pos = next, ++lines) nextLine(markdown, pos, &next);
  std::vector<bool> opaque = linesInCodeOrHtml(markdown, lines);
  return checkTableLines(markdown, opts, &opaque);
}

// --- converter -------------------------------------------------------------

class Converter {
 public:
  Converter(std::string_view source, const MarkdownParseOptions& opts) : opts_(opts) {
    size_t pos = 0;
    while (pos <= source.size()) {
      size_t nl = source.find('\n', pos);
      lines_.push_back(source.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos));
      if (nl == std::string_view::npos) break;
      pos = nl + 1;
    }
  }

  std::vector<Block> blocks(cmark_node* parent, int depth) {
    if (depth > opts_.maxNesting) {
      throw LimitError("markdown nested deeper than " + std::to_string(opts_.maxNesting) + " levels");
    }
    std::vector<Block> out;
    for (cmark_node* n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) addBlock(n, depth, out);
    return out;
  }

 private:
  // Inline conversion state: BlockNote's HTML has a "\n" text node after each
  // <br>; normalizeWhitespace turns every text node holding a newline into
  // single-spaced text. `collapse_` marks that we are in such a text node.
  struct InlineState {
    Styles styles;
    std::optional<std::string> link;
    int depth = 0;
  };

  Block newBlock(std::string type, Value props) {
    if (++count_ > opts_.maxBlocks) {
      throw LimitError("the plan has more than " + count(opts_.maxBlocks) + " blocks (nested ones included); at most " +
                       count(opts_.maxBlocks) + " in one plan");
    }
    Block b;
    b.id = opts_.ids();
    b.type = std::move(type);
    b.props = normalizedProps(b.type, props);
    return b;
  }

  Block textBlock(std::string type, std::vector<InlineNode> nodes, Value props = Value::object()) {
    Block b = newBlock(std::move(type), std::move(props));
    b.content = runs(nodes);
    return b;
  }

  [[noreturn]] void tooManyRuns() {
    throw LimitError("the plan has more than " + count(opts_.maxTextRuns) +
                     " text runs and line breaks (a run: text with one style and link); at most " +
                     count(opts_.maxTextRuns) + " in one plan");
  }

  // Pieces of inline content before adjacent ones are merged into runs: at
  // most four per run or line break (text nodes are consolidated), so more is
  // refused before they take memory.
  void pushNode(InlineNode n) {
    if (++pieces_ > 4 * opts_.maxTextRuns) tooManyRuns();
    nodes_->push_back(std::move(n));
  }

  // A block's (or cell's) content, counted against maxTextRuns: its runs and
  // its line breaks (each an element of its own in the document).
  std::vector<Inline> runs(const std::vector<InlineNode>& nodes) {
    std::vector<Inline> content = inlineFromNodes(nodes);
    size_t breaks = 0;
    auto add = [&](const TextRun& r) {
      size_t n = static_cast<size_t>(std::count(r.text.begin(), r.text.end(), '\n'));
      breaks += n;
      textRuns_ += 1 + n;
    };
    for (const Inline& in : content) {
      if (in.kind == Inline::Kind::kLink) {
        for (const TextRun& r : in.runs) add(r);
      } else {
        add(in.run);
      }
    }
    if (textRuns_ > opts_.maxTextRuns) tooManyRuns();
    if (breaks > opts_.maxLineBreaks) {
      throw LimitError("a block has " + count(breaks) + " line breaks" + (breakLine_ > 0 ? atLine(breakLine_) : "") +
                       "; at most " + count(opts_.maxLineBreaks) + " in one block");
    }
    return content;
  }

  void pushText(std::string text, const InlineState& st) {
    if (collapse_) {
      std::string c;
      for (char ch : text) {
        if (isSpace(ch)) {
          if (!lastWasSpace_) c += ' ';
          lastWasSpace_ = true;
        } else {
          c += ch;
          lastWasSpace_ = false;
        }
      }
      text = std::move(c);
    }
    if (text.empty()) return;
    InlineNode n;
    n.text = std::move(text);
    n.styles = st.styles;
    n.link = st.link;
    applyMarkExclusion(n);
    pushNode(std::move(n));
  }

  void boundary() { collapse_ = false; }

  void lineBreak(const InlineState& st) {
    ++breaks_;
    // BlockNote keeps a single trailing space before a line break (two or
    // more make a hard break and are stripped, as in CommonMark).
    if (breakLine_ > 0) {
      size_t line = static_cast<size_t>(breakLine_ + breaks_ - 2);
      if (line < lines_.size()) {
        std::string_view l = lines_[line];
        if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
        if (l.size() >= 2 && l[l.size() - 1] == ' ' && l[l.size() - 2] != ' ') {
          pushText(" ", st);
        }
      }
    }
    InlineNode br;
    br.hardBreak = true;
    pushNode(std::move(br));
    collapse_ = false;
    pushText(" ", st);
    collapse_ = true;
    lastWasSpace_ = true;
  }

  void htmlInline(const std::string& html, InlineState& st) {
    boundary();
    HtmlTag tag = parseTag(html);
    if (tag.name == "br") {
      InlineNode br;
      br.hardBreak = true;
      pushNode(std::move(br));
      return;
    }
    int delta = tag.closing ? -1 : 1;
    auto bump = [&](int& counter, bool& flag) {
      counter = std::max(0, counter + delta);
      flag = counter > 0;
    };
    if (tag.name == "b" || tag.name == "strong") bump(htmlBold_, st.styles.bold);
    if (tag.name == "i" || tag.name == "em") bump(htmlItalic_, st.styles.italic);
    if (tag.name == "u") bump(htmlUnderline_, st.styles.underline);
    if (tag.name == "s" || tag.name == "del" || tag.name == "strike") bump(htmlStrike_, st.styles.strike);
    if (tag.name == "code") bump(htmlCode_, st.styles.code);
    if (tag.name == "a") {
      if (tag.closing) {
        st.link.reset();
      } else if (!tag.href.empty()) {
        st.link = tag.href;
      }
    }
  }

  void inlines(cmark_node* parent, InlineState st) {
    if (++st.depth > 2 * opts_.maxNesting) {
      throw LimitError("inline markup nested deeper than " + std::to_string(2 * opts_.maxNesting) + " levels");
    }
    for (cmark_node* n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
      switch (cmark_node_get_type(n)) {
        case CMARK_NODE_TEXT:
          pushText(literal(n), st);
          continue;
        case CMARK_NODE_SOFTBREAK:
        case CMARK_NODE_LINEBREAK:
          if (splitAtFirstBreak_ && !afterSplit_) {
            // A list item's content is its first line; the rest is reparsed
            // as a child paragraph, so nothing joins the two.
            afterSplit_ = true;
            nodes_ = &rest_;
            breakLine_ += 1;
            breaks_ = 0;
            collapse_ = false;
            continue;
          }
          lineBreak(st);
          continue;
        case CMARK_NODE_CODE: {
          boundary();
          InlineState s = st;
          s.styles.code = true;
          pushText(literal(n), s);
          boundary();
          continue;
        }
        case CMARK_NODE_HTML_INLINE: {
          std::string html = literal(n);
          htmlInline(html, st);
          continue;
        }
        case CMARK_NODE_EMPH:
        case CMARK_NODE_STRONG: {
          boundary();
          InlineState s = st;
          (cmark_node_get_type(n) == CMARK_NODE_EMPH ? s.styles.italic : s.styles.bold) = true;
          inlines(n, s);
          boundary();
          continue;
        }
        case CMARK_NODE_LINK: {
          boundary();
          InlineState s = st;
          const char* url = cmark_node_get_url(n);
          s.link = url ? url : "";
          inlines(n, s);
          boundary();
          continue;
        }
        case CMARK_NODE_IMAGE:
          // An image among text: BlockNote's parser drops it.
          boundary();
          continue;
        default:
          if (typeString(n) == "strikethrough") {
            boundary();
            InlineState s = st;
            s.styles.strike = true;
            inlines(n, s);
            boundary();
            continue;
          }
          inlines(n, st);  // unknown inline container: keep its text
      }
    }
  }

  // The inline nodes of a paragraph-like node whose first line is `line`.
  std::vector<InlineNode> inlineNodes(cmark_node* n, int line) {
    std::vector<InlineNode> out;
    nodes_ = &out;
    breakLine_ = line;
    breaks_ = 0;
    collapse_ = false;
    htmlBold_ = htmlItalic_ = htmlUnderline_ = htmlStrike_ = htmlCode_ = 0;
    inlines(n, InlineState{});
    nodes_ = nullptr;
    return out;
  }

  // Plain text of an image's alt (its inline children).
  static void altText(cmark_node* n, std::string& out) {
    for (cmark_node* c = cmark_node_first_child(n); c; c = cmark_node_next(c)) {
      cmark_node_type t = cmark_node_get_type(c);
      if (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE) {
        out += literal(c);
      } else if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) {
        out += ' ';
      } else {
        altText(c, out);
      }
    }
  }

  // An image, alone or wrapped in a link.
  static cmark_node* asImage(cmark_node* n) {
    if (cmark_node_get_type(n) == CMARK_NODE_IMAGE) return n;
    if (cmark_node_get_type(n) == CMARK_NODE_LINK) {
      cmark_node* c = cmark_node_first_child(n);
      if (c && !cmark_node_next(c) && cmark_node_get_type(c) == CMARK_NODE_IMAGE) return c;
    }
    return nullptr;
  }

  // A paragraph of images (and blanks between them) gives image blocks; a
  // line break between them gives an empty-looking paragraph holding "\n".
  bool imageParagraph(cmark_node* para, std::vector<Block>& out) {
    bool any = false;
    for (cmark_node* c = cmark_node_first_child(para); c; c = cmark_node_next(c)) {
      cmark_node_type t = cmark_node_get_type(c);
      if (asImage(c)) {
        any = true;
      } else if (t == CMARK_NODE_TEXT) {
        for (char ch : literal(c)) {
          if (!isSpace(ch)) return false;
        }
      } else if (t != CMARK_NODE_SOFTBREAK && t != CMARK_NODE_LINEBREAK) {
        return false;
      }
    }
    if (!any) return false;
    std::string breaks;
    for (cmark_node* c = cmark_node_first_child(para); c; c = cmark_node_next(c)) {
      cmark_node_type t = cmark_node_get_type(c);
      if (t == CMARK_NODE_SOFTBREAK || t == CMARK_NODE_LINEBREAK) breaks += '\n';
      cmark_node* img = asImage(c);
      if (!img) continue;
      if (!breaks.empty()) {
        InlineNode n;
        n.text = breaks;
        out.push_back(textBlock("paragraph", {n}));
        breaks.clear();
      }
      std::string alt;
      altText(img, alt);
      const char* url = cmark_node_get_url(img);
      Value::Object props;
      props.set("name", alt).set("url", normalizeImageUrl(url ? url : ""));
      out.push_back(newBlock("image", Value(std::move(props))));
    }
    return true;
  }

  // A quote is one block: its paragraphs (wherever they sit inside it) are
  // joined with hard breaks at the first one's place; other blocks' text
  // (headings, code) stays where it is, unseparated.
  void quoteContent(cmark_node* parent, std::vector<InlineNode>& out, std::optional<size_t>& firstPara,
                    std::vector<std::vector<InlineNode>>& paras, int depth) {
    if (depth > opts_.maxNesting) {
      throw LimitError("markdown nested deeper than " + std::to_string(opts_.maxNesting) + " levels");
    }
    for (cmark_node* n = cmark_node_first_child(parent); n; n = cmark_node_next(n)) {
      switch (cmark_node_get_type(n)) {
        case CMARK_NODE_PARAGRAPH:
          if (!firstPara) firstPara = out.size();
          paras.push_back(inlineNodes(n, cmark_node_get_start_line(n)));
          break;
        case CMARK_NODE_HEADING: {
          std::vector<InlineNode> h = inlineNodes(n, 0);
          out.insert(out.end(), h.begin(), h.end());
          break;
        }
        case CMARK_NODE_CODE_BLOCK: {
          std::string code = literal(n);
          if (!code.empty() && code.back() == '\n') code.pop_back();
          InlineNode t;
          t.text = code;
          if (!code.empty()) out.push_back(t);
          break;
        }
        default:
          quoteContent(n, out, firstPara, paras, depth + 1);
      }
    }
  }

  Block quote(cmark_node* n, int depth) {
    std::vector<InlineNode> out;
    std::optional<size_t> firstPara;
    std::vector<std::vector<InlineNode>> paras;
    quoteContent(n, out, firstPara, paras, depth);
    if (firstPara) {
      std::vector<InlineNode> merged;
      for (size_t i = 0; i < paras.size(); ++i) {
        if (i > 0) {
          InlineNode br;
          br.hardBreak = true;
          merged.push_back(br);
        }
        merged.insert(merged.end(), paras[i].begin(), paras[i].end());
      }
      out.insert(out.begin() + static_cast<std::ptrdiff_t>(*firstPara), merged.begin(), merged.end());
    }
    return textBlock("quote", std::move(out));
  }

  void listItems(cmark_node* list, int depth, std::vector<Block>& out) {
    bool ordered = cmark_node_get_list_type(list) == CMARK_ORDERED_LIST;
    int start = cmark_node_get_list_start(list);
    bool first = true;
    for (cmark_node* item = cmark_node_first_child(list); item; item = cmark_node_next(item), first = false) {
      Value::Object props;
      std::string type = "bulletListItem";
      if (typeString(item) == "tasklist") {
        type = "checkListItem";
        props.set("checked", cmark_gfm_extensions_get_tasklist_item_checked(item));
      } else if (ordered) {
        type = "numberedListItem";
        if (first && start != 1) props.set("start", start);
      }
      Block b = newBlock(type, Value(std::move(props)));
      cmark_node* child = cmark_node_first_child(item);
      std::vector<Block> children;
      if (child && cmark_node_get_type(child) == CMARK_NODE_PARAGRAPH && !imageParagraph(child, children)) {
        splitAtFirstBreak_ = true;
        afterSplit_ = false;
        rest_.clear();
        std::vector<InlineNode> firstLine = inlineNodes(child, cmark_node_get_start_line(child));
        splitAtFirstBreak_ = false;
        b.content = runs(firstLine);
        if (afterSplit_) children.push_back(textBlock("paragraph", std::move(rest_)));
        rest_.clear();
        child = cmark_node_next(child);
      } else if (child && cmark_node_get_type(child) == CMARK_NODE_PARAGRAPH) {
        child = cmark_node_next(child);
      }
      for (; child; child = cmark_node_next(child)) addBlock(child, depth + 1, children);
      b.children = std::move(children);
      out.push_back(std::move(b));
    }
  }

  Block table(cmark_node* n) {
    Block b = newBlock("table", Value::object());
    TableContent t;
    size_t columns = cmark_gfm_extensions_get_table_columns(n);
    size_t line = static_cast<size_t>(cmark_node_get_start_line(n));
    if (columns > opts_.maxTableColumns) {
      throw LimitError("a table has " + count(columns) + " columns" + atLine(line) + "; at most " +
                       count(opts_.maxTableColumns) + " columns");
    }
    size_t rows = 0;
    for (cmark_node* row = cmark_node_first_child(n); row; row = cmark_node_next(row)) ++rows;
    if (rows > opts_.maxTableRows) {
      throw LimitError("a table has " + count(rows) + " rows" + atLine(line) + "; at most " +
                       count(opts_.maxTableRows) + " rows in one table");
    }
    tableCells_ += rows * columns;
    if (tableCells_ > opts_.maxTableCells) {
      throw LimitError("the plan's tables have more than " + count(opts_.maxTableCells) + " cells; at most " +
                       count(opts_.maxTableCells) + " cells in one plan");
    }
    t.columnWidths.assign(columns, std::nullopt);
    for (cmark_node* row = cmark_node_first_child(n); row; row = cmark_node_next(row)) {
      TableRow r;
      bool header = cmark_gfm_extensions_get_table_row_is_header(row);
      if (header) t.headerRows = 1;
      for (cmark_node* cell = cmark_node_first_child(row); cell; cell = cmark_node_next(cell)) {
        TableCell c;
        c.header = header;
        c.content = runs(inlineNodes(cell, 0));
        c.props = normalizedCellProps(Value());
        r.cells.push_back(std::move(c));
      }
      while (r.cells.size() < columns) {
        TableCell c;
        c.header = header;
        c.props = normalizedCellProps(Value());
        r.cells.push_back(std::move(c));
      }
      t.rows.push_back(std::move(r));
    }
    b.table = std::move(t);
    return b;
  }

  // An HTML block: comments vanish; block-level tags separate paragraphs
  // and each paragraph is its text with the inline tags applied (BlockNote
  // hands the HTML to the browser; only these common cases are reproduced).
  void flushHtmlParagraph(std::vector<InlineNode>& nodes, std::vector<Block>& out) {
    // Leading and trailing blanks of a block are not text.
    while (!nodes.empty() && !nodes.back().hardBreak) {
      std::string& t = nodes.back().text;
      while (!t.empty() && t.back() == ' ') t.pop_back();
      if (!t.empty()) break;
      nodes.pop_back();
    }
    while (!nodes.empty() && !nodes.front().hardBreak) {
      std::string& t = nodes.front().text;
      size_t lead = 0;
      while (lead < t.size() && t[lead] == ' ') ++lead;
      t.erase(0, lead);
      if (!t.empty()) break;
      nodes.erase(nodes.begin());
    }
    if (!nodes.empty() && htmlHeading_ > 0) {
      Value::Object props;
      props.set("level", htmlHeading_);
      out.push_back(textBlock("heading", std::move(nodes), Value(std::move(props))));
    } else if (!nodes.empty()) {
      out.push_back(textBlock("paragraph", std::move(nodes)));
    }
    nodes.clear();
    lastWasSpace_ = true;
  }

  static bool isBlockTag(const std::string& name) {
    static const std::set<std::string, std::less<>> tags = {
        "address", "article", "aside",  "blockquote", "details", "dialog", "dd",    "div",      "dl",
        "dt",      "fieldset", "figcaption", "figure", "footer", "form",  "h1",    "h2",       "h3",
        "h4",      "h5",      "h6",     "header",     "hr",      "li",     "main",  "nav",      "ol",
        "p",       "pre",     "section", "summary",   "table",   "tbody",  "td",    "tfoot",    "th",
        "thead",   "tr",      "ul"};
    return tags.contains(name);
  }

  void htmlBlock(cmark_node* n, std::vector<Block>& out) {
    std::string html = literal(n);
    std::vector<InlineNode> nodes;
    nodes_ = &nodes;
    collapse_ = true;
    lastWasSpace_ = true;
    htmlBold_ = htmlItalic_ = htmlUnderline_ = htmlStrike_ = htmlCode_ = 0;
    InlineState st;
    size_t i = 0;
    while (i < html.size()) {
      if (html.compare(i, 4, "<!--") == 0) {
        size_t e = html.find("-->", i + 4);
        i = e == std::string::npos ? html.size() : e + 3;
        continue;
      }
      if (html[i] == '<') {
        size_t e = html.find('>', i);
        if (e == std::string::npos) e = html.size() - 1;
        std::string tag = html.substr(i, e - i + 1);
        HtmlTag parsed = parseTag(tag);
        if (isBlockTag(parsed.name)) {
          flushHtmlParagraph(nodes, out);
          const std::string& name = parsed.name;
          htmlHeading_ = !parsed.closing && name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6' ? name[1] - '0' : 0;
        } else {
          htmlInline(tag, st);
        }
        collapse_ = true;
        i = e + 1;
        continue;
      }
      size_t e = html.find('<', i);
      if (e == std::string::npos) e = html.size();
      pushText(html.substr(i, e - i), st);
      i = e;
    }
    flushHtmlParagraph(nodes, out);
    htmlHeading_ = 0;
    nodes_ = nullptr;
    collapse_ = false;
  }

  void addBlock(cmark_node* n, int depth, std::vector<Block>& out) {
    if (depth > opts_.maxNesting) {
      throw LimitError("markdown nested deeper than " + std::to_string(opts_.maxNesting) + " levels");
    }
    switch (cmark_node_get_type(n)) {
      case CMARK_NODE_PARAGRAPH:
        if (!imageParagraph(n, out)) out.push_back(textBlock("paragraph", inlineNodes(n, cmark_node_get_start_line(n))));
        return;
      case CMARK_NODE_HEADING: {
        Value::Object props;
        props.set("level", cmark_node_get_heading_level(n));
        out.push_back(textBlock("heading", inlineNodes(n, 0), Value(std::move(props))));
        return;
      }
      case CMARK_NODE_CODE_BLOCK: {
        std::string info;
        if (const char* f = cmark_node_get_fence_info(n)) info = f;
        size_t s = 0, e = info.size();
        while (s < e && isSpace(info[s])) ++s;
        while (e > s && isSpace(info[e - 1])) --e;
        info = info.substr(s, e - s);
        std::string code = literal(n);
        if (!code.empty() && code.back() == '\n') code.pop_back();
        Value::Object props;
        props.set("language", info.empty() ? std::string("text") : info);
        Block b = newBlock("codeBlock", Value(std::move(props)));
        if (!code.empty()) b.content.push_back(Inline{Inline::Kind::kText, TextRun{code, {}, {}}, {}, {}});
        out.push_back(std::move(b));
        return;
      }
      case CMARK_NODE_BLOCK_QUOTE:
        out.push_back(quote(n, depth + 1));
        return;
      case CMARK_NODE_LIST:
        listItems(n, depth + 1, out);
        return;
      case CMARK_NODE_THEMATIC_BREAK:
        out.push_back(newBlock("divider", Value::object()));
        return;
      case CMARK_NODE_HTML_BLOCK:
        htmlBlock(n, out);
        return;
      default:
        if (typeString(n) == "table") {
          out.push_back(table(n));
          return;
        }
        // Anything else (footnote definitions are off): its child blocks.
        for (Block& b : blocks(n, depth + 1)) out.push_back(std::move(b));
    }
  }

  const MarkdownParseOptions& opts_;
  std::vector<std::string_view> lines_;
  size_t count_ = 0;
  size_t tableCells_ = 0;
  size_t textRuns_ = 0;
  size_t pieces_ = 0;
  std::vector<InlineNode>* nodes_ = nullptr;
  bool collapse_ = false;
  bool lastWasSpace_ = false;
  int breakLine_ = 0;  // 1-based source line of the paragraph being converted; 0: unknown
  int breaks_ = 0;     // line breaks seen in it so far
  bool splitAtFirstBreak_ = false;
  bool afterSplit_ = false;
  std::vector<InlineNode> rest_;  // a list item's lines after the first
  int htmlHeading_ = 0;  // level of the <hN> an HTML block is in; 0: none
  int htmlBold_ = 0, htmlItalic_ = 0, htmlUnderline_ = 0, htmlStrike_ = 0, htmlCode_ = 0;
};

struct NodeDeleter {
  void operator()(cmark_node* n) const { cmark_node_free(n); }
};
struct ParserDeleter {
  void operator()(cmark_parser* p) const { cmark_parser_free(p); }
};

}  // namespace

Status parseMarkdown(std::string_view markdown, std::vector<Block>* out, const MarkdownParseOptions& options) {
  if (markdown.size() > options.maxBytes) {
    return Status::ResourceExhausted("markdown is " + std::to_string(markdown.size()) + " bytes; the limit is " +
                                     std::to_string(options.maxBytes));
  }
  if (Status s = checkShapes(markdown, options); !s.ok()) return s;
  static std::once_flag registered;
  std::call_once(registered, cmark_gfm_core_extensions_ensure_registered);
  std::unique_ptr<cmark_parser, ParserDeleter> parser(cmark_parser_new(CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8));
  if (!parser) return Status::Internal("cmark-gfm: cannot create a parser");
  for (const char* ext : {"table", "strikethrough", "tasklist", "autolink"}) {
    cmark_syntax_extension* e = cmark_find_syntax_extension(ext);
    if (!e) return Status::Internal(std::string("cmark-gfm: extension missing: ") + ext);
    cmark_parser_attach_syntax_extension(parser.get(), e);
  }
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  std::unique_ptr<cmark_node, NodeDeleter> doc(cmark_parser_finish(parser.get()));
  if (!doc) return Status::Internal("cmark-gfm: no document");
  // Adjacent text nodes (cmark splits text at entities, brackets, ...) as one.
  cmark_consolidate_text_nodes(doc.get());

  MarkdownParseOptions opts = options;
  if (!opts.ids) opts.ids = randomBlockIds();
  try {
    Converter conv(markdown, opts);
    std::vector<Block> blocks = conv.blocks(doc.get(), 0);
    if (blocks.empty()) {
      // A BlockNote document always holds a block: an empty one here.
      Block b;
      b.id = opts.ids();
      b.type = "paragraph";
      b.props = normalizedProps(b.type, Value::object());
      blocks.push_back(std::move(b));
    }
    *out = std::move(blocks);
    return Status::Ok();
  } catch (const LimitError& e) {
    return Status::ResourceExhausted(e.what());
  }
}

}  // namespace roundtable::plan
