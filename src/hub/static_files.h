// StaticFiles: the web app's build output, served with content types,
// long-lived caching for content-hashed assets, and the single-page-app
// fallback (`/` and `/plan/...` get index.html). Without a build, a small
// placeholder page says what to do.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace roundtable::hub {

struct StaticResponse {
  unsigned status = 200;
  std::string contentType;
  std::string cacheControl;
  std::shared_ptr<const std::string> body;  // shared by every response that sends the same file
};

class StaticFiles {
 public:
  // `dir` may be empty or missing: then only the placeholder is served.
  explicit StaticFiles(std::filesystem::path dir);

  // `path` is the request target's path (no query), still percent-encoded.
  // A file is served only if its real path (symbolic links resolved) is
  // inside the web directory. Thread-safe.
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
  // The bytes of the file at `real` (a canonical path in the web directory),
  // read once and shared while its size and modification time stay the same;
  // null if it is not a readable regular file.
  std::shared_ptr<const std::string> contents(const std::filesystem::path& real) const;

  std::filesystem::path dir_;
  struct Cached {
    std::shared_ptr<const std::string> bytes;
    std::filesystem::file_time_type modified;
  };
  mutable std::mutex mutex_;
  mutable std::unordered_map<std::string, Cached> cache_;  // by real path
  mutable size_t cachedBytes_ = 0;
};

}  // namespace roundtable::hub
