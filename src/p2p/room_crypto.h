// y-webrtc's encryption of a room's signaling messages (y-webrtc 10.3
// src/crypto.js): what a peer that knows the room's password sends through
// the signaling relay, so that the relay sees only ciphertext.
//
//   RoomKey key = RoomKey::derive("room password", "plan-42");   // slow: ~100k hashes
//   std::vector<uint8_t> sealed = encryptAny(key, announce);       // a lib0::Value
//   lib0::Value message;
//   Status s = decryptAny(key, sealed, &message);                  // InvalidArgument if forged
//
// A sealed message is lib0-encoded: varString "AES-GCM", varUint8Array IV
// (12 random bytes when this side writes it), varUint8Array ciphertext with
// the 16-byte GCM tag appended, exactly as WebCrypto's AES-GCM output is.
// The relay carries it as base64 in the `data` field of a `publish` message.
// Thread-safe: keys are immutable values.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "roundtable/base/status.h"
#include "roundtable/lib0/value.h"

namespace roundtable::p2p {

class RoomKey {
 public:
  // PBKDF2-HMAC-SHA-256 of the password with the room name as salt, 100,000
  // iterations, 256 bits: the AES-GCM key y-webrtc's deriveKey gives for the
  // same password and room name (both as UTF-8).
  static RoomKey derive(std::string_view password, std::string_view roomName);

  const std::array<uint8_t, 32>& bytes() const { return bytes_; }

 private:
  std::array<uint8_t, 32> bytes_{};
};

// Largest sealed message decrypt() reads; larger ones are refused unread.
inline constexpr size_t kMaxSealedBytes = size_t{1} << 20;

// Seals `plain` with a fresh random IV.
std::vector<uint8_t> encrypt(const RoomKey& key, std::span<const uint8_t> plain);

// Opens a sealed message. InvalidArgument, with *plain cleared, when it is
// malformed, names another algorithm, is larger than kMaxSealedBytes, or does
// not authenticate under `key` (another password or room, or altered bytes).
Status decrypt(const RoomKey& key, std::span<const uint8_t> sealed, std::vector<uint8_t>* plain);

// y-webrtc's encryptJson/decryptJson: the value as lib0's writeAny, sealed.
std::vector<uint8_t> encryptAny(const RoomKey& key, const lib0::Value& value);
// InvalidArgument as decrypt(), or when the plaintext is not one readAny
// value (trailing bytes are ignored, as lib0 does).
Status decryptAny(const RoomKey& key, std::span<const uint8_t> sealed, lib0::Value* value);

}  // namespace roundtable::p2p
