#include "p2p/room_crypto.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "lib0/any.h"
#include "lib0/decoder.h"
#include "lib0/encoder.h"

namespace roundtable::p2p {
namespace {

constexpr int kIterations = 100000;  // y-webrtc's deriveKey
constexpr size_t kIvBytes = 12;      // what y-webrtc's encrypt draws
constexpr size_t kTagBytes = 16;     // WebCrypto's AES-GCM default tag length
// WebCrypto takes any IV length; a peer that sends more than this is not y-webrtc.
constexpr size_t kMaxIvBytes = 128;
constexpr std::string_view kAlgorithm = "AES-GCM";

using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)>;

CipherCtx newCtx() {
  CipherCtx ctx(EVP_CIPHER_CTX_new(), &EVP_CIPHER_CTX_free);
  if (!ctx) throw std::bad_alloc();
  return ctx;
}

}  // namespace

RoomKey RoomKey::derive(std::string_view password, std::string_view roomName) {
  RoomKey key;
  if (PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                        reinterpret_cast<const unsigned char*>(roomName.data()), static_cast<int>(roomName.size()),
                        kIterations, EVP_sha256(), static_cast<int>(key.bytes_.size()), key.bytes_.data()) != 1)
    throw std::runtime_error("PBKDF2 failed");
  return key;
}

std::vector<uint8_t> encrypt(const RoomKey& key, std::span<const uint8_t> plain) {
  std::array<uint8_t, kIvBytes> iv;
  if (RAND_bytes(iv.data(), static_cast<int>(iv.size())) != 1) throw std::runtime_error("no random bytes for an IV");
  std::vector<uint8_t> cipher(plain.size() + kTagBytes);
  CipherCtx ctx = newCtx();
  int n = 0;
  int tail = 0;
  if (EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), iv.data()) != 1 ||
      EVP_EncryptUpdate(ctx.get(), cipher.data(), &n, plain.data(), static_cast<int>(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), cipher.data() + n, &tail) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagBytes, cipher.data() + plain.size()) != 1)
    throw std::runtime_error("AES-GCM encryption failed");
  lib0::Encoder enc;
  enc.reserve(cipher.size() + kIvBytes + 16);
  enc.writeVarString(kAlgorithm);
  enc.writeVarUint8Array(iv);
  enc.writeVarUint8Array(cipher);
  return enc.take();
}

Status decrypt(const RoomKey& key, std::span<const uint8_t> sealed, std::vector<uint8_t>* plain) {
  plain->clear();
  if (sealed.size() > kMaxSealedBytes)
    return Status::InvalidArgument("sealed message of " + std::to_string(sealed.size()) + " bytes, more than " +
                                   std::to_string(kMaxSealedBytes));
  std::span<const uint8_t> iv;
  std::span<const uint8_t> cipher;
  try {
    lib0::Decoder dec(sealed);
    if (dec.readVarString() != kAlgorithm) return Status::InvalidArgument("unknown encryption algorithm");
    iv = dec.readVarUint8Array();
    cipher = dec.readVarUint8Array();
  } catch (const lib0::DecodeError& e) {
    return Status::InvalidArgument(std::string("malformed sealed message: ") + e.what());
  }
  if (iv.empty() || iv.size() > kMaxIvBytes) return Status::InvalidArgument("IV of " + std::to_string(iv.size()) + " bytes");
  if (cipher.size() < kTagBytes) return Status::InvalidArgument("ciphertext shorter than its tag");
  const size_t textBytes = cipher.size() - kTagBytes;
  std::vector<uint8_t> out(textBytes);
  CipherCtx ctx = newCtx();
  int n = 0;
  int tail = 0;
  // The tag is set before the final call, which checks it; nothing is handed
  // out unless it matches.
  const bool ok =
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()), nullptr) == 1 &&
      EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes().data(), iv.data()) == 1 &&
      EVP_DecryptUpdate(ctx.get(), out.data(), &n, cipher.data(), static_cast<int>(textBytes)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagBytes,
                          const_cast<uint8_t*>(cipher.data() + textBytes)) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &tail) == 1;
  if (!ok) return Status::InvalidArgument("sealed message does not authenticate (another password or room, or altered)");
  *plain = std::move(out);
  return Status::Ok();
}

std::vector<uint8_t> encryptAny(const RoomKey& key, const lib0::Value& value) {
  lib0::Encoder enc;
  lib0::writeAny(enc, value);
  return encrypt(key, enc.data());
}

Status decryptAny(const RoomKey& key, std::span<const uint8_t> sealed, lib0::Value* value) {
  std::vector<uint8_t> plain;
  Status s = decrypt(key, sealed, &plain);
  if (!s.ok()) return s;
  try {
    lib0::Decoder dec(plain);
    *value = lib0::readAny(dec);
  } catch (const lib0::DecodeError& e) {
    return Status::InvalidArgument(std::string("sealed message holds no lib0 value: ") + e.what());
  }
  return Status::Ok();
}

}  // namespace roundtable::p2p
