// sapwood's own format: the writer, the reader, and the little-endian encoding they share.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

#include "formats/native_layout.hpp"
#include "sapwood/model.hpp"

namespace sapwood::detail::native {

std::vector<std::uint8_t> write_native(const Model& model);
Model read_native(const std::uint8_t* data, std::size_t size);

inline bool host_is_little_endian() {
  const std::uint16_t probe = 1;
  std::uint8_t first = 0;
  std::memcpy(&first, &probe, 1);
  return first == 1;
}

inline std::size_t element_size(ElementType type) {
  switch (type) {
    case ElementType::kU8: return 1;
    case ElementType::kI32: return 4;
    case ElementType::kI64: return 8;
    case ElementType::kF64: return 8;
  }
  return 0;
}

// Appends `value` to `out` in little-endian byte order.
template <class T>
void put(std::vector<std::uint8_t>* out, T value) {
  std::uint8_t bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  if (!host_is_little_endian()) {
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
  }
  out->insert(out->end(), bytes, bytes + sizeof(T));
}

// Reads a little-endian T at `data` (no alignment needed).
template <class T>
T get(const std::uint8_t* data) {
  std::uint8_t bytes[sizeof(T)];
  std::memcpy(bytes, data, sizeof(T));
  if (!host_is_little_endian()) {
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(bytes[i], bytes[sizeof(T) - 1 - i]);
  }
  T value;
  std::memcpy(&value, bytes, sizeof(T));
  return value;
}

template <class T>
std::vector<std::uint8_t> to_little_endian(const std::vector<T>& values) {
  std::vector<std::uint8_t> out;
  out.reserve(values.size() * sizeof(T));
  for (const T& v : values) put<T>(&out, v);
  return out;
}

}  // namespace sapwood::detail::native
