#include "plan/block_id.h"

#include <array>
#include <memory>
#include <random>

namespace roundtable::plan {

BlockIdGenerator randomBlockIds() {
  // A 64-bit Mersenne Twister seeded with 256 bits from random_device: ids
  // only need to be unique, not unguessable (they are visible to every
  // reader of the document anyway).
  std::random_device rd;
  std::array<uint32_t, 8> seed;
  for (uint32_t& s : seed) s = rd();
  std::seed_seq seq(seed.begin(), seed.end());
  auto engine = std::make_shared<std::mt19937_64>(seq);
  return [engine] {
    std::array<uint8_t, 16> b;
    for (int i = 0; i < 16; i += 8) {
      uint64_t r = (*engine)();
      for (int j = 0; j < 8; ++j) b[i + j] = static_cast<uint8_t>(r >> (8 * j));
    }
    b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
      if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
      out += hex[b[i] >> 4];
      out += hex[b[i] & 15];
    }
    return out;
  };
}

BlockIdGenerator sequentialBlockIds(std::string prefix) {
  auto n = std::make_shared<uint64_t>(0);
  return [n, prefix = std::move(prefix)] { return prefix + std::to_string(++*n); };
}

}  // namespace roundtable::plan
