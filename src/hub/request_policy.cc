#include "hub/request_policy.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cctype>

#include "hub/url.h"

namespace roundtable::hub {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

}  // namespace

RequestPolicy::RequestPolicy(const HubOptions& options, uint16_t port)
    : port_(port), anyOriginForSignal_(options.anyOriginForSignal) {
  for (const auto& o : options.allowOrigins) allowOrigins_.push_back(lower(o));
  for (const auto& h : options.allowHosts) allowHosts_.push_back(lower(h));
  // A process reached under the public name (the relay behind its proxy)
  // answers to it. Its pages are then same-origin; the origin is not added to
  // the allow-list, so that pages of a public review site never get to use a
  // hub's /yjs or /mcp (a review site has no documents; see docs/p2p.md).
  if (!options.publicUrl.empty()) {
    std::string h = hostName(urlAuthority(options.publicUrl));
    if (!h.empty()) allowHosts_.push_back(lower(h));
  }
  if (!isIpLiteral(options.host) && options.host != "0.0.0.0" && options.host != "::")
    allowHosts_.push_back(lower(options.host));
}

std::string RequestPolicy::hostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t end = host.find(']');
    if (end == std::string_view::npos) return {};
    return lower(host.substr(1, end - 1));
  }
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && host.find(':') == colon) host = host.substr(0, colon);
  return lower(host);
}

bool RequestPolicy::isIpLiteral(std::string_view name) {
  std::string s(name);
  in6_addr v6;
  in_addr v4;
  return inet_pton(AF_INET, s.c_str(), &v4) == 1 || inet_pton(AF_INET6, s.c_str(), &v6) == 1;
}

bool RequestPolicy::hostAllowed(std::string_view hostHeader) const {
  std::string name = hostName(hostHeader);
  if (name.empty()) return false;
  if (isIpLiteral(name)) return true;
  if (name == "localhost" || (name.size() > 10 && name.ends_with(".localhost"))) return true;
  return std::find(allowHosts_.begin(), allowHosts_.end(), name) != allowHosts_.end();
}

bool RequestPolicy::originAllowed(std::string_view originHeader, std::string_view hostHeader, bool signaling) const {
  if (originHeader.empty()) return true;
  if (signaling && anyOriginForSignal_) return true;
  std::string origin = lower(originHeader);
  std::string host = lower(hostHeader);
  if (origin == "http://" + host || origin == "https://" + host) return true;
  std::string port = std::to_string(port_);
  for (const char* own : {"http://127.0.0.1:", "http://localhost:", "http://[::1]:"})
    if (origin == own + port) return true;
  return std::find(allowOrigins_.begin(), allowOrigins_.end(), origin) != allowOrigins_.end();
}

}  // namespace roundtable::hub
