// See json.h for why this is written by hand.
#include "lib0/json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <utility>
#include <vector>

#include "lib0/decoder.h"
#include "lib0/utf.h"

namespace roundtable::lib0 {
namespace {

constexpr char kHex[] = "0123456789abcdef";

// ---- stringify ----

void appendQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c >= 0x20 && c != '"' && c != '\\' && c != 0xED) {
      out.push_back(static_cast<char>(c));
      ++p;
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      case 0xED:
        if (end - p >= 3 && p[1] >= 0xA0 && p[1] <= 0xBF) {
          // Lone surrogate in WTF-8 (ED A0..BF xx) -> \udxxx.
          const unsigned unit = 0xD000u | ((p[1] & 0x3Fu) << 6) | (p[2] & 0x3Fu);
          out.append("\\u");
          for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(unit >> shift) & 0xF]);
          p += 3;
          continue;
        }
        out.push_back(static_cast<char>(c));
        break;
      default:  // other control characters
        out.append("\\u00");
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xF]);
        break;
    }
    ++p;
  }
  out.push_back('"');
}

// Appends the JSON text of v; returns false (appending nothing) when
// JSON.stringify would give undefined for it (undefined).
bool appendJSON(std::string& out, const Value& v, int depth) {
  if (depth > kMaxNestingDepth) throw std::invalid_argument("toJSON: nesting too deep");
  switch (v.kind()) {
    case Value::Kind::Undefined:
      return false;
    case Value::Kind::Null:
      out.append("null");
      return true;
    case Value::Kind::Boolean:
      out.append(v.asBool() ? "true" : "false");
      return true;
    case Value::Kind::Number: {
      const double d = v.asNumber();
      if (std::isfinite(d)) {
        out.append(numberToString(d));
      } else {
        out.append("null");
      }
      return true;
    }
    case Value::Kind::BigInt:
      throw std::invalid_argument("toJSON: Do not know how to serialize a BigInt");
    case Value::Kind::String:
      appendQuoted(out, v.asString());
      return true;
    case Value::Kind::Binary: {
      const Value::Binary& bytes = v.asBinary();
      out.push_back('{');
      for (size_t i = 0; i < bytes.size(); ++i) {
        if (i) out.push_back(',');
        out.push_back('"');
        out.append(std::to_string(i));
        out.append("\":");
        out.append(std::to_string(bytes[i]));
      }
      out.push_back('}');
      return true;
    }
    case Value::Kind::Array: {
      out.push_back('[');
      bool first = true;
      for (const Value& item : v.asArray()) {
        if (!first) out.push_back(',');
        first = false;
        if (!appendJSON(out, item, depth + 1)) out.append("null");
      }
      out.push_back(']');
      return true;
    }
    case Value::Kind::Object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, item] : v.asObject()) {
        if (item.isUndefined()) continue;
        if (!first) out.push_back(',');
        first = false;
        appendQuoted(out, key);
        out.push_back(':');
        appendJSON(out, item, depth + 1);
      }
      out.push_back('}');
      return true;
    }
  }
  return false;
}

// ---- parse ----

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  Value parseDocument() {
    skipWs();
    Value v = parseValue(0);
    skipWs();
    if (pos_ != s_.size()) fail("unexpected text after the value");
    return v;
  }

 private:
  [[noreturn]] void fail(const char* what) const {
    throw DecodeError(std::string("parseJSON: ") + what + " at offset " + std::to_string(pos_));
  }

  void skipWs() {
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
      ++pos_;
    }
  }

  bool consume(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Value parseValue(int depth) {
    if (pos_ >= s_.size()) fail("unexpected end of text");
    const char c = s_[pos_];
    switch (c) {
      case '{': return parseObject(depth);
      case '[': return parseArray(depth);
      case '"': return Value(parseString());
      case 't': if (consume("true")) return Value(true); break;
      case 'f': if (consume("false")) return Value(false); break;
      case 'n': if (consume("null")) return Value::null(); break;
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return Value(parseNumber());
        break;
    }
    fail("unexpected character");
  }

  Value parseObject(int depth) {
    if (depth >= kMaxNestingDepth) fail("nesting too deep");
    ++pos_;  // '{'
    std::vector<Value::Object::Entry> entries;
    skipWs();
    if (pos_ < s_.size() && s_[pos_] == '}') {
      ++pos_;
      return Value::object();
    }
    for (;;) {
      skipWs();
      if (pos_ >= s_.size() || s_[pos_] != '"') fail("expected a property name");
      std::string key = parseString();
      skipWs();
      if (pos_ >= s_.size() || s_[pos_] != ':') fail("expected ':'");
      ++pos_;
      skipWs();
      Value v = parseValue(depth + 1);
      entries.emplace_back(std::move(key), std::move(v));
      skipWs();
      if (pos_ >= s_.size()) fail("unterminated object");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == '}') {
        ++pos_;
        break;
      }
      fail("expected ',' or '}'");
    }
    return Value(Value::Object::fromEntries(std::move(entries)));
  }

  Value parseArray(int depth) {
    if (depth >= kMaxNestingDepth) fail("nesting too deep");
    ++pos_;  // '['
    Value::Array items;
    skipWs();
    if (pos_ < s_.size() && s_[pos_] == ']') {
      ++pos_;
      return Value::array(std::move(items));
    }
    for (;;) {
      skipWs();
      items.push_back(parseValue(depth + 1));
      skipWs();
      if (pos_ >= s_.size()) fail("unterminated array");
      if (s_[pos_] == ',') {
        ++pos_;
        continue;
      }
      if (s_[pos_] == ']') {
        ++pos_;
        break;
      }
      fail("expected ',' or ']'");
    }
    return Value::array(std::move(items));
  }

  int hexDigit(char c) const {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  std::string parseString() {
    ++pos_;  // opening quote
    std::string out;
    for (;;) {
      // Copy the run of plain bytes in one go.
      size_t runEnd = pos_;
      while (runEnd < s_.size()) {
        const auto c = static_cast<unsigned char>(s_[runEnd]);
        if (c == '"' || c == '\\' || c < 0x20 || c == 0xED) break;
        ++runEnd;
      }
      out.append(s_.data() + pos_, runEnd - pos_);
      pos_ = runEnd;
      if (pos_ >= s_.size()) fail("unterminated string");
      const auto c = static_cast<unsigned char>(s_[pos_]);
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (c < 0x20) fail("control character in string");
      if (c == 0xED) {
        // A raw WTF-8 surrogate: join it with a preceding high surrogate.
        const auto* p = reinterpret_cast<const unsigned char*>(s_.data() + pos_);
        if (s_.size() - pos_ >= 3 && p[1] >= 0xA0 && p[1] <= 0xBF && (p[2] & 0xC0) == 0x80) {
          appendUtf16CodeUnit(out, static_cast<char16_t>(0xD000 | ((p[1] & 0x3F) << 6) | (p[2] & 0x3F)));
          pos_ += 3;
        } else {
          out.push_back(static_cast<char>(c));
          ++pos_;
        }
        continue;
      }
      // Backslash escape.
      if (pos_ + 1 >= s_.size()) fail("unterminated escape");
      const char e = s_[pos_ + 1];
      pos_ += 2;
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          if (s_.size() - pos_ < 4) fail("bad \\u escape");
          unsigned unit = 0;
          for (int i = 0; i < 4; ++i) {
            const int h = hexDigit(s_[pos_ + i]);
            if (h < 0) fail("bad \\u escape");
            unit = (unit << 4) | static_cast<unsigned>(h);
          }
          pos_ += 4;
          appendUtf16CodeUnit(out, static_cast<char16_t>(unit));
          break;
        }
        default:
          pos_ -= 1;
          fail("bad escape");
      }
    }
  }

  double parseNumber() {
    const size_t start = pos_;
    auto digitAt = [&](size_t i) { return i < s_.size() && s_[i] >= '0' && s_[i] <= '9'; };
    if (s_[pos_] == '-') ++pos_;
    if (!digitAt(pos_)) fail("bad number");
    if (s_[pos_] == '0') {
      ++pos_;
    } else {
      while (digitAt(pos_)) ++pos_;
    }
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      if (!digitAt(pos_)) fail("bad number");
      while (digitAt(pos_)) ++pos_;
    }
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-')) ++pos_;
      if (!digitAt(pos_)) fail("bad number");
      while (digitAt(pos_)) ++pos_;
    }
    const char* first = s_.data() + start;
    const char* last = s_.data() + pos_;
    double d = 0;
    const auto [ptr, ec] = std::from_chars(first, last, d);
    if (ec == std::errc::result_out_of_range) {
      // Overflow or underflow: strtod gives +-HUGE_VAL (= Infinity) or the
      // correctly rounded tiny value / +-0, as JavaScript does.
      const std::string copy(first, last);
      return std::strtod(copy.c_str(), nullptr);
    }
    if (ec != std::errc() || ptr != last) fail("bad number");
    return d;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

std::string numberToString(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  if (d == 0) return "0";  // also -0
  std::string out;
  if (d < 0) {
    out.push_back('-');
    d = -d;
  }
  // Shortest round-trip digits in scientific form: "d[.ddd]e[+-]x".
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  const std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  const size_t ePos = sci.find('e');
  std::string digits;
  digits.push_back(sci[0]);
  if (ePos > 1) digits.append(sci.substr(2, ePos - 2));  // skip "d."
  int exp = 0;
  std::string_view expText = sci.substr(ePos + 1);
  if (!expText.empty() && expText[0] == '+') expText.remove_prefix(1);
  std::from_chars(expText.data(), expText.data() + expText.size(), exp);

  // ECMAScript Number::toString: k digits, value = 0.digits * 10^n.
  const int k = static_cast<int>(digits.size());
  const int n = exp + 1;
  if (k <= n && n <= 21) {
    out.append(digits);
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out.append("0.");
    out.append(static_cast<size_t>(-n), '0');
    out.append(digits);
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out.append(std::to_string(std::abs(n - 1)));
  }
  return out;
}

std::string toJSON(const Value& value) {
  std::string out;
  if (!appendJSON(out, value, 0)) return "undefined";
  return out;
}

Value parseJSON(std::string_view text) { return Parser(text).parseDocument(); }

}  // namespace roundtable::lib0
