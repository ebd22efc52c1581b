#include "plan/block.h"

namespace roundtable::plan {

bool hasInlineContent(const std::string& type) {
  return type == "paragraph" || type == "heading" || type == "bulletListItem" || type == "numberedListItem" ||
         type == "checkListItem" || type == "toggleListItem" || type == "quote" || type == "codeBlock";
}

std::string plainText(const std::vector<Inline>& content) {
  std::string out;
  for (const Inline& in : content) {
    if (in.kind == Inline::Kind::kText) {
      out += in.run.text;
    } else {
      for (const TextRun& r : in.runs) out += r.text;
    }
  }
  return out;
}

}  // namespace roundtable::plan
