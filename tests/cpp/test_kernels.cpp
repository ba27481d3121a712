// Every kernel level against the scalar reference: random forests that use every numeric
// split rule (< and <=, default directions, NaN as zero, zero as missing, categorical nodes,
// thresholds at and beyond the float32 range and at infinities), in float32 and float64 input
// precision and accumulation, predicted on rows that sit on the thresholds and their
// neighbours, must give bit-identical margins under each level this CPU supports; the
// dot-product kernels must agree with a sequential sum to rounding.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "check.hpp"
#include "compile/forest_engine.hpp"
#include "compile/forest_layout.hpp"
#include "ir/forest.hpp"
#include "kernels/dispatch.hpp"
#include "model_fixtures.hpp"
#include "sapwood/sapwood.hpp"

using sapwood::ForestSpec;
using sapwood::MatrixView;
using sapwood::Model;
using sapwood::Output;
using sapwood::PredictOptions;
using sapwood::Precision;
namespace split = sapwood::split;
namespace kernels = sapwood::kernels;
namespace compile = sapwood::compile;
using namespace sapwood_test;

namespace {

const double kInf = std::numeric_limits<double>::infinity();
const double kNaN = std::numeric_limits<double>::quiet_NaN();

std::int64_t n_nodes(const ForestSpec& spec) { return static_cast<std::int64_t>(spec.left_child.size()); }

struct Rules {
  bool missing_rules;
  bool categorical;
  // Categorical nodes on a third of the splits, each listing a random set of categories
  // 0..39 (several bitset words, more than 32 nodes a column), either side, truncating or not.
  bool many_categories = false;
};

// A random tree of up to `depth` levels appended to spec (every internal node random); below
// level 1 a node stays a leaf with probability stop_percent / 100.
void add_tree(ForestSpec& spec, std::mt19937_64& rng, int depth, const std::vector<double>& thresholds,
              Rules rules, int stop_percent = 25) {
  const auto base = static_cast<std::int32_t>(spec.left_child.size());
  std::vector<std::pair<std::int32_t, int>> open{{0, 0}};
  std::int32_t size = 1;
  std::vector<std::int32_t> left{-1}, right{-1}, feature{0};
  std::vector<double> threshold{0.0};
  std::vector<std::uint8_t> flags{0};
  std::vector<std::vector<std::int32_t>> categories(1);  // per node
  std::uniform_int_distribution<int> coin(0, 99);
  while (!open.empty()) {
    const auto [node, level] = open.back();
    open.pop_back();
    if (level >= depth || (level > 1 && coin(rng) < stop_percent)) continue;
    left[node] = size;
    right[node] = size + 1;
    for (int c = 0; c < 2; ++c) {
      left.push_back(-1);
      right.push_back(-1);
      feature.push_back(0);
      threshold.push_back(0.0);
      flags.push_back(0);
      categories.emplace_back();
      open.emplace_back(size + c, level + 1);
    }
    size += 2;
    feature[node] = static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(spec.n_features));
    threshold[node] = thresholds[rng() % thresholds.size()];
    std::uint8_t f = 0;
    if (coin(rng) < 50) f |= split::kLessEqual;
    if (coin(rng) < 50) f |= split::kDefaultLeft;
    if (rules.missing_rules && coin(rng) < 20) f |= split::kNanAsZero;
    if (rules.missing_rules && coin(rng) < 5) f |= split::kZeroIsMissing;
    if (rules.categorical && !rules.many_categories && coin(rng) < 5) {
      f = static_cast<std::uint8_t>(split::kCategorical | (f & split::kDefaultLeft));
      categories[static_cast<std::size_t>(node)] = {0, 2};
    }
    if (rules.many_categories && coin(rng) < 33) {
      f = static_cast<std::uint8_t>(split::kCategorical | (f & split::kDefaultLeft));
      if (coin(rng) < 50) f |= split::kCategoriesRight;
      if (coin(rng) < 50) f |= split::kTruncateCategory;
      const int keep_percent = 5 + coin(rng) % 60;
      for (std::int32_t c = 0; c < 40; ++c) {
        if (coin(rng) < keep_percent) categories[static_cast<std::size_t>(node)].push_back(c);
      }
    }
    flags[node] = f;
  }
  for (std::int32_t n = 0; n < size; ++n) {
    spec.left_child.push_back(left[n]);
    spec.right_child.push_back(right[n]);
    spec.feature.push_back(feature[n]);
    spec.threshold.push_back(threshold[n]);
    spec.split_flags.push_back(flags[n]);
    spec.leaf_values.push_back(left[n] == -1 ? std::ldexp(static_cast<double>(rng() % 4096), -7) - 16.0 : 0.0);
    if (rules.categorical) {
      const auto& listed = categories[static_cast<std::size_t>(n)];
      spec.categories.insert(spec.categories.end(), listed.begin(), listed.end());
      spec.category_offsets.push_back(static_cast<std::int64_t>(spec.categories.size()));
    }
  }
  spec.tree_offsets.push_back(base + size);
  spec.tree_outputs.push_back(static_cast<std::int32_t>(spec.tree_outputs.size() % spec.n_outputs));
}

std::vector<double> thresholds_to_probe() {
  std::vector<double> t{0.0, -0.0, 0.5, -1.25, 1e-40, 1e300, -1e300, kInf, -kInf, 3.4028234663852886e38,
                        3.4028235677973366e38, 0.1, 2.0};
  for (double v : {0.1, 1.0 / 3.0, -7.3}) {
    t.push_back(std::nextafter(v, kInf));
    t.push_back(static_cast<double>(static_cast<float>(v)));
    t.push_back(static_cast<double>(std::nextafter(static_cast<float>(v), 10.0f)));
  }
  return t;
}

// Rows made of the thresholds, their float32 and float64 neighbours, NaN and random values.
std::vector<double> probe_rows(std::mt19937_64& rng, std::int64_t n_rows, std::int32_t n_features) {
  std::vector<double> values;
  for (double t : thresholds_to_probe()) {
    values.push_back(t);
    values.push_back(std::nextafter(t, kInf));
    values.push_back(std::nextafter(t, -kInf));
    if (std::fabs(t) < 1e38) {
      const auto f = static_cast<float>(t);
      values.push_back(static_cast<double>(std::nextafter(f, 1e30f)));
      values.push_back(static_cast<double>(std::nextafter(f, -1e30f)));
    }
  }
  values.push_back(kNaN);
  values.push_back(1.0);
  values.push_back(-0.3);
  // Category ids and what the sources do with values that are not one: fractions, -1, large.
  for (int c = 0; c <= 41; ++c) values.push_back(c);
  for (double v : {2.5, 39.99, -0.5, -1.0, -1.5, 1e10, 2147483648.0}) values.push_back(v);
  std::vector<double> rows(static_cast<std::size_t>(n_rows * n_features));
  for (double& v : rows) v = values[rng() % values.size()];
  return rows;
}

std::vector<double> predict_raw(const Model& model, const std::vector<double>& rows, std::int64_t n_rows,
                                std::int32_t n_cols, bool as_float, int n_threads = 1) {
  PredictOptions options;
  options.output = Output::kRaw;
  options.n_threads = n_threads;
  if (!as_float) return model.predict(MatrixView::row_major(rows.data(), n_rows, n_cols), options);
  std::vector<float> narrow(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) narrow[i] = static_cast<float>(rows[i]);
  return model.predict(MatrixView::row_major(narrow.data(), n_rows, n_cols), options);
}

bool identical(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!(a[i] == b[i]) && !(std::isnan(a[i]) && std::isnan(b[i]))) return false;
  }
  return true;
}

// Predicts under every supported level, walking and (where the layout has the form)
// QuickScorer, and checks each against "scalar".
void check_levels_agree(const Model& model, std::mt19937_64& rng, const std::string& what) {
  const std::int32_t n_cols = model.n_features();
  for (std::int64_t n_rows : {1, 5, 16, 33, 300}) {
    const std::vector<double> rows = probe_rows(rng, n_rows, n_cols);
    for (bool as_float : {false, true}) {
      sapwood::set_isa("scalar");
      const std::vector<double> expected = predict_raw(model, rows, n_rows, n_cols, as_float);
      for (const kernels::Isa isa : kernels::kAllIsas) {
        if (!kernels::isa_supported(isa)) continue;
        sapwood::set_isa(kernels::isa_name(isa));
        for (const char* traversal : {"walk", "gather", "quickscorer", "auto"}) {
          sapwood::set_traversal(traversal);
          if (!identical(predict_raw(model, rows, n_rows, n_cols, as_float), expected)) {
            fail(__FILE__, __LINE__, what + ": level " + kernels::isa_name(isa) + " (" + traversal +
                                         ") differs, rows " + std::to_string(n_rows) +
                                         (as_float ? " float32" : " float64"));
          }
        }
      }
    }
  }
  sapwood::set_isa("");
  sapwood::set_traversal("");
}

ForestSpec random_spec(std::uint64_t seed, Precision input, Precision accumulation, Rules rules, int depth,
                      std::int32_t n_outputs = 1, int n_trees = 12, int stop_percent = 25) {
  std::mt19937_64 rng(seed);
  ForestSpec spec;
  spec.n_features = 7;
  spec.n_outputs = n_outputs;
  spec.tree_offsets = {0};
  if (rules.categorical) spec.category_offsets = {0};
  const std::vector<double> thresholds = thresholds_to_probe();
  std::vector<double> t32;  // float32 models may still carry float64 thresholds (scikit-learn)
  for (int i = 0; i < n_trees; ++i) add_tree(spec, rng, depth, thresholds, rules, stop_percent);
  spec.input_precision = input;
  spec.accumulation = accumulation;
  spec.base_score.assign(static_cast<std::size_t>(n_outputs), 0.25);
  return spec;
}

Model random_forest(std::uint64_t seed, Precision input, Precision accumulation, Rules rules, int depth,
                    std::int32_t n_outputs = 1) {
  return Model::from_forest(random_spec(seed, input, accumulation, rules, depth, n_outputs));
}

}  // namespace

SAPWOOD_TEST(scalar_and_portable_are_always_there) {
  CHECK(kernels::isa_supported(kernels::Isa::kScalar));
  CHECK(kernels::isa_supported(kernels::Isa::kPortable));
  CHECK_THROWS(sapwood::set_isa("sse9"), sapwood::ErrorCode::kInvalidArgument, "unknown instruction set");
  sapwood::set_isa("portable");
  CHECK(sapwood::runtime_info().isa_active == "portable");
  sapwood::set_isa("");
}

SAPWOOD_TEST(numeric_forests_match_the_reference_on_every_level) {
  std::mt19937_64 rng(1);
  for (Precision input : {Precision::kFloat32, Precision::kFloat64}) {
    for (Precision acc : {Precision::kFloat32, Precision::kFloat64}) {
      for (int depth : {1, 4, 9, 14}) {
        check_levels_agree(random_forest(static_cast<std::uint64_t>(depth) * 7 + 3, input, acc, {false, false}, depth),
                           rng, "numeric depth " + std::to_string(depth));
      }
    }
  }
}

SAPWOOD_TEST(missing_rules_and_categorical_trees_match_the_reference) {
  std::mt19937_64 rng(2);
  for (Precision input : {Precision::kFloat32, Precision::kFloat64}) {
    check_levels_agree(random_forest(11, input, Precision::kFloat64, {true, false}, 6), rng, "missing rules");
    check_levels_agree(random_forest(12, input, Precision::kFloat64, {true, true}, 6), rng, "categorical");
  }
}

SAPWOOD_TEST(category_columns_match_the_reference_on_every_level_and_traversal) {
  // Features read by both numeric and categorical nodes get a second column; depth 5 keeps
  // QuickScorer's 32-bit words, depth 6 its 64-bit ones; 60 bushy trees put more than 64
  // categorical nodes on a column (several words of its bucket bits).
  std::mt19937_64 rng(5);
  for (Precision input : {Precision::kFloat32, Precision::kFloat64}) {
    for (int depth : {5, 6}) {
      for (bool missing_rules : {false, true}) {
        Rules rules{missing_rules, true, true};
        const Model model =
            Model::from_forest(random_spec(40 + depth, input, Precision::kFloat64, rules, depth, 1, 60, 10));
        check_levels_agree(model, rng, "categories depth " + std::to_string(depth));
        const sapwood::ModelSummary summary = model.summary();
        CHECK(summary.n_reference_trees == 0 && summary.quickscorer_form && summary.n_categorical_trees == 60);
      }
    }
  }
}

SAPWOOD_TEST(zero_as_missing_columns_match_the_reference) {
  // Every numeric split treats zero as missing on half the features (their column reads 0 as
  // NaN) and mixes the rules on the others (a second column for the zero-as-missing nodes).
  std::mt19937_64 rng(6);
  for (Precision input : {Precision::kFloat32, Precision::kFloat64}) {
    ForestSpec spec = random_spec(77, input, Precision::kFloat64, {true, false}, 6, 1, 30);
    for (std::size_t n = 0; n < spec.split_flags.size(); ++n) {
      if (spec.feature[n] % 2 == 0) spec.split_flags[n] |= split::kZeroIsMissing;
    }
    const Model model = Model::from_forest(spec);
    check_levels_agree(model, rng, "zero as missing");
    CHECK(model.summary().n_reference_trees == 0);
  }
}

SAPWOOD_TEST(linear_leaves_match_the_reference_on_every_level) {
  // LightGBM's linear_tree: the compiled walk finds the leaf, its linear model reads the row
  // as gathered (0 stays 0 where a zero-as-missing column reads NaN, NaN falls back to the
  // leaf's constant). With categorical and zero-as-missing splits too.
  std::mt19937_64 rng(8);
  for (bool categorical : {false, true}) {
    ForestSpec spec = random_spec(91, Precision::kFloat64, Precision::kFloat64, {true, categorical, categorical}, 6, 1, 20);
    for (std::size_t n = 0; n < spec.split_flags.size(); ++n) {
      if (spec.feature[n] == 1 && (spec.split_flags[n] & split::kCategorical) == 0) spec.split_flags[n] |= split::kZeroIsMissing;
    }
    spec.linear_offsets = {0};
    for (std::size_t n = 0; n < spec.left_child.size(); ++n) {
      const std::size_t terms = spec.left_child[n] == -1 ? rng() % 4 : 0;
      for (std::size_t k = 0; k < terms; ++k) {
        spec.linear_features.push_back(static_cast<std::int32_t>(rng() % static_cast<std::uint64_t>(spec.n_features)));
        spec.linear_coefs.push_back(std::ldexp(static_cast<double>(rng() % 64), -4) - 2.0);
      }
      spec.linear_offsets.push_back(static_cast<std::int64_t>(spec.linear_features.size()));
      spec.linear_const.push_back(spec.left_child[n] == -1 ? std::ldexp(static_cast<double>(rng() % 64), -3) : 0.0);
    }
    const Model model = Model::from_forest(spec);
    CHECK(model.summary().compiled && model.summary().n_reference_trees == 0);
    check_levels_agree(model, rng, categorical ? "linear leaves, categorical" : "linear leaves");
  }
}

SAPWOOD_TEST(forests_bigger_than_a_tree_block_match_the_reference_with_and_without_nan) {
  // Bushy depth-12 trees (perfect all the way down) enough for several tree blocks, so rows
  // walk block by block, and rows that hold NaN in one chunk only (rows 300-309): the other
  // chunks take the NaN-free walks.
  for (Precision input : {Precision::kFloat32, Precision::kFloat64}) {
    const ForestSpec spec = random_spec(21, input, Precision::kFloat64, {false, false}, 12, 1, 60, 4);
    const auto layout = compile::compile_forest(sapwood::detail::make_forest(spec));
    CHECK(layout->tree_blocks.size() > 3);
    CHECK(layout->perfect_depth[0] == 12);
    const Model model = Model::from_forest(spec);
    const std::int32_t n_cols = model.n_features();
    std::mt19937_64 rng(22);
    for (std::int64_t n_rows : {1100, 40, 3}) {
      std::vector<double> rows = probe_rows(rng, n_rows, n_cols);
      for (std::int64_t i = 0; i < n_rows * n_cols; ++i) {
        const bool nan_chunk = n_rows > 300 && i / n_cols >= 300 && i / n_cols < 310;
        if (std::isnan(rows[static_cast<std::size_t>(i)]) && !nan_chunk) rows[static_cast<std::size_t>(i)] = 1.0;
        if (nan_chunk && i % 3 == 0) rows[static_cast<std::size_t>(i)] = kNaN;
      }
      for (bool as_float : {false, true}) {
        sapwood::set_isa("scalar");
        const std::vector<double> expected = predict_raw(model, rows, n_rows, n_cols, as_float);
        for (const kernels::Isa isa : kernels::kAllIsas) {
          if (!kernels::isa_supported(isa) || isa == kernels::Isa::kScalar) continue;
          sapwood::set_isa(kernels::isa_name(isa));
          for (int threads : {1, 2}) {
            CHECK(identical(predict_raw(model, rows, n_rows, n_cols, as_float, threads), expected));
          }
        }
      }
    }
  }
  sapwood::set_isa("");
}

SAPWOOD_TEST(strict_split_at_minus_infinity_sends_every_number_right) {
  for (Precision input : {Precision::kFloat32, Precision::kFloat64}) {
    ForestSpec spec = stump(-kInf, 0);
    spec.input_precision = input;
    const Model model = Model::from_forest(spec);
    // 4 rows walk alone; 12 (the same 4, three times) take the batch paths.
    std::vector<double> column{-kInf, -1e300, 0.0, kNaN};
    for (const kernels::Isa isa : kernels::kAllIsas) {
      if (!kernels::isa_supported(isa)) continue;
      sapwood::set_isa(kernels::isa_name(isa));
      for (const char* traversal : {"walk", "gather", "quickscorer"}) {
        sapwood::set_traversal(traversal);
        for (const std::int64_t n_rows : {4, 12}) {
          column.resize(static_cast<std::size_t>(n_rows));
          for (std::size_t r = 4; r < column.size(); ++r) column[r] = column[r - 4];
          const std::vector<double> out = predict_raw(model, column, n_rows, 1, false);
          for (std::int64_t r = 0; r < n_rows; r += 4) {
            CHECK_EQ_EXACT(out[static_cast<std::size_t>(r)], 1);
            CHECK_EQ_EXACT(out[static_cast<std::size_t>(r + 1)], 1);
            CHECK_EQ_EXACT(out[static_cast<std::size_t>(r + 2)], 1);
            CHECK_EQ_EXACT(out[static_cast<std::size_t>(r + 3)], 1);  // NaN goes right: no default-left flag
          }
        }
      }
    }
    sapwood::set_isa("");
    sapwood::set_traversal("");
  }
}

SAPWOOD_TEST(float32_layout_thresholds_make_the_same_decisions) {
  // 0.1 is not a float32 value: x <= 0.1 holds for float32(0.1) - 1ulp and float32(0.1)?
  // float32(0.1) > 0.1, so only values up to the float32 just below 0.1 go left.
  ForestSpec spec = stump(0.1, split::kLessEqual);
  spec.input_precision = Precision::kFloat32;
  const Model model = Model::from_forest(spec);
  const float f = 0.1f;
  const std::vector<double> column{static_cast<double>(std::nextafter(f, 0.0f)), static_cast<double>(f), 0.1};
  for (const kernels::Isa isa : kernels::kAllIsas) {
    if (!kernels::isa_supported(isa)) continue;
    sapwood::set_isa(kernels::isa_name(isa));
    const std::vector<double> out = predict_raw(model, column, 3, 1, false);
    CHECK_EQ_EXACT(out[0], -1);
    CHECK_EQ_EXACT(out[1], 1);
    CHECK_EQ_EXACT(out[2], 1);  // 0.1 reads as float32(0.1) first
  }
  sapwood::set_isa("");
}

SAPWOOD_TEST(layout_compiles_categorical_trees_onto_a_bucket_column) {
  const ForestSpec spec = categorical_stump();
  const std::vector<std::int32_t> depth{1};
  const kernels::ForestView view{spec.tree_offsets.data(), spec.left_child.data(), spec.right_child.data(),
                                 spec.feature.data(), spec.threshold.data(), spec.split_flags.data(),
                                 spec.category_offsets.data(), spec.categories.data(), spec.leaf_values.data(),
                                 spec.leaf_size};
  const compile::ForestLayout layout = compile::compile_forest_layout(view, spec.n_features, n_nodes(spec), 1, depth.data(), false);
  CHECK(!layout.any_reference_tree);
  CHECK(layout.categorical_tree[0] == 1);
  CHECK(layout.nodes_f64.size() == 3);
  CHECK((layout.nodes_f64[0].feature & kernels::kCategoryBit) != 0);
  CHECK(layout.columns.size() == 1 && layout.columns[0].kind == compile::ColumnKind::kCategory);

  const ForestSpec plain = stump(0.5, 0);
  const kernels::ForestView plain_view{plain.tree_offsets.data(), plain.left_child.data(), plain.right_child.data(),
                                       plain.feature.data(), plain.threshold.data(), plain.split_flags.data(),
                                       nullptr, plain.categories.data(), plain.leaf_values.data(), plain.leaf_size};
  const compile::ForestLayout compiled = compile::compile_forest_layout(plain_view, plain.n_features, n_nodes(plain), 1, depth.data(), true);
  CHECK(!compiled.any_reference_tree);
  CHECK(compiled.nodes_f32.size() == 3);
  CHECK(compiled.nodes_f32[0].left == 1);
  CHECK(compiled.nodes_f32[0].threshold == std::nextafter(0.5f, -1.0f));  // x < 0.5 is x <= prev(0.5)
  CHECK(compiled.nodes_f32[1].left == 1);                                 // a leaf points at itself
}

SAPWOOD_TEST(shallow_trees_get_a_padded_perfect_form) {
  // two_trees: tree 0 has a leaf at depth 1 and two at depth 2, tree 1 is a stump.
  const ForestSpec spec = two_trees();
  const std::vector<std::int32_t> depth{2, 1};
  const kernels::ForestView view{spec.tree_offsets.data(), spec.left_child.data(), spec.right_child.data(),
                                 spec.feature.data(), spec.threshold.data(), spec.split_flags.data(),
                                 nullptr, spec.categories.data(), spec.leaf_values.data(), spec.leaf_size};
  const compile::ForestLayout layout = compile::compile_forest_layout(view, spec.n_features, n_nodes(spec), 2, depth.data(), false);
  CHECK(layout.perfect[0] == 1 && layout.perfect[1] == 1);
  CHECK(layout.perfect_nodes_f64.size() == 3 + 1);
  const auto* tree0 = layout.perfect_nodes_f64.data() + layout.perfect_node_begin[0];
  CHECK(tree0[0].threshold == std::nextafter(0.5, 0.0) && tree0[0].feature == 0);
  // The depth-1 leaf is padded by a node that sends everything left, NaN included.
  CHECK(std::isinf(tree0[1].threshold) && tree0[1].feature == kernels::kDefaultLeftBit);
  CHECK(tree0[2].feature == 1);
  const std::int32_t* leaf_map = layout.perfect_leaf_map.data() + layout.perfect_leaf_begin[0];
  CHECK(leaf_map[0] == 1 && leaf_map[1] == 1 && leaf_map[2] == 3 && leaf_map[3] == 4);
  // Tree 1 defaults missing values left.
  const auto* tree1 = layout.perfect_nodes_f64.data() + layout.perfect_node_begin[1];
  CHECK((tree1[0].feature & kernels::kDefaultLeftBit) != 0);

  // A deep path among few leaves would pad to 2^6 slots for 7 leaves: only its top 4 levels
  // (16 slots) are stored perfect, and the walk goes on from there.
  ForestSpec chain;
  chain.n_features = 1;
  chain.tree_offsets = {0, 13};
  chain.tree_outputs = {0};
  // A path of 6 splits: node 2i splits, 2i+1 is its right leaf, 2i+2 the next split; 12 is
  // the last leaf.
  for (int i = 0; i < 6; ++i) {
    chain.left_child.insert(chain.left_child.end(), {2 * i + 2, -1});
    chain.right_child.insert(chain.right_child.end(), {2 * i + 1, -1});
  }
  chain.left_child.push_back(-1);
  chain.right_child.push_back(-1);
  chain.feature.assign(13, 0);
  chain.threshold.assign(13, 0.5);
  chain.split_flags.assign(13, 0);
  for (int i = 0; i < 13; ++i) chain.leaf_values.push_back(i);  // a leaf's value names it
  const Model chain_model = Model::from_forest(chain);
  CHECK(chain_model.summary().max_depth == 6);
  const std::vector<std::int32_t> chain_depth{6};
  const kernels::ForestView chain_view{chain.tree_offsets.data(), chain.left_child.data(), chain.right_child.data(),
                                       chain.feature.data(), chain.threshold.data(), chain.split_flags.data(),
                                       nullptr, chain.categories.data(), chain.leaf_values.data(), chain.leaf_size};
  const compile::ForestLayout chain_layout = compile::compile_forest_layout(chain_view, chain.n_features, n_nodes(chain), 1, chain_depth.data(), false);
  CHECK(chain_layout.perfect[0] == 1 && chain_layout.perfect_depth[0] == 4);
  CHECK(layout.perfect_depth[0] == 2 && layout.perfect_depth[1] == 1);
  // x0 < 0.5 goes left, down the path: x0 = 0 runs it all to node 12.
  const std::vector<double> x(9, 0.0);  // 9 rows: a full group of 8 and one row alone
  for (const char* level : {"scalar", "portable"}) {
    sapwood::set_isa(level);
    PredictOptions raw;
    raw.output = Output::kRaw;
    const std::vector<double> got = chain_model.predict(MatrixView::row_major(x.data(), 9, 1), raw);
    CHECK(got[0] == 12 && got[8] == 12);
    const std::vector<double> right{1.0, std::nan("")};  // fails the first split; NaN goes right
    const std::vector<double> off = chain_model.predict(MatrixView::row_major(right.data(), 2, 1), raw);
    CHECK(off[0] == 1 && off[1] == 1);
  }
  sapwood::set_isa("");
}

SAPWOOD_TEST(nodes_the_root_never_reaches_are_left_out_of_the_layouts) {
  // Node 1 is a leaf nothing points at (the IR allows it; a fuzzer built such a LightGBM
  // file). Numbering the compiled nodes must not assume every node is reached.
  ForestSpec spec;
  spec.n_features = 1;
  spec.tree_offsets = {0, 4};
  spec.tree_outputs = {0};
  spec.left_child = {2, -1, -1, -1};
  spec.right_child = {3, -1, -1, -1};
  spec.feature = {0, 0, 0, 0};
  spec.threshold = {0.5, 0, 0, 0};
  spec.split_flags = {0, 0, 0, 0};
  spec.leaf_values = {0, 7, -1, 1};
  const Model model = Model::from_forest(spec);
  const std::vector<double> x{0.0, 1.0, std::nan("")};
  for (const char* level : {"scalar", "portable"}) {
    sapwood::set_isa(level);
    PredictOptions raw;
    raw.output = Output::kRaw;
    const std::vector<double> got = model.predict(MatrixView::row_major(x.data(), 3, 1), raw);
    CHECK(got[0] == -1 && got[1] == 1 && got[2] == 1);
  }
  sapwood::set_isa("");
}

SAPWOOD_TEST(quickscorer_form_is_built_for_trees_of_at_most_64_leaves) {
  const auto layout_of = [](const ForestSpec& spec) {
    std::vector<std::int32_t> depth;
    for (std::size_t t = 0; t + 1 < spec.tree_offsets.size(); ++t) depth.push_back(64);  // only a bound here
    const kernels::ForestView view{spec.tree_offsets.data(), spec.left_child.data(), spec.right_child.data(),
                                   spec.feature.data(),      spec.threshold.data(),  spec.split_flags.data(),
                                   nullptr,                  spec.categories.data(), spec.leaf_values.data(),
                                   spec.leaf_size};
    return compile::compile_forest_layout(view, spec.n_features, n_nodes(spec), static_cast<std::int64_t>(depth.size()),
                                          depth.data(), false);
  };
  // A chain of n splits on feature 0 at thresholds 1..n: n + 1 leaves.
  const auto chain = [](std::int32_t n) {
    ForestSpec spec;
    spec.n_features = 1;
    spec.tree_offsets = {0, 2 * n + 1};
    for (std::int32_t i = 0; i < n; ++i) {
      // node 2i splits; its left child 2i+1 is a leaf, its right child 2i+2 goes on
      spec.left_child.insert(spec.left_child.end(), {2 * i + 1, -1});
      spec.right_child.insert(spec.right_child.end(), {2 * i + 2, -1});
      spec.feature.insert(spec.feature.end(), {0, 0});
      spec.threshold.insert(spec.threshold.end(), {static_cast<double>(i + 1), 0.0});
      spec.split_flags.insert(spec.split_flags.end(), {split::kLessEqual, 0});
      spec.leaf_values.insert(spec.leaf_values.end(), {0.0, static_cast<double>(i)});
    }
    spec.left_child.push_back(-1);
    spec.right_child.push_back(-1);
    spec.feature.push_back(0);
    spec.threshold.push_back(0.0);
    spec.split_flags.push_back(0);
    spec.leaf_values.push_back(static_cast<double>(n));
    spec.tree_outputs = {0};
    spec.base_score = {0.0};
    return spec;
  };
  const compile::ForestLayout small = layout_of(chain(63));
  CHECK(small.quickscorer);
  CHECK(small.quickscorer_f64.entries.size() == 63u + 1u);  // and the +inf sentinel
  CHECK(!small.quickscorer_f64.narrow);                      // 64 leaves: 64-bit words only
  CHECK(layout_of(chain(31)).quickscorer_f64.narrow);        // 32 leaves fit 32-bit words
  CHECK(!layout_of(chain(32)).quickscorer_f64.narrow);
  CHECK(!layout_of(chain(64)).quickscorer);  // 65 leaves
  CHECK(layout_of(stump(-kInf, 0)).quickscorer);  // x < -inf: every number right (strict_split_at_...)

  // The 64-leaf chain must find its last leaf (bit 63) and every other one; the 32-leaf chain
  // its bit 31 in the 32-bit words; the 33-leaf one bit 32 in the 64-bit words.
  for (const std::int32_t splits : {63, 31, 32}) {
    std::vector<double> column;
    for (int i = 0; i <= splits + 1; ++i) {
      column.push_back(static_cast<double>(i) + 0.5);
      column.push_back(static_cast<double>(i));  // on the threshold: x <= t goes left
    }
    column.push_back(kNaN);
    column.push_back(kInf);
    column.push_back(-kInf);
    const auto n = static_cast<std::int64_t>(column.size());
    for (const Precision input : {Precision::kFloat64, Precision::kFloat32}) {  // the f64 and f32 kernels
      ForestSpec spec = chain(splits);
      spec.input_precision = input;
      const Model model = Model::from_forest(spec);
      const bool as_float = input == Precision::kFloat32;
      sapwood::set_isa("scalar");
      const std::vector<double> expected = predict_raw(model, column, n, 1, as_float);
      for (const kernels::Isa isa : kernels::kAllIsas) {
        if (isa == kernels::Isa::kScalar || !kernels::isa_supported(isa)) continue;
        sapwood::set_isa(kernels::isa_name(isa));
        for (const char* traversal : {"walk", "gather", "quickscorer"}) {
          sapwood::set_traversal(traversal);
          CHECK(identical(predict_raw(model, column, n, 1, as_float), expected));
          CHECK(identical(predict_raw(model, column, 1, 1, as_float),
                          std::vector<double>(expected.begin(), expected.begin() + 1)));
        }
      }
      CHECK_EQ_EXACT(expected[static_cast<std::size_t>(2 * splits)], splits);          // the last leaf
      CHECK_EQ_EXACT(expected[static_cast<std::size_t>(2 * splits + 1)], splits - 1);  // on its threshold: left
    }
  }
  CHECK_THROWS(sapwood::set_traversal("sideways"), sapwood::ErrorCode::kInvalidArgument, "unknown traversal");
  sapwood::set_traversal("");
  sapwood::set_isa("");
}

SAPWOOD_TEST(linear_kernels_agree_with_a_sequential_sum) {
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> value(-2.0, 2.0);
  // Outputs and rows that fill whole tiles and leave every size of remainder (tiles are up to
  // 4 rows by 5 outputs).
  for (std::int64_t n : {0, 1, 3, 4, 7, 8, 15, 16, 17, 33, 200}) {
    for (std::int64_t n_outputs : {1, 2, 3, 4, 5, 6, 9, 10, 14}) {
      constexpr std::int64_t kRows = 7;
      const std::int64_t stride = n + 3;  // rows not packed: the kernel must honour row_stride
      std::vector<double> x(static_cast<std::size_t>(kRows * stride)), coef(static_cast<std::size_t>(n * n_outputs));
      std::vector<double> intercept(static_cast<std::size_t>(n_outputs));
      std::vector<float> x32(x.size());
      for (std::size_t j = 0; j < x.size(); ++j) {
        x32[j] = static_cast<float>(value(rng));
        x[j] = value(rng);
      }
      for (double& c : coef) c = value(rng);
      for (double& b : intercept) b = value(rng);
      for (const kernels::Isa isa : kernels::kAllIsas) {
        const kernels::KernelTable* table = kernels::kernels_for(isa);
        if (table == nullptr || !kernels::isa_supported(isa)) continue;
        const std::size_t size = static_cast<std::size_t>(kRows * n_outputs);
        std::vector<double> all(size), all32(size);
        table->linear_rows_f64(x.data(), stride, kRows, coef.data(), intercept.data(), n, n_outputs, all.data());
        table->linear_rows_f32(x32.data(), stride, kRows, coef.data(), intercept.data(), n, n_outputs, all32.data());
        for (std::int64_t r = 0; r < kRows; ++r) {
          for (std::int64_t k = 0; k < n_outputs; ++k) {
            const double* c = coef.data() + k * n;
            const std::size_t at = static_cast<std::size_t>(r * n_outputs + k);
            double expected = 0.0, expected32 = 0.0, scale = 2.0;
            for (std::int64_t j = 0; j < n; ++j) {
              expected += x[static_cast<std::size_t>(r * stride + j)] * c[j];
              expected32 += static_cast<double>(x32[static_cast<std::size_t>(r * stride + j)]) * c[j];
              scale += 4.0;
            }
            CHECK_NEAR(all[at], expected + intercept[static_cast<std::size_t>(k)], 1e-15 * (scale + 1));
            CHECK_NEAR(all32[at], expected32 + intercept[static_cast<std::size_t>(k)], 1e-15 * (scale + 1));
            // A row's sums do not depend on the rows or outputs that share the call (so
            // neither on the block a thread takes).
            double alone = 0.0, alone32 = 0.0;
            table->linear_rows_f64(x.data() + r * stride, stride, 1, c, intercept.data() + k, n, 1, &alone);
            table->linear_rows_f32(x32.data() + r * stride, stride, 1, c, intercept.data() + k, n, 1, &alone32);
            CHECK_EQ_EXACT(all[at], alone);
            CHECK_EQ_EXACT(all32[at], alone32);
          }
        }
      }
    }
  }
}

SAPWOOD_TEST(exp_kernels_stay_within_two_ulp_of_std_exp) {
  std::mt19937_64 rng(8);
  std::uniform_real_distribution<double> wide(-708.0, 0.0), narrow(-1.0, 0.0);
  std::vector<double> values = {0.0, -0.0, -708.0, -1e-300, -5e-324, -0.34657359027997264, -0.34657359027997270,
                                -1.0, -745.0 / 2, -707.9999999999999};
  for (int i = 0; i < 4000; ++i) values.push_back(i % 2 ? wide(rng) : narrow(rng));
  for (const kernels::Isa isa : kernels::kAllIsas) {
    const kernels::KernelTable* table = kernels::kernels_for(isa);
    if (table == nullptr || !kernels::isa_supported(isa)) continue;
    std::vector<double> got = values;
    table->exp_nonpositive(got.data(), static_cast<std::int64_t>(got.size()));
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double expected = std::exp(values[i]);
      CHECK_NEAR(got[i], expected, 2.0 * 2.220446049250313e-16 * expected);
      // The same bits for a value at any place in the buffer, the tail's padded lanes included.
      double alone = values[i];
      table->exp_nonpositive(&alone, 1);
      CHECK_EQ_EXACT(got[i], alone);
    }
  }
}

SAPWOOD_TEST(vector_leaves_and_mean_aggregation_match_the_reference) {
  std::mt19937_64 rng(4);
  ForestSpec spec;
  {
    std::mt19937_64 build(5);
    spec.n_features = 7;
    spec.n_outputs = 3;
    spec.tree_offsets = {0};
    for (int i = 0; i < 6; ++i) add_tree(spec, build, 7, thresholds_to_probe(), {false, false});
    spec.leaf_size = 3;
    spec.tree_outputs.clear();
    std::vector<double> values;
    for (std::size_t n = 0; n < spec.left_child.size(); ++n) {
      for (int k = 0; k < 3; ++k) values.push_back(static_cast<double>(build() % 1000) / 7.0);
    }
    spec.leaf_values = values;
    spec.aggregation = sapwood::Aggregation::kMean;
    spec.input_precision = Precision::kFloat32;
  }
  check_levels_agree(Model::from_forest(spec), rng, "vector leaves");
}

SAPWOOD_TEST_MAIN()
