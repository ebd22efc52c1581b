#include "hub/turn_credentials.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

namespace roundtable::hub {

TurnCredentials makeTurnCredentials(std::string_view secret, std::string_view user,
                                    std::chrono::system_clock::time_point now, std::chrono::seconds ttl) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  TurnCredentials out;
  out.username = std::to_string(duration_cast<seconds>((now + ttl).time_since_epoch()).count()) + ":" + std::string(user);
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int macLength = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(out.username.data()), out.username.size(), mac.data(), &macLength);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> base64{};
  int length = EVP_EncodeBlock(base64.data(), mac.data(), static_cast<int>(macLength));
  out.credential.assign(reinterpret_cast<const char*>(base64.data()), static_cast<size_t>(length));
  return out;
}

}  // namespace roundtable::hub
