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
#include "roundtable/crdt/updates.h"

namespace roundtable::cli {

namespace {

using crdt::Doc;
using crdt::TypeKind;
using lib0::Value;

bool readFile(const std::string& path, std::vector<uint8_t>* out);

struct DocOptions {
  std::vector<std::string> files;
  std::vector<std::string> roots;
  std::string svFile;
  std::string format = "v1";  // of the updates read and written
  std::string to;              // convert: the format written
  bool v2() const { return format == "v2"; }
};

bool writeOut(const std::vector<uint8_t>& bytes) {
  std::fwrite(bytes.data(), 1, bytes.size(), stdout);
  return std::fflush(stdout) == 0;
}

// Reads every file; on failure prints one line and returns false.
bool readAll(const std::vector<std::string>& files, std::vector<std::vector<uint8_t>>* out) {
  for (const std::string& file : files) {
    out->emplace_back();
    if (!readFile(file, &out->back())) {
      std::cerr << "roundtable doc: cannot read " << file << "\n";
      return false;
    }
  }
  return true;
}

Value stateVectorJSON(const crdt::StateVector& sv) {
  Value::Object o;
  for (const auto& [client, clock] : sv) o.set(std::to_string(client), Value(static_cast<double>(clock)));
  return Value(std::move(o));
}

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
bool loadDoc(const std::vector<std::string>& files, Doc& doc, bool v2) {
  for (const std::string& file : files) {
    std::vector<uint8_t> bytes;
    if (!readFile(file, &bytes)) {
      std::cerr << "roundtable doc: cannot read " << file << "\n";
      return false;
    }
    Status s = v2 ? doc.applyUpdateV2(bytes) : doc.applyUpdate(bytes);
    if (!s.ok()) {
      std::cerr << "roundtable doc: " << file << ": " << s.message() << "\n";
      return false;
    }
  }
  return true;
}

int runJson(const DocOptions& opts) {
  Doc doc;
  if (!loadDoc(opts.files, doc, opts.v2())) return 1;
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
  if (!loadDoc(opts.files, doc, opts.v2())) return 1;
  std::cout << lib0::toJSON(stateVectorJSON(doc.stateVector())) << "\n";
  return 0;
}

int runEncode(const DocOptions& opts) {
  Doc doc;
  if (!loadDoc(opts.files, doc, opts.v2())) return 1;
  std::vector<uint8_t> sv;
  if (!opts.svFile.empty() && !readFile(opts.svFile, &sv)) {
    std::cerr << "roundtable doc: cannot read " << opts.svFile << "\n";
    return 1;
  }
  std::vector<uint8_t> update;
  Status s = opts.v2() ? doc.encodeStateAsUpdateV2(sv, &update) : doc.encodeStateAsUpdate(sv, &update);
  if (!s.ok()) {
    std::cerr << "roundtable doc: " << opts.svFile << ": " << s.message() << "\n";
    return 1;
  }
  return writeOut(update) ? 0 : 1;
}

int fail(const std::string& what, const Status& s) {
  std::cerr << "roundtable doc: " << what << ": " << s.message() << "\n";
  return 1;
}

int runMerge(const DocOptions& opts) {
  std::vector<std::vector<uint8_t>> updates;
  if (!readAll(opts.files, &updates)) return 1;
  std::vector<uint8_t> out;
  Status s = opts.v2() ? crdt::mergeUpdatesV2(updates, &out) : crdt::mergeUpdates(updates, &out);
  if (!s.ok()) return fail("merge", s);
  return writeOut(out) ? 0 : 1;
}

int runDiff(const DocOptions& opts) {
  std::vector<std::vector<uint8_t>> in;
  if (!readAll({opts.files.at(0), opts.svFile}, &in)) return 1;
  std::vector<uint8_t> out;
  Status s = opts.v2() ? crdt::diffUpdateV2(in[0], in[1], &out) : crdt::diffUpdate(in[0], in[1], &out);
  if (!s.ok()) return fail(opts.files[0], s);
  return writeOut(out) ? 0 : 1;
}

int runConvert(const DocOptions& opts) {
  std::vector<std::vector<uint8_t>> in;
  if (!readAll(opts.files, &in)) return 1;
  std::vector<uint8_t> out;
  Status s = opts.to == "v2" ? crdt::convertUpdateFormatV1ToV2(in[0], &out) : crdt::convertUpdateFormatV2ToV1(in[0], &out);
  if (!s.ok()) return fail(opts.files[0], s);
  return writeOut(out) ? 0 : 1;
}

int runMeta(const DocOptions& opts) {
  std::vector<std::vector<uint8_t>> in;
  if (!readAll(opts.files, &in)) return 1;
  crdt::UpdateMeta meta;
  Status s = opts.v2() ? crdt::parseUpdateMetaV2(in[0], &meta) : crdt::parseUpdateMeta(in[0], &meta);
  if (!s.ok()) return fail(opts.files[0], s);
  Value::Object out;
  out.set("from", stateVectorJSON(meta.from));
  out.set("to", stateVectorJSON(meta.to));
  std::cout << lib0::toJSON(Value(std::move(out))) << "\n";
  return 0;
}

}  // namespace

void addDocCommand(CLI::App& app) {
  auto opts = std::make_shared<DocOptions>();
  CLI::App* doc = app.add_subcommand(
      "doc", "Inspect, merge, diff and convert Yjs updates (v1 or v2; each FILE holds one update; - is stdin)");
  doc->require_subcommand(1);
  auto format = [&](CLI::App* verb, const char* what) {
    verb->add_option("--format", opts->format, what)->check(CLI::IsMember({"v1", "v2"}))->default_str("v1");
  };

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
  format(json, "format of the updates: v1 (default) or v2");
  json->callback([opts] { throw CLI::RuntimeError(runJson(*opts)); });

  CLI::App* state = doc->add_subcommand("state", "Print the resulting state vector as JSON {clientId: clock}");
  state->add_option("FILE", opts->files, "update files, applied in order")->required();
  format(state, "format of the updates: v1 (default) or v2");
  state->callback([opts] { throw CLI::RuntimeError(runState(*opts)); });

  CLI::App* encode = doc->add_subcommand("encode", "Write encodeStateAsUpdate of the resulting document to stdout");
  encode->add_option("FILE", opts->files, "update files, applied in order")->required();
  encode->add_option("--sv", opts->svFile, "binary state vector: encode only what it lacks");
  format(encode, "format of the updates read and written: v1 (default) or v2");
  encode->callback([opts] { throw CLI::RuntimeError(runEncode(*opts)); });

  CLI::App* merge = doc->add_subcommand("merge", "Merge the updates, without a document, into one update on stdout");
  merge->add_option("FILE", opts->files, "update files")->required();
  format(merge, "format of the updates read and written: v1 (default) or v2");
  merge->callback([opts] { throw CLI::RuntimeError(runMerge(*opts)); });

  CLI::App* diff = doc->add_subcommand("diff", "Write the part of the update a peer with the state vector lacks");
  diff->add_option("FILE", opts->files, "update file")->required()->expected(1);
  diff->add_option("--sv", opts->svFile, "binary state vector")->required();
  format(diff, "format of the update read and written: v1 (default) or v2");
  diff->callback([opts] { throw CLI::RuntimeError(runDiff(*opts)); });

  CLI::App* convert = doc->add_subcommand("convert", "Write the update in the other format");
  convert->add_option("FILE", opts->files, "update file, in the format that is not --to")->required()->expected(1);
  convert->add_option("--to", opts->to, "format to write: v1 or v2")->required()->check(CLI::IsMember({"v1", "v2"}));
  convert->callback([opts] { throw CLI::RuntimeError(runConvert(*opts)); });

  CLI::App* meta = doc->add_subcommand("meta", "Print the update's first and end clocks per client as JSON {from, to}");
  meta->add_option("FILE", opts->files, "update file")->required()->expected(1);
  format(meta, "format of the update: v1 (default) or v2");
  meta->callback([opts] { throw CLI::RuntimeError(runMeta(*opts)); });
}

}  // namespace roundtable::cli
