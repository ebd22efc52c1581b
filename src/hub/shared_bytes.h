// Bytes, and one message's bytes shared by every connection it is sent to.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace roundtable::hub {

using Bytes = std::vector<uint8_t>;
using SharedBytes = std::shared_ptr<const Bytes>;
// One message's bytes, to be shared by every connection it is sent to.
inline SharedBytes share(Bytes bytes) { return std::make_shared<const Bytes>(std::move(bytes)); }

}  // namespace roundtable::hub
