// Boost 1.74's Beast hands out boost::string_view; the hub works in
// std::string_view.
#pragma once

#include <boost/beast/core/string.hpp>
#include <string_view>

namespace roundtable::hub {

inline std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace roundtable::hub
