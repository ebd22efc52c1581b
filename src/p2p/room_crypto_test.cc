#include "p2p/room_crypto.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "lib0/encoder.h"
#include "lib0/hex_for_tests.h"
#include "p2p/room_key_for_tests.h"

namespace roundtable::p2p {
namespace {

using lib0::testhex::toHex;

TEST(RoomCrypto, DerivesPbkdf2Sha256OfThePasswordSaltedWithTheRoomName) {
  // WebCrypto deriveKey({name: 'PBKDF2', salt: 'room', iterations: 100000,
  // hash: 'SHA-256'}) of 'password', exported raw (Node 20).
  EXPECT_EQ(toHex(testRoomKey().bytes()), "d383d973545203619ec80a429e47cf20bd1da731221cd696b9e6707d77956e72");
}

TEST(RoomCrypto, SealsWithAFreshIvAndOpens) {
  const std::vector<uint8_t> plain = lib0::testhex::asBytes("{\"type\":\"announce\"}");
  const std::vector<uint8_t> a = encrypt(testRoomKey(), plain);
  const std::vector<uint8_t> b = encrypt(testRoomKey(), plain);
  EXPECT_NE(a, b);  // another IV each time
  // 07 "AES-GCM", 0c + 12 IV bytes, then the length and ciphertext + tag.
  ASSERT_EQ(a.size(), 1 + 7 + 1 + 12 + 1 + plain.size() + 16);
  EXPECT_EQ(toHex(std::span(a).first(8)), "074145532d47434d");
  EXPECT_EQ(a[8], 12);
  std::vector<uint8_t> out;
  ASSERT_TRUE(decrypt(testRoomKey(), a, &out).ok());
  EXPECT_EQ(out, plain);
  ASSERT_TRUE(decrypt(testRoomKey(), encrypt(testRoomKey(), {}), &out).ok());
  EXPECT_TRUE(out.empty());
}

TEST(RoomCrypto, RefusesEveryAlteredByteAnotherKeyAndMalformedInput) {
  const std::vector<uint8_t> sealed = encrypt(testRoomKey(), lib0::testhex::asBytes("secret plan text"));
  std::vector<uint8_t> out = {1, 2, 3};
  for (size_t i = 0; i < sealed.size(); i++) {
    std::vector<uint8_t> altered = sealed;
    altered[i] ^= 0x01;
    EXPECT_FALSE(decrypt(testRoomKey(), altered, &out).ok()) << "byte " << i;
    EXPECT_TRUE(out.empty());
  }
  for (size_t n = 0; n < sealed.size(); n++)
    EXPECT_FALSE(decrypt(testRoomKey(), std::span(sealed).first(n), &out).ok()) << "truncated to " << n;
  EXPECT_FALSE(decrypt(RoomKey::derive("password", "other room"), sealed, &out).ok());
  EXPECT_FALSE(decrypt(RoomKey::derive("other password", "room"), sealed, &out).ok());
  lib0::Encoder other;
  other.writeVarString("AES-CBC");
  other.writeVarUint8Array(std::vector<uint8_t>(12));
  other.writeVarUint8Array(std::vector<uint8_t>(32));
  Status s = decrypt(testRoomKey(), other.data(), &out);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("algorithm"), std::string::npos);
  lib0::Encoder noIv;
  noIv.writeVarString("AES-GCM");
  noIv.writeVarUint8Array({});
  noIv.writeVarUint8Array(std::vector<uint8_t>(32));
  EXPECT_FALSE(decrypt(testRoomKey(), noIv.data(), &out).ok());
  EXPECT_FALSE(decrypt(testRoomKey(), std::vector<uint8_t>(kMaxSealedBytes + 1), &out).ok());
}

TEST(RoomCrypto, AnyValuesRoundTripAndGarbagePlaintextIsRefused) {
  lib0::Value::Object o;
  o.set("type", "signal");
  o.set("to", "peer-b");
  lib0::Value v;
  ASSERT_TRUE(decryptAny(testRoomKey(), encryptAny(testRoomKey(), lib0::Value(o)), &v).ok());
  EXPECT_EQ(v.asObject().get("to")->asString(), "peer-b");
  // 0x00 is no lib0 tag.
  EXPECT_EQ(decryptAny(testRoomKey(), encrypt(testRoomKey(), std::vector<uint8_t>{0x00}), &v).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace roundtable::p2p
