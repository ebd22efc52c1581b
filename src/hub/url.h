// URL pieces the hub needs: the path of a request target and percent-decoding.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace roundtable::hub {

// "/yjs/a?x=1" -> "/yjs/a".
std::string_view targetPath(std::string_view target);
// "%2Fa%20b" -> "/a b"; nothing on a malformed escape.
std::optional<std::string> percentDecode(std::string_view in);

}  // namespace roundtable::hub
