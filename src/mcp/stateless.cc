#include "mcp/stateless.h"

#include <algorithm>

namespace roundtable::mcp {

bool isStatelessVersion(std::string_view version) {
  return std::find(kStatelessVersions.begin(), kStatelessVersions.end(), version) != kStatelessVersions.end();
}

namespace {

const Json* metaOf(const Incoming& message) {
  if (!message.params.is_object()) return nullptr;
  auto meta = message.params.find("_meta");
  return meta != message.params.end() && meta->is_object() ? &*meta : nullptr;
}

// The body value Mcp-Name mirrors, if the method has one.
std::optional<std::string> nameSource(const Incoming& message) {
  const char* key = message.method == "tools/call" || message.method == "prompts/get" ? "name"
                    : message.method == "resources/read"                                ? "uri"
                                                                                       : nullptr;
  if (!key || !message.params.is_object()) return std::nullopt;
  auto value = message.params.find(key);
  if (value == message.params.end() || !value->is_string()) return std::nullopt;
  return value->get<std::string>();
}

bool plainHeaderChar(unsigned char c) { return c == ' ' || c == '\t' || (c >= 0x21 && c <= 0x7e); }

constexpr std::string_view kSentinelStart = "=?base64?";
constexpr std::string_view kSentinelEnd = "?=";
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::optional<std::string> base64Decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3);
  for (size_t i = 0; i < in.size(); i += 4) {
    uint32_t bits = 0;
    int padding = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = in[i + j];
      uint32_t v = 0;
      if (c == '=') {
        // Padding only at the very end, at most two.
        if (i + 4 != in.size() || j < 2) return std::nullopt;
        ++padding;
      } else {
        if (padding) return std::nullopt;
        const char* p = std::find(kBase64, kBase64 + 64, c);
        if (p == kBase64 + 64) return std::nullopt;
        v = static_cast<uint32_t>(p - kBase64);
      }
      bits = bits << 6 | v;
    }
    out += static_cast<char>(bits >> 16 & 0xff);
    if (padding < 2) out += static_cast<char>(bits >> 8 & 0xff);
    if (padding < 1) out += static_cast<char>(bits & 0xff);
  }
  return out;
}

std::string base64Encode(std::string_view in) {
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    uint32_t bits = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) bits |= static_cast<unsigned char>(in[i + 1]) << 8;
    if (i + 2 < in.size()) bits |= static_cast<unsigned char>(in[i + 2]);
    out += kBase64[bits >> 18 & 63];
    out += kBase64[bits >> 12 & 63];
    out += i + 1 < in.size() ? kBase64[bits >> 6 & 63] : '=';
    out += i + 2 < in.size() ? kBase64[bits & 63] : '=';
  }
  return out;
}

bool isSentinel(std::string_view v) {
  return v.size() >= kSentinelStart.size() + kSentinelEnd.size() && v.starts_with(kSentinelStart) &&
         v.ends_with(kSentinelEnd);
}

Json invalidMeta(const Incoming& message, const std::string& what) {
  return makeError(message.id, kInvalidParams,
                   what + " (revision 2026-07-28: every request carries params._meta with \"" + kMetaProtocolVersion +
                       "\" and \"" + kMetaClientCapabilities + "\")");
}

Json headerMismatch(const Incoming& message, const std::string& what) {
  return makeError(message.id, kHeaderMismatch, "Header mismatch: " + what);
}

}  // namespace

bool isStatelessRequest(const Incoming& message) {
  if (message.kind != Incoming::Kind::kRequest) return false;
  const Json* meta = metaOf(message);
  return meta && meta->contains(kMetaProtocolVersion);
}

std::optional<Json> checkStatelessRequest(const Incoming& message, const MirroredHeaders* headers) {
  const Json* meta = metaOf(message);
  if (!meta) return invalidMeta(message, "params._meta is missing");
  auto version = meta->find(kMetaProtocolVersion);
  if (version == meta->end() || !version->is_string() || version->get_ref<const std::string&>().empty())
    return invalidMeta(message, std::string("_meta[\"") + kMetaProtocolVersion + "\"] must be a non-empty string");
  auto capabilities = meta->find(kMetaClientCapabilities);
  if (capabilities == meta->end() || !capabilities->is_object())
    return invalidMeta(message, std::string("_meta[\"") + kMetaClientCapabilities + "\"] must be an object");
  if (auto info = meta->find(kMetaClientInfo); info != meta->end() && !info->is_object())
    return invalidMeta(message, std::string("_meta[\"") + kMetaClientInfo + "\"] must be an object (name, version)");
  if (auto level = meta->find(kMetaLogLevel); level != meta->end()) {
    static const char* const kLevels[] = {"debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"};
    bool known = false;
    if (level->is_string())
      for (const char* l : kLevels) known = known || *level == l;
    if (!known)
      return invalidMeta(message, std::string("_meta[\"") + kMetaLogLevel +
                                      "\"] must be one of debug, info, notice, warning, error, critical, alert, emergency");
  }
  const std::string& requested = version->get_ref<const std::string&>();
  if (headers) {
    if (!headers->protocolVersion)
      return headerMismatch(message, "the MCP-Protocol-Version header is missing");
    if (*headers->protocolVersion != requested)
      return headerMismatch(message, "MCP-Protocol-Version header value '" + *headers->protocolVersion +
                                         "' does not match _meta value '" + requested + "'");
  }
  if (!isStatelessVersion(requested)) {
    Json error = makeError(message.id, kUnsupportedProtocolVersion,
                           "Unsupported protocol version: " + requested +
                               " (per-request _meta needs 2026-07-28; earlier revisions start with initialize)");
    Json supported = Json::array();
    for (std::string_view v : kStatelessVersions) supported.push_back(std::string(v));
    error["error"]["data"] = {{"supported", std::move(supported)}, {"requested", requested}};
    return error;
  }
  if (headers) {
    if (!headers->method) return headerMismatch(message, "the Mcp-Method header is missing");
    if (*headers->method != message.method)
      return headerMismatch(message, "Mcp-Method header value '" + *headers->method + "' does not match body value '" +
                                         message.method + "'");
    if (auto name = nameSource(message)) {
      if (!headers->name) return headerMismatch(message, "the Mcp-Name header is missing");
      auto decoded = decodeHeaderValue(*headers->name);
      if (!decoded) return headerMismatch(message, "the Mcp-Name header is neither plain ASCII nor =?base64?...?=");
      if (*decoded != *name)
        return headerMismatch(message, "Mcp-Name header value '" + *decoded + "' does not match body value '" + *name + "'");
    }
  }
  return std::nullopt;
}

MirroredHeaders mirroredHeaders(const Incoming& message) {
  MirroredHeaders h;
  const Json* meta = metaOf(message);
  auto version = meta ? meta->find(kMetaProtocolVersion) : Json::const_iterator();
  h.protocolVersion = meta && version != meta->end() && version->is_string() ? version->get<std::string>()
                                                                             : std::string(kStatelessVersions.front());
  h.method = message.method;
  if (auto name = nameSource(message)) h.name = encodeHeaderValue(*name);
  return h;
}

std::string encodeHeaderValue(std::string_view value) {
  bool plain = !value.empty() && !isSentinel(value) && value.front() != ' ' && value.front() != '\t' &&
               value.back() != ' ' && value.back() != '\t' &&
               std::all_of(value.begin(), value.end(), [](char c) { return plainHeaderChar(c); });
  if (plain || value.empty()) return std::string(value);
  return std::string(kSentinelStart) + base64Encode(value) + std::string(kSentinelEnd);
}

std::optional<std::string> decodeHeaderValue(std::string_view header) {
  if (isSentinel(header))
    return base64Decode(header.substr(kSentinelStart.size(), header.size() - kSentinelStart.size() - kSentinelEnd.size()));
  if (!std::all_of(header.begin(), header.end(), [](char c) { return plainHeaderChar(c); })) return std::nullopt;
  return std::string(header);
}

}  // namespace roundtable::mcp
