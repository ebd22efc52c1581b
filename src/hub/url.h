// URL pieces the hub needs: the path of a request target and percent-decoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace roundtable::hub {

// "/yjs/a?x=1" -> "/yjs/a".
std::string_view targetPath(std::string_view target);
// "https://review.example.com:8443/x" -> "review.example.com:8443"; empty
// without a scheme.
std::string_view urlAuthority(std::string_view url);
// "%2Fa%20b" -> "/a b"; nothing on a malformed escape.
std::optional<std::string> percentDecode(std::string_view in);

// The signaling relay of a review site: "https://review.example.com/x" ->
// "wss://review.example.com/signal" (ws:// for http://); empty when the URL
// has no authority.
std::string signalingUrlOf(std::string_view siteUrl);

}  // namespace roundtable::hub
