#pragma once

#include <cstdint>

namespace roundtable::crdt {

// The kinds of shared type; values are the wire type refs of yjs
// (structs/ContentType.js). kAbstract is a root whose kind nobody has asked
// for yet (an update created it).
enum class TypeKind : uint8_t {
  kArray = 0,
  kMap = 1,
  kText = 2,
  kXmlElement = 3,
  kXmlFragment = 4,
  kXmlHook = 5,
  kXmlText = 6,
  kAbstract = 255,
};

}  // namespace roundtable::crdt
