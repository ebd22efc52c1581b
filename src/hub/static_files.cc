#include "hub/static_files.h"

#include "hub/url.h"

#include <fstream>
#include <optional>
#include <sstream>

namespace roundtable::hub {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kPlaceholder = R"(<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Roundtable</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;line-height:1.5;color:#222}
@media (prefers-color-scheme: dark){body{background:#111;color:#ddd}} code{background:rgba(127,127,127,.15);padding:0 .3em;border-radius:3px}</style>
</head><body><h1>Roundtable hub is running</h1>
<p>The web app has not been built, so there is nothing to show here yet. Plans are stored and synced;
build the web app (see the README) or pass <code>--web-dir</code> to serve it.</p></body></html>
)";

// A relative path inside the web root, or nothing when the request tries to
// leave it (dot segments, NUL, backslashes) or is not a plain path.
std::optional<fs::path> safeRelative(std::string_view target) {
  auto decoded = percentDecode(target);
  if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
  fs::path rel;
  std::string_view rest(*decoded);
  while (!rest.empty()) {
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty() || seg == ".") continue;
    if (seg == ".." || seg.find('\0') != std::string_view::npos || seg.find('\\') != std::string_view::npos)
      return std::nullopt;
    rel /= std::string(seg);
  }
  return rel;
}

std::optional<std::string> readFile(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

StaticFiles::StaticFiles(fs::path dir) {
  std::error_code ec;
  if (!dir.empty() && fs::is_regular_file(dir / "index.html", ec)) dir_ = fs::canonical(dir, ec);
}

fs::path StaticFiles::locate(const fs::path& executable) {
  std::error_code ec;
  fs::path exeDir = fs::weakly_canonical(executable, ec).parent_path();
  for (const fs::path& candidate : {exeDir / "../share/roundtable/web", exeDir / "web", exeDir / "../web/dist",
                                    exeDir / "../../web/dist"}) {
    if (fs::is_regular_file(candidate / "index.html", ec)) return fs::weakly_canonical(candidate, ec);
  }
  return {};
}

std::string StaticFiles::contentTypeFor(const fs::path& file) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  std::string ext = file.extension().string();
  for (auto& [e, type] : kTypes)
    if (ext == e) return type;
  return "application/octet-stream";
}

StaticResponse StaticFiles::get(std::string_view path) const {
  auto rel = safeRelative(path);
  if (!rel) return {400, "text/plain; charset=utf-8", "no-store", "bad path\n"};
  bool appRoute = rel->empty() || rel->begin()->string() == "plan" || rel->string() == "index.html";
  if (dir_.empty()) {
    if (appRoute) return {200, "text/html; charset=utf-8", "no-cache", std::string(kPlaceholder)};
    return {404, "text/plain; charset=utf-8", "no-store", "not found\n"};
  }
  if (!rel->empty() && !appRoute) {
    if (auto body = readFile(dir_ / *rel)) {
      // Vite puts content-hashed files under assets/: they never change.
      bool hashed = rel->begin()->string() == "assets";
      return {200, contentTypeFor(*rel), hashed ? "public, max-age=31536000, immutable" : "no-cache",
              std::move(*body)};
    }
    return {404, "text/plain; charset=utf-8", "no-store", "not found\n"};
  }
  if (auto index = readFile(dir_ / "index.html")) return {200, "text/html; charset=utf-8", "no-cache", std::move(*index)};
  return {404, "text/plain; charset=utf-8", "no-store", "not found\n"};
}

}  // namespace roundtable::hub
