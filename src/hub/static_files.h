// StaticFiles: the web app's build output, served with content types,
// long-lived caching for content-hashed assets, and the single-page-app
// fallback (`/` and `/plan/...` get index.html). Without a build, a small
// placeholder page says what to do.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace roundtable::hub {

struct StaticResponse {
  unsigned status = 200;
  std::string contentType;
  std::string cacheControl;
  std::string body;
};

class StaticFiles {
 public:
  // `dir` may be empty or missing: then only the placeholder is served.
  explicit StaticFiles(std::filesystem::path dir);

  // `path` is the request target's path (no query), still percent-encoded.
  StaticResponse get(std::string_view path) const;
  bool hasWebApp() const { return !dir_.empty(); }
  const std::filesystem::path& dir() const { return dir_; }

  // Where a `roundtable` binary finds the web app when not told: first where
  // `cmake --install` and the .deb put it (PREFIX/share/roundtable/web for
  // PREFIX/bin/roundtable), then the source tree's web/dist one or two levels
  // above a build tree's binary. Empty if none holds an index.html.
  static std::filesystem::path locate(const std::filesystem::path& executable);
  static std::string contentTypeFor(const std::filesystem::path& file);

 private:
  std::filesystem::path dir_;
};

}  // namespace roundtable::hub
