// CRC-32 (IEEE 802.3, the zlib polynomial), used to checksum sections of sapwood files.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sapwood::detail {

std::uint32_t crc32(const void* data, std::size_t size, std::uint32_t crc = 0);

}  // namespace sapwood::detail
