#include "store/crc32c.h"

#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace roundtable::store {
namespace {

uint32_t crcOf(std::string_view s) { return crc32c({reinterpret_cast<const uint8_t*>(s.data()), s.size()}); }

// Check values of RFC 3720 (iSCSI), appendix B.4, and the usual "123456789".
TEST(StoreCrc32c, KnownValues) {
  EXPECT_EQ(crcOf(""), 0x00000000u);
  EXPECT_EQ(crcOf("123456789"), 0xE3069283u);
  EXPECT_EQ(crc32c(std::vector<uint8_t>(32, 0x00)), 0x8A9136AAu);
  EXPECT_EQ(crc32c(std::vector<uint8_t>(32, 0xFF)), 0x62A8AB43u);
  std::vector<uint8_t> ascending(32);
  for (int i = 0; i < 32; ++i) ascending[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(crc32c(ascending), 0x46DD794Eu);
}

// Every length and alignment (the hardware path takes 8 bytes at a time).
TEST(StoreCrc32c, OneFlippedBitChangesIt) {
  std::vector<uint8_t> data(100);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 7);
  for (size_t len = 1; len < data.size(); ++len) {
    std::span<const uint8_t> part(data.data() + 1, len - 1);
    uint32_t before = crc32c(part);
    for (size_t at = 0; at < part.size(); ++at) {
      data[1 + at] ^= 0x10;
      EXPECT_NE(crc32c(part), before) << len << " " << at;
      data[1 + at] ^= 0x10;
    }
  }
}

}  // namespace
}  // namespace roundtable::store
