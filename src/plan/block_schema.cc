#include "plan/block_schema.h"

#include <map>

namespace roundtable::plan {

namespace {

const std::map<std::string_view, std::vector<PropSpec>>& schema() {
  // ProseMirror attribute order of each content node (editor.pmSchema.nodes).
  static const auto* s = [] {
    const Value dflt("default");
    const Value left("left");
    auto* m = new std::map<std::string_view, std::vector<PropSpec>>;
    const std::vector<PropSpec> text = {{"backgroundColor", dflt}, {"textColor", dflt}, {"textAlignment", left}};
    (*m)["paragraph"] = text;
    (*m)["bulletListItem"] = text;
    (*m)["toggleListItem"] = text;
    (*m)["heading"] = {{"backgroundColor", dflt}, {"textColor", dflt}, {"textAlignment", left},
                       {"level", Value(1)},         {"isToggleable", Value(false)}};
    (*m)["checkListItem"] = {{"backgroundColor", dflt}, {"textColor", dflt}, {"textAlignment", left},
                             {"checked", Value(false)}};
    (*m)["numberedListItem"] = {{"backgroundColor", dflt}, {"textColor", dflt}, {"textAlignment", left},
                                {"start", Value()}};
    (*m)["quote"] = {{"backgroundColor", dflt}, {"textColor", dflt}};
    (*m)["codeBlock"] = {{"language", Value("text")}};
    (*m)["divider"] = {};
    const std::vector<PropSpec> media = {{"textAlignment", left}, {"backgroundColor", dflt}, {"name", Value("")},
                                         {"url", Value("")},      {"caption", Value("")},    {"showPreview", Value(true)},
                                         {"previewWidth", Value()}};
    (*m)["image"] = media;
    (*m)["video"] = media;
    (*m)["audio"] = {{"backgroundColor", dflt}, {"name", Value("")}, {"url", Value("")}, {"caption", Value("")},
                     {"showPreview", Value(true)}};
    (*m)["file"] = {{"backgroundColor", dflt}, {"name", Value("")}, {"url", Value("")}, {"caption", Value("")}};
    (*m)["table"] = {{"textColor", dflt}};
    return m;
  }();
  return *s;
}

const Value* lookup(const Value& obj, std::string_view key) {
  return obj.isObject() ? obj.asObject().get(key) : nullptr;
}

}  // namespace

const std::vector<PropSpec>* blockPropSpecs(std::string_view type) {
  auto it = schema().find(type);
  return it == schema().end() ? nullptr : &it->second;
}

const std::vector<PropSpec>& tableCellPropSpecs() {
  static const std::vector<PropSpec> specs = {{"textColor", Value("default")},
                                              {"backgroundColor", Value("default")},
                                              {"textAlignment", Value("left")},
                                              {"colspan", Value(1)},
                                              {"rowspan", Value(1)}};
  return specs;
}

Value normalizedProps(std::string_view type, const Value& given) {
  const std::vector<PropSpec>* specs = blockPropSpecs(type);
  if (!specs) return given.isObject() ? given : Value::object();
  Value::Object out;
  for (const PropSpec& p : *specs) {
    const Value* v = lookup(given, p.name);
    Value val = v ? *v : p.defaultValue;
    if (val.isUndefined() && p.defaultValue.isUndefined()) continue;
    out.set(std::string(p.name), std::move(val));
  }
  return Value(std::move(out));
}

Value normalizedCellProps(const Value& given) {
  Value::Object out;
  for (std::string_view key : {"colspan", "rowspan", "backgroundColor", "textColor", "textAlignment"}) {
    const Value* v = lookup(given, key);
    if (v) {
      out.set(std::string(key), *v);
      continue;
    }
    for (const PropSpec& p : tableCellPropSpecs()) {
      if (p.name == key) out.set(std::string(key), p.defaultValue);
    }
  }
  return Value(std::move(out));
}

void applyMarkExclusion(InlineNode& node) {
  if (!node.styles.code) return;
  node.styles = Styles{};
  node.styles.code = true;
  node.link.reset();
}

std::vector<Inline> inlineFromNodes(std::span<const InlineNode> nodes) {
  std::vector<Inline> out;
  std::optional<Inline> cur;  // the run being built, as BlockNote keeps it
  for (const InlineNode& n : nodes) {
    if (n.hardBreak) {
      if (!cur) {
        cur = Inline{};
        cur->run.text = "\n";
      } else if (cur->kind == Inline::Kind::kText) {
        cur->run.text += "\n";
      } else {
        cur->runs.back().text += "\n";
      }
      continue;
    }
    if (n.text.empty()) continue;  // ProseMirror has no empty text nodes
    auto startLink = [&] {
      Inline l;
      l.kind = Inline::Kind::kLink;
      l.href = *n.link;
      l.runs.push_back(TextRun{n.text, n.styles, {}});
      return l;
    };
    auto startText = [&] {
      Inline t;
      t.run = TextRun{n.text, n.styles, {}};
      return t;
    };
    if (!cur) {
      cur = n.link ? startLink() : startText();
    } else if (cur->kind == Inline::Kind::kText) {
      if (n.link) {
        out.push_back(std::move(*cur));
        cur = startLink();
      } else if (cur->run.styles == n.styles) {
        cur->run.text += n.text;
      } else {
        out.push_back(std::move(*cur));
        cur = startText();
      }
    } else if (n.link && *n.link == cur->href) {
      if (cur->runs.back().styles == n.styles) {
        cur->runs.back().text += n.text;
      } else {
        cur->runs.push_back(TextRun{n.text, n.styles, {}});
      }
    } else {
      out.push_back(std::move(*cur));
      cur = n.link ? startLink() : startText();
    }
  }
  if (cur) out.push_back(std::move(*cur));
  return out;
}

std::vector<InlineNode> nodesFromInline(const std::vector<Inline>& content) {
  std::vector<InlineNode> out;
  auto addRun = [&](const TextRun& run, const std::optional<std::string>& link) {
    size_t pos = 0;
    while (pos <= run.text.size()) {
      size_t nl = run.text.find('\n', pos);
      size_t end = nl == std::string::npos ? run.text.size() : nl;
      if (end > pos) {
        InlineNode n;
        n.text = run.text.substr(pos, end - pos);
        n.styles = run.styles;
        n.link = link;
        out.push_back(std::move(n));
      }
      if (nl == std::string::npos) break;
      InlineNode br;
      br.hardBreak = true;
      out.push_back(std::move(br));
      pos = nl + 1;
    }
  };
  for (const Inline& in : content) {
    if (in.kind == Inline::Kind::kText) {
      addRun(in.run, std::nullopt);
    } else {
      for (const TextRun& r : in.runs) addRun(r, in.href);
    }
  }
  return out;
}

Value stylesToJSON(const Styles& s) {
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

}  // namespace roundtable::plan
