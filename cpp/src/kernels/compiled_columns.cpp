// Planning the compiled columns (kernels/compiled_columns.hpp): which form of each feature
// its nodes need, one column per form, and every categorical node's bitset over buckets.
#include "kernels/compiled_columns.hpp"

#include <cmath>
#include <limits>

#include "kernels/scalar/tree_walk.hpp"
#include "sapwood/builder.hpp"  // split:: flag bits

namespace sapwood::kernels {
namespace {

// Bucket ids are stored in the rows as values (float32 holds integers exactly up to 2^24),
// and a node's bitset costs a bit per bucket: past these bounds a categorical feature's
// trees stay on the reference walk (no source writes such models; a hostile file may).
constexpr std::int64_t kMaxCategories = std::int64_t{1} << 20;
constexpr std::int64_t kMaxCategoryWords = std::int64_t{1} << 22;  // 16 MiB of bitsets

bool is_split(const ForestView& forest, std::int64_t n) { return forest.left_child[n] != -1; }

// Where NaN goes at a numeric node that does not treat 0 as missing, and where 0 goes: a
// node whose two agree decides the same on a column that reads 0 as NaN.
bool zero_goes_default_way(const ForestView& forest, std::int64_t n) {
  const std::uint8_t flags = forest.split_flags[n];
  if ((flags & split::kNanAsZero) != 0) return true;  // NaN is compared as 0 itself
  const bool zero_left = (flags & split::kLessEqual) != 0 ? 0.0 <= forest.threshold[n] : 0.0 < forest.threshold[n];
  return zero_left == ((flags & split::kDefaultLeft) != 0);
}

struct FeatureUse {
  bool value = false;     // numeric nodes that must read x as it is
  bool either = false;    // numeric nodes that decide alike on x and on x with 0 as NaN
  bool zero = false;      // kZeroIsMissing nodes
  bool category = false;  // categorical nodes
  std::int64_t n_categories = 0;
};

// The column index of each form of a feature (-1: not needed).
struct FeatureColumns {
  std::int32_t value = -1;
  std::int32_t zero = -1;
  std::int32_t category = -1;
};

}  // namespace

ColumnPlan plan_columns(const ForestView& forest, std::int32_t n_features, std::int64_t n_nodes) {
  std::vector<FeatureUse> use(static_cast<std::size_t>(n_features));
  for (std::int64_t n = 0; n < n_nodes; ++n) {
    if (!is_split(forest, n)) continue;
    FeatureUse& u = use[static_cast<std::size_t>(forest.feature[n])];
    const std::uint8_t flags = forest.split_flags[n];
    if ((flags & split::kCategorical) != 0) {
      u.category = true;
      const std::int64_t last = forest.category_offsets[n + 1];
      if (last > forest.category_offsets[n]) {
        const std::int64_t most = static_cast<std::int64_t>(forest.categories[last - 1]) + 1;
        u.n_categories = most > u.n_categories ? most : u.n_categories;
      }
    } else if ((flags & split::kZeroIsMissing) != 0) {
      u.zero = true;
    } else if (zero_goes_default_way(forest, n)) {
      u.either = true;
    } else {
      u.value = true;
    }
  }

  ColumnPlan plan;
  std::vector<CompiledColumn> columns(static_cast<std::size_t>(n_features));
  std::vector<FeatureColumns> where(static_cast<std::size_t>(n_features));
  bool rewritten = false;
  std::int64_t category_words = 0;
  const auto add_column = [&columns](std::int32_t feature, ColumnKind kind, std::int32_t n_categories) {
    columns.push_back({feature, kind, n_categories});
    return static_cast<std::int32_t>(columns.size() - 1);
  };
  for (std::int32_t j = 0; j < n_features; ++j) {
    const FeatureUse& u = use[static_cast<std::size_t>(j)];
    FeatureColumns& w = where[static_cast<std::size_t>(j)];
    columns[static_cast<std::size_t>(j)] = {j, ColumnKind::kValue, 0};
    // Column j takes the form most of the feature's nodes need: numeric unless only
    // categorical nodes read it, with 0 as NaN when no node needs 0 as it is.
    if (u.zero && !u.value) {
      columns[static_cast<std::size_t>(j)].kind = ColumnKind::kZeroAsMissing;
      w.zero = w.value = j;
      rewritten = true;
    } else if (u.value || u.either || u.zero) {
      w.value = j;
      if (u.zero) w.zero = add_column(j, ColumnKind::kZeroAsMissing, 0);
    }
    if (!u.category) continue;
    if (u.n_categories > kMaxCategories) continue;  // its nodes keep column -1: not compiled
    const auto n_categories = static_cast<std::int32_t>(u.n_categories);
    if (w.value == -1) {
      columns[static_cast<std::size_t>(j)] = {j, ColumnKind::kCategory, n_categories};
      w.category = j;
      rewritten = true;
    } else {
      w.category = add_column(j, ColumnKind::kCategory, n_categories);
    }
  }
  plan.node_column.assign(static_cast<std::size_t>(n_nodes), -1);
  plan.node_category_bits.assign(static_cast<std::size_t>(n_nodes), -1);
  for (std::int64_t n = 0; n < n_nodes; ++n) {
    if (!is_split(forest, n)) continue;
    const FeatureColumns& w = where[static_cast<std::size_t>(forest.feature[n])];
    const std::uint8_t flags = forest.split_flags[n];
    auto& column = plan.node_column[static_cast<std::size_t>(n)];
    if ((flags & split::kCategorical) == 0) {
      column = (flags & split::kZeroIsMissing) != 0 ? w.zero : w.value;
      continue;
    }
    if (w.category == -1) continue;
    const std::int32_t n_categories = columns[static_cast<std::size_t>(w.category)].n_categories;
    const std::int32_t buckets = bucket_count(n_categories);
    const std::int64_t words = (buckets + 31) / 32;
    if (category_words + words > kMaxCategoryWords) continue;
    column = w.category;
    plan.node_category_bits[static_cast<std::size_t>(n)] = category_words;
    category_words += words;
    plan.category_bits.resize(static_cast<std::size_t>(category_words), 0u);
    std::uint32_t* bits = plan.category_bits.data() + (category_words - words);
    // One value of each bucket, as the reference would see it.
    for (std::int32_t b = 0; b < buckets; ++b) {
      double x = static_cast<double>(b);
      if (b == unlisted_bucket(n_categories)) x = -2.0;
      if (b == nan_bucket(n_categories)) x = std::numeric_limits<double>::quiet_NaN();
      if (b == negative_fraction_bucket(n_categories)) x = -0.5;
      if (scalar::goes_left<true, true>(forest, n, x)) bits[b >> 5] |= std::uint32_t{1} << (b & 31);
    }
  }
  if (rewritten || columns.size() > static_cast<std::size_t>(n_features)) plan.columns = std::move(columns);
  return plan;
}

}  // namespace sapwood::kernels
