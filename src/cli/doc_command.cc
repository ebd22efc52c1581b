#include "cli/doc_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "lib0/json.h"
#include "roundtable/crdt/doc.h"

namespace roundtable::cli {

namespace {

using crdt::Doc;
using crdt::TypeKind;
using lib0::Value;

struct DocOptions {
  std::vector<std::string> files;
  std::vector<std::string> roots;
  std::string svFile;
};

bool readFile(const std::string& path, std::vector<uint8_t>* out) {
  if (path == "-") {
    out->assign(std::istreambuf_iterator<char>(std::cin), {});
    return true;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

// Applies each file's update in order; on failure prints one line and returns false.
bool loadDoc(const std::vector<std::string>& files, Doc& doc) {
  for (const std::string& file : files) {
    std::vector<uint8_t> bytes;
    if (!readFile(file, &bytes)) {
      std::cerr << "roundtable doc: cannot read " << file << "\n";
      return false;
    }
    Status s = doc.applyUpdate(bytes);
    if (!s.ok()) {
      std::cerr << "roundtable doc: " << file << ": " << s.message() << "\n";
      return false;
    }
  }
  return true;
}

int runJson(const DocOptions& opts) {
  Doc doc;
  if (!loadDoc(opts.files, doc)) return 1;
  Value::Object out;
  for (const std::string& spec : opts.roots) {
    size_t eq = spec.rfind('=');
    std::string name = spec.substr(0, eq);
    std::string kind = spec.substr(eq + 1);
    if (kind == "map") {
      crdt::Map m = doc.getMap(name);
      out.set(name, m.valid() ? m.toJSON() : Value());
    } else if (kind == "array") {
      crdt::Array a = doc.getArray(name);
      out.set(name, a.valid() ? a.toJSON() : Value());
    } else if (kind == "text") {
      crdt::Text t = doc.getText(name);
      out.set(name, t.valid() ? Value(t.toString()) : Value());
    } else {
      crdt::XmlFragment x = doc.getXmlFragment(name);
      out.set(name, x.valid() ? Value(x.toString()) : Value());
    }
  }
  std::cout << lib0::toJSON(Value(std::move(out))) << "\n";
  return 0;
}

int runState(const DocOptions& opts) {
  Doc doc;
  if (!loadDoc(opts.files, doc)) return 1;
  Value::Object out;
  for (const auto& [client, clock] : doc.stateVector()) out.set(std::to_string(client), Value(static_cast<double>(clock)));
  std::cout << lib0::toJSON(Value(std::move(out))) << "\n";
  return 0;
}

int runEncode(const DocOptions& opts) {
  Doc doc;
  if (!loadDoc(opts.files, doc)) return 1;
  std::vector<uint8_t> sv;
  if (!opts.svFile.empty() && !readFile(opts.svFile, &sv)) {
    std::cerr << "roundtable doc: cannot read " << opts.svFile << "\n";
    return 1;
  }
  std::vector<uint8_t> update;
  Status s = doc.encodeStateAsUpdate(sv, &update);
  if (!s.ok()) {
    std::cerr << "roundtable doc: " << opts.svFile << ": " << s.message() << "\n";
    return 1;
  }
  std::fwrite(update.data(), 1, update.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

}  // namespace

void addDocCommand(CLI::App& app) {
  auto opts = std::make_shared<DocOptions>();
  CLI::App* doc = app.add_subcommand("doc", "Inspect and convert Yjs v1 updates (each FILE holds one update; - is stdin)");
  doc->require_subcommand(1);

  CLI::App* json = doc->add_subcommand("json", "Apply the updates to one fresh document and print the named roots as JSON");
  json->add_option("--root", opts->roots, "NAME=map|array|text|xml (repeatable)")
      ->required()
      ->allow_extra_args(false)
      ->check([](const std::string& s) -> std::string {
        size_t eq = s.rfind('=');
        if (eq == std::string::npos || eq == 0) return "expected NAME=map|array|text|xml";
        std::string kind = s.substr(eq + 1);
        if (kind != "map" && kind != "array" && kind != "text" && kind != "xml") return "kind must be map, array, text or xml";
        return "";
      });
  json->add_option("FILE", opts->files, "update files, applied in order")->required();
  json->callback([opts] { throw CLI::RuntimeError(runJson(*opts)); });

  CLI::App* state = doc->add_subcommand("state", "Print the resulting state vector as JSON {clientId: clock}");
  state->add_option("FILE", opts->files, "update files, applied in order")->required();
  state->callback([opts] { throw CLI::RuntimeError(runState(*opts)); });

  CLI::App* encode = doc->add_subcommand("encode", "Write encodeStateAsUpdate of the resulting document (v1) to stdout");
  encode->add_option("FILE", opts->files, "update files, applied in order")->required();
  encode->add_option("--sv", opts->svFile, "binary state vector: encode only what it lacks");
  encode->callback([opts] { throw CLI::RuntimeError(runEncode(*opts)); });
}

}  // namespace roundtable::cli
