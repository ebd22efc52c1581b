// Test helper: one room key, derived once (PBKDF2 takes a moment). Used only by tests.
#pragma once

#include "p2p/room_crypto.h"

namespace roundtable::p2p {

// The key of room "room" with password "password".
inline const RoomKey& testRoomKey() {
  static const RoomKey k = RoomKey::derive("password", "room");
  return k;
}

}  // namespace roundtable::p2p
