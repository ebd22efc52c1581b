#include "hub/static_files.h"

#include "hub/url.h"

#include <algorithm>
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
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

// Whether `real` is `root` or inside it (both canonical).
bool within(const fs::path& real, const fs::path& root) {
  auto [r, p] = std::mismatch(root.begin(), root.end(), real.begin(), real.end());
  return r == root.end();
}

// The web app is a few MB; past this the cache starts over rather than grow.
constexpr size_t kMaxCachedBytes = 256u << 20;

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

std::shared_ptr<const std::string> StaticFiles::contents(const fs::path& real) const {
  std::error_code ec;
  if (!fs::is_regular_file(real, ec)) return nullptr;
  auto size = fs::file_size(real, ec);
  if (ec) return nullptr;
  auto modified = fs::last_write_time(real, ec);
  if (ec) return nullptr;
  std::string key = real.string();
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end() && it->second.modified == modified && it->second.bytes->size() == size)
      return it->second.bytes;
  }
  auto body = readFile(real);
  if (!body) return nullptr;
  auto bytes = std::make_shared<const std::string>(std::move(*body));
  std::lock_guard lock(mutex_);
  auto& slot = cache_[key];
  if (slot.bytes) cachedBytes_ -= slot.bytes->size();
  if (cachedBytes_ + bytes->size() > kMaxCachedBytes) {
    cache_.clear();
    cachedBytes_ = 0;
  }
  cache_[key] = Cached{bytes, modified};
  cachedBytes_ += bytes->size();
  return bytes;
}

StaticResponse StaticFiles::get(std::string_view path) const {
  auto rel = safeRelative(path);
  static const auto kBadPath = std::make_shared<const std::string>("bad path\n");
  if (!rel) return {400, "text/plain; charset=utf-8", "no-store", kBadPath};
  bool appRoute = rel->empty() || rel->begin()->string() == "plan" || rel->string() == "index.html";
  static const auto kNotFound = std::make_shared<const std::string>("not found\n");
  static const auto kPlaceholderPage = std::make_shared<const std::string>(kPlaceholder);
  if (dir_.empty()) {
    if (appRoute) return {200, "text/html; charset=utf-8", "no-cache", kPlaceholderPage};
    return {404, "text/plain; charset=utf-8", "no-store", kNotFound};
  }
  std::error_code ec;
  if (!rel->empty() && !appRoute) {
    // A symbolic link in the web directory must not lead out of it.
    fs::path real = fs::canonical(dir_ / *rel, ec);
    if (!ec && within(real, dir_)) {
      if (auto body = contents(real)) {
        // Vite puts content-hashed files under assets/: they never change.
        bool hashed = rel->begin()->string() == "assets";
        return {200, contentTypeFor(*rel), hashed ? "public, max-age=31536000, immutable" : "no-cache", body};
      }
    }
    return {404, "text/plain; charset=utf-8", "no-store", kNotFound};
  }
  fs::path index = fs::canonical(dir_ / "index.html", ec);
  if (!ec && within(index, dir_)) {
    if (auto body = contents(index)) return {200, "text/html; charset=utf-8", "no-cache", body};
  }
  return {404, "text/plain; charset=utf-8", "no-store", kNotFound};
}

}  // namespace roundtable::hub
