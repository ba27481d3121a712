// sapwood's own format: models round-trip exactly, and damaged files are refused with a
// clear error (never a crash, never an allocation larger than the file).
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "check.hpp"
#include "formats/native_io.hpp"
#include "util/crc32.hpp"
#include "model_fixtures.hpp"
#include "sapwood/sapwood.hpp"

using sapwood::ErrorCode;
using sapwood::ForestSpec;
using sapwood::Model;
using namespace sapwood_test;
namespace native = sapwood::detail::native;

namespace {

Model rich_forest() {
  ForestSpec spec = two_trees();
  spec.split_flags[0] = sapwood::split::kCategorical;
  spec.category_offsets = {0, 2, 2, 2, 2, 2, 2, 2, 2};
  spec.categories = {1, 5};
  spec.base_score = {0.125};
  spec.transform = sapwood::Transform::kSigmoid;
  spec.transform_param = 2.0;
  spec.class_rule = sapwood::ClassRule::kRawPositive;
  spec.input_precision = sapwood::Precision::kFloat32;
  spec.zero_threshold = 1e-35;
  spec.info.feature_names = {"a", "b\"quoted\""};
  spec.info.source = "test";
  spec.info.objective = "binary:logistic";
  spec.info.trees_per_iteration = 1;
  spec.info.metadata_json = R"({"classes": [0, 1]})";
  return Model::from_forest(spec);
}

std::vector<double> predictions(const Model& model) {
  const double x[] = {0, 0, 1, 1.5, 5, 5, -1, 0.5, 1e-36, 3};
  return model.predict(sapwood::MatrixView::row_major(x, 5, 2));
}

void patch_u64(std::vector<std::uint8_t>* bytes, std::size_t at, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) (*bytes)[at + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace

SAPWOOD_TEST(crc32_matches_the_standard_check_value) {
  CHECK(sapwood::detail::crc32("123456789", 9) == 0xCBF43926u);
  CHECK(sapwood::detail::crc32("", 0) == 0u);
}

SAPWOOD_TEST(forest_round_trips_exactly) {
  const Model model = rich_forest();
  const std::vector<std::uint8_t> bytes = sapwood::save_model_to_memory(model);
  CHECK(sapwood::detect_format(bytes.data(), bytes.size()) == sapwood::ModelFormat::kSapwood);
  CHECK(bytes.size() % 64 == 0);
  const Model loaded = sapwood::load_model_from_memory(bytes.data(), bytes.size());
  CHECK(predictions(loaded) == predictions(model));
  CHECK(loaded.info().feature_names == model.info().feature_names);
  CHECK(loaded.info().metadata_json == model.info().metadata_json);
  CHECK(loaded.info().objective == "binary:logistic");
  CHECK(loaded.forest_spec()->zero_threshold == 1e-35);
  CHECK(loaded.forest_spec()->categories == model.forest_spec()->categories);
  // Saving again gives the same bytes: the format is deterministic.
  CHECK(sapwood::save_model_to_memory(loaded) == bytes);
}

SAPWOOD_TEST(linear_model_round_trips_through_a_file) {
  sapwood::LinearSpec spec;
  spec.n_features = 2;
  spec.n_outputs = 3;
  spec.coef = {1, 2, 3, 4, 5, 6.5};
  spec.intercept = {0.1, 0.2, 0.3};
  spec.transform = sapwood::Transform::kSoftmax;
  spec.class_rule = sapwood::ClassRule::kArgmaxRaw;
  const Model model = Model::from_linear(spec);
  const std::string path = "sapwood_test_native_linear.sapwood";
  sapwood::save_model(model, path);
  const Model loaded = sapwood::load_model(path);
  std::remove(path.c_str());
  const double x[] = {1, 2, -3, 0.5};
  const auto view = sapwood::MatrixView::row_major(x, 2, 2);
  CHECK(loaded.predict(view) == model.predict(view));
  CHECK(loaded.linear_spec()->coef == spec.coef);
}

SAPWOOD_TEST(every_truncation_is_refused) {
  const std::vector<std::uint8_t> bytes = sapwood::save_model_to_memory(rich_forest());
  for (std::size_t n = 0; n < bytes.size(); n += 7) {
    CHECK_THROWS(native::read_native(bytes.data(), n), ErrorCode::kInvalidModel, "invalid sapwood model file");
  }
}

SAPWOOD_TEST(every_flipped_byte_is_detected) {
  // Every byte is covered by the header checksum, the table checksum, a section checksum or
  // is padding; flipping a non-padding byte must fail, flipping padding may pass.
  const Model model = rich_forest();
  const std::vector<std::uint8_t> bytes = sapwood::save_model_to_memory(model);
  const std::vector<double> expected = predictions(model);
  int refused = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    std::vector<std::uint8_t> damaged = bytes;
    damaged[i] ^= 0x5A;
    try {
      const Model loaded = native::read_native(damaged.data(), damaged.size());
      CHECK(predictions(loaded) == expected);  // padding only
    } catch (const sapwood::Error& e) {
      ++refused;
      CHECK(e.code() == ErrorCode::kInvalidModel || e.code() == ErrorCode::kUnsupported);
    }
  }
  CHECK(refused > 0);
}

SAPWOOD_TEST(hostile_headers_are_refused) {
  const std::vector<std::uint8_t> bytes = sapwood::save_model_to_memory(rich_forest());
  std::vector<std::uint8_t> damaged = bytes;
  damaged[0] = 'X';
  CHECK_THROWS(native::read_native(damaged.data(), damaged.size()), ErrorCode::kInvalidModel, "wrong magic");
  // A header that passes its checksum but lies: recompute the CRC after each edit.
  const auto resign = [](std::vector<std::uint8_t>* b) {
    const std::uint32_t crc = sapwood::detail::crc32(b->data(), native::kHeaderCrc);
    for (int i = 0; i < 4; ++i) (*b)[native::kHeaderCrc + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
  };
  damaged = bytes;
  damaged[native::kHeaderVersion] = 99;
  resign(&damaged);
  CHECK_THROWS(native::read_native(damaged.data(), damaged.size()), ErrorCode::kUnsupported, "version 99");
  damaged = bytes;
  patch_u64(&damaged, native::kHeaderFileSize, std::uint64_t{1} << 60);
  resign(&damaged);
  CHECK_THROWS(native::read_native(damaged.data(), damaged.size()), ErrorCode::kInvalidModel, "header says");
  damaged = bytes;
  damaged[native::kHeaderSectionCount] = 0xFF;
  damaged[native::kHeaderSectionCount + 1] = 0xFF;
  resign(&damaged);
  CHECK_THROWS(native::read_native(damaged.data(), damaged.size()), ErrorCode::kInvalidModel, "too many sections");
  damaged = bytes;
  patch_u64(&damaged, native::kHeaderTableOffset, std::uint64_t{1} << 62);
  resign(&damaged);
  CHECK_THROWS(native::read_native(damaged.data(), damaged.size()), ErrorCode::kInvalidModel, "out of bounds");
}

SAPWOOD_TEST(hostile_section_entries_are_refused) {
  // Rewrite one table entry (and the table checksum, so the lie is only in the entry).
  const std::vector<std::uint8_t> bytes = sapwood::save_model_to_memory(rich_forest());
  const auto with_entry = [&](std::size_t field, std::uint64_t value, int width) {
    std::vector<std::uint8_t> b = bytes;
    const std::size_t entry = native::kHeaderSize + 3 * native::kSectionEntrySize;  // the 4th section
    for (int i = 0; i < width; ++i) b[entry + field + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(value >> (8 * i));
    const auto count = native::get<std::uint32_t>(b.data() + native::kHeaderSectionCount);
    const std::uint32_t table_crc = sapwood::detail::crc32(b.data() + native::kHeaderSize, count * native::kSectionEntrySize);
    for (int i = 0; i < 4; ++i) b[native::kHeaderTableCrc + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(table_crc >> (8 * i));
    const std::uint32_t crc = sapwood::detail::crc32(b.data(), native::kHeaderCrc);
    for (int i = 0; i < 4; ++i) b[native::kHeaderCrc + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
    return b;
  };
  std::vector<std::uint8_t> b = with_entry(16, std::uint64_t{1} << 60, 8);  // a node count of 2^60
  CHECK_THROWS(native::read_native(b.data(), b.size()), ErrorCode::kInvalidModel, "beyond the end");
  b = with_entry(8, 1u << 20, 8);
  CHECK_THROWS(native::read_native(b.data(), b.size()), ErrorCode::kInvalidModel, "beyond the end");
  b = with_entry(8, 65, 8);
  CHECK_THROWS(native::read_native(b.data(), b.size()), ErrorCode::kInvalidModel, "not aligned");
  b = with_entry(4, 9, 4);
  CHECK_THROWS(native::read_native(b.data(), b.size()), ErrorCode::kInvalidModel, "unknown element type");
  b = with_entry(0, 1, 4);  // a second scalars section
  CHECK_THROWS(native::read_native(b.data(), b.size()), ErrorCode::kInvalidModel, "appears twice");
  b = with_entry(24, 12345, 4);
  CHECK_THROWS(native::read_native(b.data(), b.size()), ErrorCode::kInvalidModel, "checksum mismatch");
}

SAPWOOD_TEST_MAIN()
