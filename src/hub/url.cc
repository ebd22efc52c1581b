#include "hub/url.h"

namespace roundtable::hub {

std::string_view targetPath(std::string_view target) { return target.substr(0, target.find('?')); }

std::string_view urlAuthority(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return {};
  std::string_view rest = url.substr(scheme + 3);
  return rest.substr(0, rest.find('/'));
}

std::optional<std::string> percentDecode(std::string_view in) {
  auto hex = [](char h) -> int {
    if (h >= '0' && h <= '9') return h - '0';
    if (h >= 'a' && h <= 'f') return h - 'a' + 10;
    if (h >= 'A' && h <= 'F') return h - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (in.size() - i < 3) return std::nullopt;
    int hi = hex(in[i + 1]), lo = hex(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string signalingUrlOf(std::string_view siteUrl) {
  std::string_view authority = urlAuthority(siteUrl);
  if (authority.empty()) return {};
  return std::string(siteUrl.starts_with("https://") ? "wss://" : "ws://") + std::string(authority) + "/signal";
}

}  // namespace roundtable::hub
