// CRC-32C (Castagnoli), the checksum the store keeps with each stored update
// (docs/storage.md). Uses the SSE4.2 crc32 instruction when the CPU has it,
// a table otherwise; both give the same values. Written here because Debian
// 12 packages no CRC-32C library, and zlib's crc32 is the other polynomial
// and table-driven (several times slower than the instruction).
//
//   uint32_t c = crc32c(bytes);           // crc32c("123456789") == 0xE3069283
#pragma once

#include <cstdint>
#include <span>

namespace roundtable::store {

uint32_t crc32c(std::span<const uint8_t> data);

}  // namespace roundtable::store
