// The layout of sapwood's own model file (docs/format.md): a fixed header, a table of
// sections, then one 64-byte-aligned section per array. Shared by the writer and reader.
#pragma once

#include <cstdint>

namespace sapwood::detail::native {

constexpr char kMagic[8] = {'S', 'A', 'P', 'W', 'O', 'O', 'D', '\0'};
constexpr std::uint32_t kFormatVersion = 1;
constexpr std::uint32_t kHeaderSize = 64;
constexpr std::uint32_t kSectionEntrySize = 32;
constexpr std::uint32_t kAlignment = 64;
constexpr std::uint32_t kMaxSections = 256;

// Header byte offsets (all fields little-endian).
constexpr std::uint32_t kHeaderVersion = 8;        // u32
constexpr std::uint32_t kHeaderHeaderSize = 12;    // u32
constexpr std::uint32_t kHeaderFileSize = 16;      // u64
constexpr std::uint32_t kHeaderSectionCount = 24;  // u32
constexpr std::uint32_t kHeaderFlags = 28;         // u32, 0
constexpr std::uint32_t kHeaderTableOffset = 32;   // u64
constexpr std::uint32_t kHeaderTableCrc = 40;      // u32, CRC-32 of the section table
constexpr std::uint32_t kHeaderCrc = 44;           // u32, CRC-32 of bytes [0, 44)

enum class ElementType : std::uint32_t { kU8 = 1, kI32 = 2, kI64 = 3, kF64 = 4 };

enum class SectionId : std::uint32_t {
  kScalars = 1,      // i64: see Scalar
  kRealScalars = 2,  // f64: transform_param, zero_threshold
  kInfo = 3,         // u8: JSON object with the model's metadata (ModelInfo)
  kTreeOffsets = 10,
  kTreeOutputs = 11,
  kLeftChild = 12,
  kRightChild = 13,
  kFeature = 14,
  kThreshold = 15,
  kSplitFlags = 16,
  kLeafValues = 17,
  kCategoryOffsets = 18,
  kCategories = 19,
  kBaseScore = 20,
  kLinearOffsets = 21,
  kLinearFeatures = 22,
  kLinearCoefs = 23,
  kLinearConst = 24,
  kCoef = 30,
  kIntercept = 31,
};

// Positions in the kScalars section.
enum Scalar : int {
  kKind = 0,  // 0 forest, 1 linear
  kFeatures,
  kOutputs,
  kLeafSize,
  kTransform,
  kClassRule,
  kAggregation,
  kInputPrecision,
  kAccumulation,
  kScalarCount,
};

}  // namespace sapwood::detail::native
