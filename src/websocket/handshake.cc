#include "websocket/handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>

#include <array>

namespace roundtable::websocket {

namespace {
constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
}

bool isValidClientKey(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  std::array<unsigned char, 18> decoded{};
  // EVP_DecodeBlock counts the padding as zero bytes: 24 characters give 18.
  return EVP_DecodeBlock(decoded.data(), reinterpret_cast<const unsigned char*>(key.data()), 24) == 18;
}

std::string acceptKey(std::string_view key) {
  std::string input(key);
  input += kGuid;
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  std::array<unsigned char, 4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1> base64{};
  int length = EVP_EncodeBlock(base64.data(), digest.data(), SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(base64.data()), static_cast<size_t>(length));
}

}  // namespace roundtable::websocket
