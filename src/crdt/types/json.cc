// toJSON and toString of every type, as yjs gives them.
#include <algorithm>

#include "crdt/doc_impl.h"
#include "lib0/utf.h"
#include "crdt/structs/struct.h"
#include "crdt/types/text.h"
#include "crdt/types/type.h"

namespace roundtable::crdt {

namespace {

// JavaScript's default sort order: UTF-16 code units.
bool jsStringLess(const std::string& a, const std::string& b) {
  return lib0::utf8ToUtf16(a) < lib0::utf8ToUtf16(b);
}

// toLocaleLowerCase for the ASCII range; other characters are kept.
// (XML node names in practice are ASCII.)
std::string lowerAscii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return s;
}

std::string outToString(const Out& o) {
  switch (o.kind) {
    case Out::Kind::kType: return typeToString(o.type);
    case Out::Kind::kDoc: return "[object Object]";
    case Out::Kind::kValue: return o.value.toJSString();
  }
  return "";
}

std::string fragmentChildrenString(const TypeBase* t) {
  std::string out;
  for (const Out& child : typeListToArray(t)) out += outToString(child);
  return out;
}

}  // namespace

Value outToJSON(const Out& o) {
  switch (o.kind) {
    case Out::Kind::kType: return typeToJSON(o.type);
    case Out::Kind::kDoc: return Value::object();  // an unloaded sub-document's toJSON()
    case Out::Kind::kValue: return o.value;
  }
  return Value();
}

Value typeToJSON(const TypeBase* t) {
  switch (t->kind) {
    case TypeKind::kArray: {
      Value::Array arr;
      for (const Out& o : typeListToArray(t)) arr.push_back(outToJSON(o));
      return Value::array(std::move(arr));
    }
    case TypeKind::kMap:
    case TypeKind::kXmlHook: {
      std::vector<Value::Object::Entry> entries;
      for (auto& [key, value] : typeMapGetAll(t)) entries.emplace_back(key, outToJSON(value));
      return Value(Value::Object::fromEntries(std::move(entries)));
    }
    case TypeKind::kText:
    case TypeKind::kXmlElement:
    case TypeKind::kXmlFragment:
    case TypeKind::kXmlText:
      return Value(typeToString(t));
    case TypeKind::kAbstract:
      return Value();
  }
  return Value();
}

std::string typeToString(const TypeBase* t) {
  switch (t->kind) {
    case TypeKind::kText:
      return lib0::utf16ToUtf8(textToString16(t));
    case TypeKind::kXmlText:
      return xmlTextToString(t);
    case TypeKind::kXmlFragment:
      return fragmentChildrenString(t);
    case TypeKind::kXmlElement: {
      // Attributes sorted by name: key="String(value)".
      std::vector<std::pair<std::string, std::string>> parts;
      for (auto& [key, value] : typeMapGetAll(t)) parts.emplace_back(key, outToString(value));
      std::sort(parts.begin(), parts.end(), [](auto& a, auto& b) { return jsStringLess(a.first, b.first); });
      std::string attrsString;
      for (auto& [key, value] : parts) attrsString += " " + key + "=\"" + value + "\"";
      const std::string nodeName = lowerAscii(t->name);
      return "<" + nodeName + attrsString + ">" + fragmentChildrenString(t) + "</" + nodeName + ">";
    }
    case TypeKind::kArray:
    case TypeKind::kMap:
    case TypeKind::kXmlHook:
    case TypeKind::kAbstract:
      return "[object Object]";
  }
  return "";
}

}  // namespace roundtable::crdt
