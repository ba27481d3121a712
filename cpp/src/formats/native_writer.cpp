// Writes a Model in sapwood's own format (docs/format.md).
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "formats/json.hpp"
#include "formats/native_io.hpp"
#include "formats/native_layout.hpp"
#include "sapwood/error.hpp"
#include "util/crc32.hpp"

namespace sapwood::detail::native {
namespace {

class Writer {
 public:
  template <class T>
  void add(SectionId id, ElementType type, const std::vector<T>& values) {
    sections_.push_back({id, type, to_little_endian(values)});
  }

  void add_text(SectionId id, const std::string& text) {
    sections_.push_back({id, ElementType::kU8, std::vector<std::uint8_t>(text.begin(), text.end())});
  }

  std::vector<std::uint8_t> finish() const {
    const std::uint64_t table_offset = kHeaderSize;
    std::uint64_t offset = align(table_offset + kSectionEntrySize * sections_.size());
    std::vector<std::uint8_t> table;
    std::vector<std::uint64_t> offsets;
    for (const Section& section : sections_) {
      offsets.push_back(offset);
      put<std::uint32_t>(&table, static_cast<std::uint32_t>(section.id));
      put<std::uint32_t>(&table, static_cast<std::uint32_t>(section.type));
      put<std::uint64_t>(&table, offset);
      put<std::uint64_t>(&table, section.bytes.size() / element_size(section.type));
      put<std::uint32_t>(&table, crc32(section.bytes.data(), section.bytes.size()));
      put<std::uint32_t>(&table, 0);
      offset = align(offset + section.bytes.size());
    }
    std::vector<std::uint8_t> file(offset, 0);
    std::memcpy(file.data(), kMagic, sizeof kMagic);
    std::vector<std::uint8_t> header;
    put<std::uint32_t>(&header, kFormatVersion);
    put<std::uint32_t>(&header, kHeaderSize);
    put<std::uint64_t>(&header, offset);
    put<std::uint32_t>(&header, static_cast<std::uint32_t>(sections_.size()));
    put<std::uint32_t>(&header, 0);
    put<std::uint64_t>(&header, table_offset);
    put<std::uint32_t>(&header, crc32(table.data(), table.size()));
    std::memcpy(file.data() + kHeaderVersion, header.data(), header.size());
    const std::uint32_t header_crc = crc32(file.data(), kHeaderCrc);
    std::vector<std::uint8_t> crc_bytes;
    put<std::uint32_t>(&crc_bytes, header_crc);
    std::memcpy(file.data() + kHeaderCrc, crc_bytes.data(), crc_bytes.size());
    std::memcpy(file.data() + table_offset, table.data(), table.size());
    for (std::size_t i = 0; i < sections_.size(); ++i) {
      if (!sections_[i].bytes.empty()) {
        std::memcpy(file.data() + offsets[i], sections_[i].bytes.data(), sections_[i].bytes.size());
      }
    }
    return file;
  }

 private:
  struct Section {
    SectionId id;
    ElementType type;
    std::vector<std::uint8_t> bytes;
  };

  static std::uint64_t align(std::uint64_t offset) { return (offset + kAlignment - 1) / kAlignment * kAlignment; }

  std::vector<Section> sections_;
};

std::string info_json(const ModelInfo& info) {
  using json::Value;
  const auto strings = [](const std::vector<std::string>& items) {
    std::vector<Value> values;
    for (const auto& item : items) values.push_back(Value::string(item));
    return Value::array(std::move(values));
  };
  return json::to_json(Value::object({
      {"feature_names", strings(info.feature_names)},
      {"feature_types", strings(info.feature_types)},
      {"source", Value::string(info.source)},
      {"objective", Value::string(info.objective)},
      {"trees_per_iteration", Value::number(info.trees_per_iteration, static_cast<float>(info.trees_per_iteration))},
      {"categories_json", Value::string(info.categories_json)},
      {"metadata_json", Value::string(info.metadata_json)},
      {"written_by", Value::string(std::string("sapwood ") + SAPWOOD_VERSION)},
  }));
}

}  // namespace

std::vector<std::uint8_t> write_native(const Model& model) {
  Writer writer;
  std::vector<std::int64_t> scalars(kScalarCount, 0);
  if (const ForestSpec* f = model.forest_spec()) {
    scalars[kKind] = 0;
    scalars[kFeatures] = f->n_features;
    scalars[kOutputs] = f->n_outputs;
    scalars[kLeafSize] = f->leaf_size;
    scalars[kTransform] = static_cast<std::int64_t>(f->transform);
    scalars[kClassRule] = static_cast<std::int64_t>(f->class_rule);
    scalars[kAggregation] = static_cast<std::int64_t>(f->aggregation);
    scalars[kInputPrecision] = static_cast<std::int64_t>(f->input_precision);
    scalars[kAccumulation] = static_cast<std::int64_t>(f->accumulation);
    writer.add(SectionId::kScalars, ElementType::kI64, scalars);
    writer.add(SectionId::kRealScalars, ElementType::kF64, std::vector<double>{f->transform_param, f->zero_threshold});
    writer.add_text(SectionId::kInfo, info_json(f->info));
    writer.add(SectionId::kTreeOffsets, ElementType::kI64, f->tree_offsets);
    writer.add(SectionId::kTreeOutputs, ElementType::kI32, f->tree_outputs);
    writer.add(SectionId::kLeftChild, ElementType::kI32, f->left_child);
    writer.add(SectionId::kRightChild, ElementType::kI32, f->right_child);
    writer.add(SectionId::kFeature, ElementType::kI32, f->feature);
    writer.add(SectionId::kThreshold, ElementType::kF64, f->threshold);
    writer.add(SectionId::kSplitFlags, ElementType::kU8, f->split_flags);
    writer.add(SectionId::kLeafValues, ElementType::kF64, f->leaf_values);
    writer.add(SectionId::kCategoryOffsets, ElementType::kI64, f->category_offsets);
    writer.add(SectionId::kCategories, ElementType::kI32, f->categories);
    writer.add(SectionId::kBaseScore, ElementType::kF64, f->base_score);
    writer.add(SectionId::kLinearOffsets, ElementType::kI64, f->linear_offsets);
    writer.add(SectionId::kLinearFeatures, ElementType::kI32, f->linear_features);
    writer.add(SectionId::kLinearCoefs, ElementType::kF64, f->linear_coefs);
    writer.add(SectionId::kLinearConst, ElementType::kF64, f->linear_const);
  } else {
    const LinearSpec* l = model.linear_spec();
    scalars[kKind] = 1;
    scalars[kFeatures] = l->n_features;
    scalars[kOutputs] = l->n_outputs;
    scalars[kTransform] = static_cast<std::int64_t>(l->transform);
    scalars[kClassRule] = static_cast<std::int64_t>(l->class_rule);
    writer.add(SectionId::kScalars, ElementType::kI64, scalars);
    writer.add(SectionId::kRealScalars, ElementType::kF64, std::vector<double>{l->transform_param, 0.0});
    writer.add_text(SectionId::kInfo, info_json(l->info));
    writer.add(SectionId::kCoef, ElementType::kF64, l->coef);
    writer.add(SectionId::kIntercept, ElementType::kF64, l->intercept);
  }
  return writer.finish();
}

}  // namespace sapwood::detail::native
