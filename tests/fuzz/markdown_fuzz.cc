// libFuzzer target: agent markdown through the whole plan pipeline. The input
// is split at the first NUL into a plan and its revision. Besides the
// sanitizers, it checks and aborts when a promise breaks:
//  * parseMarkdown either fails with a Status or gives blocks that, written
//    into a document (writePlanContent) and read back (readDocument), are the
//    same blocks, ids included, with the `content` array holding them too;
//  * the markdown written for those blocks (toMarkdown) parses again;
//  * replacing the content with the revision (the minimal edit of
//    update_plan) leaves a document that reads as the revision's blocks.
//
// Build and run (clang), seeds from the BlockNote-checked plan corpus:
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DROUNDTABLE_FUZZ=ON -DROUNDTABLE_TESTS=OFF \
//     -DROUNDTABLE_BENCH=OFF && cmake --build build-fuzz --target roundtable_markdown_fuzz
//   ./build-fuzz/roundtable_markdown_fuzz -max_total_time=60 CORPUS_DIR tests/interop/fixtures/plans
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string_view>
#include <vector>

#include "lib0/json.h"
#include "plan/block_json.h"
#include "plan/block_xml_reader.h"
#include "plan/markdown_parser.h"
#include "plan/markdown_writer.h"
#include "plan/metadata.h"
#include "plan/plan_content.h"
#include "plan/plan_doc.h"

namespace plan = roundtable::plan;
namespace crdt = roundtable::crdt;
using roundtable::lib0::toJSON;

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "broken promise: %s\n", what);
  std::abort();
}

std::string documentJSON(crdt::Doc& doc) {
  return toJSON(plan::blocksToJSON(plan::readDocument(doc.getXmlFragment(plan::kDocumentKey))));
}

// The blocks as they read, ids dropped (a revision's new blocks get random ids).
std::string withoutIds(std::vector<plan::Block> blocks) {
  std::function<void(std::vector<plan::Block>&)> strip = [&](std::vector<plan::Block>& bs) {
    for (auto& b : bs) {
      b.id.clear();
      strip(b.children);
    }
  };
  strip(blocks);
  return toJSON(plan::blocksToJSON(blocks));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t nul = input.find('\0');
  std::string_view first = input.substr(0, nul);
  std::string_view second = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

  plan::MarkdownParseOptions options;
  options.ids = plan::sequentialBlockIds();
  std::vector<plan::Block> blocks;
  if (!plan::parseMarkdown(first, &blocks, options).ok()) return 0;

  crdt::Doc doc;
  check(plan::writePlanContent(doc, blocks).ok(), "writePlanContent into an empty document");
  std::string written = toJSON(plan::blocksToJSON(blocks));
  check(documentJSON(doc) == written, "the document reads back as the blocks written");
  check(toJSON(doc.getArray(plan::kContentKey).toJSON()) == written, "the content array holds the blocks");

  std::vector<plan::Block> reparsed;
  check(plan::parseMarkdown(plan::toMarkdown(blocks), &reparsed).ok(), "written markdown parses");

  std::vector<plan::Block> revision;
  if (!plan::parseMarkdown(second, &revision).ok()) return 0;
  plan::ContentChange change;
  check(plan::replacePlanContent(doc, second, &change).ok(), "replacePlanContent of parseable markdown");
  check(withoutIds(plan::readDocument(doc.getXmlFragment(plan::kDocumentKey))) == withoutIds(revision),
        "after a minimal edit the document reads as the revision");
  return 0;
}
