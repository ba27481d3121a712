// Reads sapwood's own format (docs/format.md). Every field of the header and section table
// is checked before it is used: sizes against the bytes present (so no count can make the
// reader allocate more than the file holds), element types, alignment, overlap-free
// bounds and checksums. The arrays then go through the same validation as any model.
#include <limits>
#include <string>
#include <vector>

#include "formats/json.hpp"
#include "formats/native_io.hpp"
#include "sapwood/error.hpp"
#include "util/crc32.hpp"

namespace sapwood::detail::native {
namespace {

[[noreturn]] void corrupt(const std::string& message) {
  throw Error(ErrorCode::kInvalidModel, "invalid sapwood model file: " + message);
}

struct SectionRef {
  ElementType type;
  const std::uint8_t* data;
  std::uint64_t count;
};

class Reader {
 public:
  Reader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {
    if (size < kHeaderSize) corrupt("shorter than its header");
    if (std::memcmp(data, kMagic, sizeof kMagic) != 0) corrupt("wrong magic number");
    if (get<std::uint32_t>(data + kHeaderCrc) != crc32(data, kHeaderCrc)) corrupt("header checksum mismatch");
    const auto version = get<std::uint32_t>(data + kHeaderVersion);
    if (version != kFormatVersion) {
      throw Error(ErrorCode::kUnsupported, "sapwood model file version " + std::to_string(version) +
                                               " is not supported (this sapwood reads version " +
                                               std::to_string(kFormatVersion) + "); upgrade sapwood");
    }
    if (get<std::uint32_t>(data + kHeaderHeaderSize) != kHeaderSize) corrupt("unexpected header size");
    if (get<std::uint64_t>(data + kHeaderFileSize) != size) {
      corrupt("the file holds " + std::to_string(size) + " bytes but its header says " +
              std::to_string(get<std::uint64_t>(data + kHeaderFileSize)) + " (truncated or padded?)");
    }
    if (get<std::uint32_t>(data + kHeaderFlags) != 0) corrupt("unknown header flags");
    const auto count = get<std::uint32_t>(data + kHeaderSectionCount);
    const auto table = get<std::uint64_t>(data + kHeaderTableOffset);
    if (count > kMaxSections) corrupt("too many sections (" + std::to_string(count) + ")");
    if (table < kHeaderSize || table > size || (size - table) / kSectionEntrySize < count) {
      corrupt("section table out of bounds");
    }
    if (get<std::uint32_t>(data + kHeaderTableCrc) != crc32(data + table, std::size_t{count} * kSectionEntrySize)) {
      corrupt("section table checksum mismatch");
    }
    table_begin_ = table;
    table_end_ = table + std::uint64_t{count} * kSectionEntrySize;
    for (std::uint32_t i = 0; i < count; ++i) read_entry(data + table + std::size_t{i} * kSectionEntrySize);
  }

  template <class T>
  std::vector<T> array(SectionId id, ElementType type) const {
    const SectionRef* section = find(id);
    if (section == nullptr) return {};
    if (section->type != type) corrupt("section " + std::to_string(static_cast<std::uint32_t>(id)) + " has the wrong element type");
    std::vector<T> out(static_cast<std::size_t>(section->count));
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = get<T>(section->data + i * sizeof(T));
    return out;
  }

  std::string text(SectionId id) const {
    const std::vector<std::uint8_t> bytes = array<std::uint8_t>(id, ElementType::kU8);
    return std::string(bytes.begin(), bytes.end());
  }

  bool has(SectionId id) const { return find(id) != nullptr; }

 private:
  void read_entry(const std::uint8_t* entry) {
    const auto id = get<std::uint32_t>(entry);
    const auto type = get<std::uint32_t>(entry + 4);
    const auto offset = get<std::uint64_t>(entry + 8);
    const auto count = get<std::uint64_t>(entry + 16);
    const auto crc = get<std::uint32_t>(entry + 24);
    const std::string name = "section " + std::to_string(id);
    if (type < 1 || type > 4) corrupt(name + " has unknown element type " + std::to_string(type));
    const std::size_t width = element_size(static_cast<ElementType>(type));
    if (offset % kAlignment != 0) corrupt(name + " is not aligned");
    if (offset > size_ || count > (size_ - offset) / width) corrupt(name + " extends beyond the end of the file");
    const std::uint64_t end = offset + count * width;  // no overflow: checked against size_ above
    // Each section's bytes are its own: not the header's, not the table's, not another's.
    if (count > 0) {
      if (offset < kHeaderSize) corrupt(name + " overlaps the header");
      if (offset < table_end_ && table_begin_ < end) corrupt(name + " overlaps the section table");
    }
    for (const auto& [seen_id, ref] : sections_) {
      if (seen_id == id) corrupt(name + " appears twice");
      const auto seen_begin = static_cast<std::uint64_t>(ref.data - data_);
      const std::uint64_t seen_end = seen_begin + ref.count * element_size(ref.type);
      if (count > 0 && ref.count > 0 && offset < seen_end && seen_begin < end) {
        corrupt(name + " overlaps section " + std::to_string(seen_id));
      }
    }
    const std::uint8_t* begin = data_ + offset;
    if (crc32(begin, static_cast<std::size_t>(count * width)) != crc) corrupt(name + " checksum mismatch");
    sections_.push_back({id, {static_cast<ElementType>(type), begin, count}});
  }

  const SectionRef* find(SectionId id) const {
    for (const auto& [seen_id, ref] : sections_) {
      if (seen_id == static_cast<std::uint32_t>(id)) return &ref;
    }
    return nullptr;
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::uint64_t table_begin_ = 0;
  std::uint64_t table_end_ = 0;
  std::vector<std::pair<std::uint32_t, SectionRef>> sections_;
};

std::int32_t int32_scalar(const std::vector<std::int64_t>& scalars, Scalar which, const char* name) {
  const std::int64_t value = scalars[static_cast<std::size_t>(which)];
  if (value < std::numeric_limits<std::int32_t>::min() || value > std::numeric_limits<std::int32_t>::max()) {
    corrupt(std::string(name) + " out of range");
  }
  return static_cast<std::int32_t>(value);
}

template <class Enum>
Enum enum_scalar(const std::vector<std::int64_t>& scalars, Scalar which, const char* name) {
  const std::int64_t value = scalars[static_cast<std::size_t>(which)];
  if (value < 0 || value > 255) corrupt(std::string(name) + " out of range");
  return static_cast<Enum>(value);  // the model validation rejects unknown values
}

ModelInfo read_info(const std::string& text) {
  ModelInfo info;
  if (text.empty()) return info;
  const json::Value doc = json::parse_json(text);
  const auto strings = [&](const char* key) {
    std::vector<std::string> out;
    if (const json::Value* list = doc.find(key)) {
      for (std::size_t i = 0; i < list->size(); ++i) out.push_back((*list)[i].as_string(key));
    }
    return out;
  };
  const auto string = [&](const char* key) {
    const json::Value* value = doc.find(key);
    return value != nullptr ? value->as_string(key) : std::string();
  };
  info.feature_names = strings("feature_names");
  info.feature_types = strings("feature_types");
  info.source = string("source");
  info.objective = string("objective");
  info.categories_json = string("categories_json");
  info.metadata_json = string("metadata_json");
  if (const json::Value* value = doc.find("trees_per_iteration")) {
    info.trees_per_iteration = static_cast<std::int32_t>(value->as_int("trees_per_iteration", 0, INT32_MAX));
  }
  return info;
}

}  // namespace

Model read_native(const std::uint8_t* data, std::size_t size) {
  const Reader reader(data, size);
  const std::vector<std::int64_t> scalars = reader.array<std::int64_t>(SectionId::kScalars, ElementType::kI64);
  const std::vector<double> reals = reader.array<double>(SectionId::kRealScalars, ElementType::kF64);
  if (scalars.size() < kScalarCount) corrupt("missing model scalars");
  if (reals.size() < 2) corrupt("missing model parameters");
  const ModelInfo info = read_info(reader.text(SectionId::kInfo));
  const std::int64_t kind = scalars[kKind];
  if (kind == 1) {
    LinearSpec spec;
    spec.n_features = int32_scalar(scalars, kFeatures, "n_features");
    spec.n_outputs = int32_scalar(scalars, kOutputs, "n_outputs");
    spec.transform = enum_scalar<Transform>(scalars, kTransform, "transform");
    spec.class_rule = enum_scalar<ClassRule>(scalars, kClassRule, "class rule");
    spec.transform_param = reals[0];
    spec.coef = reader.array<double>(SectionId::kCoef, ElementType::kF64);
    spec.intercept = reader.array<double>(SectionId::kIntercept, ElementType::kF64);
    spec.info = info;
    return Model::from_linear(std::move(spec));
  }
  if (kind != 0) corrupt("unknown model kind " + std::to_string(kind));
  ForestSpec spec;
  spec.n_features = int32_scalar(scalars, kFeatures, "n_features");
  spec.n_outputs = int32_scalar(scalars, kOutputs, "n_outputs");
  spec.leaf_size = int32_scalar(scalars, kLeafSize, "leaf_size");
  spec.transform = enum_scalar<Transform>(scalars, kTransform, "transform");
  spec.class_rule = enum_scalar<ClassRule>(scalars, kClassRule, "class rule");
  spec.aggregation = enum_scalar<Aggregation>(scalars, kAggregation, "aggregation");
  spec.input_precision = enum_scalar<Precision>(scalars, kInputPrecision, "input precision");
  spec.accumulation = enum_scalar<Precision>(scalars, kAccumulation, "accumulation");
  spec.transform_param = reals[0];
  spec.zero_threshold = reals[1];
  spec.tree_offsets = reader.array<std::int64_t>(SectionId::kTreeOffsets, ElementType::kI64);
  spec.tree_outputs = reader.array<std::int32_t>(SectionId::kTreeOutputs, ElementType::kI32);
  spec.left_child = reader.array<std::int32_t>(SectionId::kLeftChild, ElementType::kI32);
  spec.right_child = reader.array<std::int32_t>(SectionId::kRightChild, ElementType::kI32);
  spec.feature = reader.array<std::int32_t>(SectionId::kFeature, ElementType::kI32);
  spec.threshold = reader.array<double>(SectionId::kThreshold, ElementType::kF64);
  spec.split_flags = reader.array<std::uint8_t>(SectionId::kSplitFlags, ElementType::kU8);
  spec.leaf_values = reader.array<double>(SectionId::kLeafValues, ElementType::kF64);
  spec.category_offsets = reader.array<std::int64_t>(SectionId::kCategoryOffsets, ElementType::kI64);
  spec.categories = reader.array<std::int32_t>(SectionId::kCategories, ElementType::kI32);
  spec.base_score = reader.array<double>(SectionId::kBaseScore, ElementType::kF64);
  spec.linear_offsets = reader.array<std::int64_t>(SectionId::kLinearOffsets, ElementType::kI64);
  spec.linear_features = reader.array<std::int32_t>(SectionId::kLinearFeatures, ElementType::kI32);
  spec.linear_coefs = reader.array<double>(SectionId::kLinearCoefs, ElementType::kF64);
  spec.linear_const = reader.array<double>(SectionId::kLinearConst, ElementType::kF64);
  spec.info = info;
  return Model::from_forest(std::move(spec));
}

}  // namespace sapwood::detail::native
