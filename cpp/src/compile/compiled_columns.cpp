// Planning the compiled columns (compile/compiled_columns.hpp): which form of each feature
// its nodes need, one column per form, and every categorical node's bitset over buckets.
#include "compile/compiled_columns.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "kernels/scalar/tree_walk.hpp"
#include "sapwood/builder.hpp"  // split:: flag bits

namespace sapwood::compile {
namespace {

// Bucket ids are stored in the rows as values (float32 holds integers exactly up to 2^24),
// and a node's bitset costs a bit per bucket: past these bounds a categorical feature's
// trees stay on the reference walk (no source writes such models; a hostile file may).
constexpr std::int64_t kMaxCategories = std::int64_t{1} << 20;
constexpr std::int64_t kMaxCategoryWords = std::int64_t{1} << 22;  // 16 MiB of bitsets

bool is_split(const kernels::ForestView& forest, std::int64_t n) { return forest.left_child[n] != -1; }

// Where 0 goes at a numeric node that does not treat 0 as missing.
bool zero_goes_left(const kernels::ForestView& forest, std::int64_t n) {
  return (forest.split_flags[n] & split::kLessEqual) != 0 ? 0.0 <= forest.threshold[n] : 0.0 < forest.threshold[n];
}

// Where 0 goes at a numeric node that does not treat 0 as missing, and where NaN goes: a
// node whose two agree decides the same on a column that reads 0 as NaN.
bool zero_goes_default_way(const kernels::ForestView& forest, std::int64_t n) {
  if ((forest.split_flags[n] & split::kNanAsZero) != 0) return true;  // NaN is compared as 0 itself
  return zero_goes_left(forest, n) == nan_goes_left(forest, n);
}

// The forms a feature's numeric nodes read, in the order that picks which of them column j
// holds (the others get extra columns).
enum Form : std::uint8_t { kPlain, kZeroNan, kMissingLowForm, kMissingHighForm, kCategoryForm, kForms };

constexpr ColumnKind kFormKind[kForms] = {ColumnKind::kValue, ColumnKind::kZeroAsMissing, ColumnKind::kMissingLow,
                                          ColumnKind::kMissingHigh, ColumnKind::kCategory};

// A node with a finite threshold sends its missing values where -inf (or +inf) would go, so
// it can read a column with them moved there and meet no NaN: QuickScorer then has no
// missing list to run for it, and the rows no NaN to test (kForms: the threshold is infinite).
Form missing_moved_form(const kernels::ForestView& forest, std::int64_t n) {
  if (!std::isfinite(forest.threshold[n])) return kForms;
  return nan_goes_left(forest, n) ? kMissingLowForm : kMissingHighForm;
}

// The form a zero-as-missing node reads: 0 and NaN moved aside, else 0 read as NaN.
Form zero_missing_form(const kernels::ForestView& forest, std::int64_t n) {
  const Form moved = missing_moved_form(forest, n);
  return moved == kForms ? kZeroNan : moved;
}

struct FeatureUse {
  bool needs[kForms] = {};
  std::int64_t n_categories = 0;
};

// The form a numeric node reads, once the feature's columns are known.
Form numeric_form(const kernels::ForestView& forest, std::int64_t n, const std::int32_t* column_of_form) {
  const std::uint8_t flags = forest.split_flags[n];
  if ((flags & split::kZeroIsMissing) != 0) return zero_missing_form(forest, n);
  if (!zero_goes_default_way(forest, n)) return kPlain;
  if (column_of_form[kPlain] != -1) return kPlain;
  if (column_of_form[kZeroNan] != -1) return kZeroNan;
  return missing_moved_form(forest, n);
}

}  // namespace

bool nan_goes_left(const kernels::ForestView& forest, std::int64_t n) {
  const std::uint8_t flags = forest.split_flags[n];
  if ((flags & split::kNanAsZero) != 0 && (flags & split::kZeroIsMissing) == 0) return zero_goes_left(forest, n);
  return (flags & split::kDefaultLeft) != 0;
}

namespace {

// Node n's bitset over the buckets, each bit where the reference walk sends that bucket's
// values. Every unlisted category goes the same way and every listed one the other, so the
// bits cost a word fill and a pass over the node's list, not a walk per bucket (a hostile
// file lists categories near the bound at thousands of nodes).
void fill_category_bits(const kernels::ForestView& forest, std::int64_t n, std::int32_t n_categories, std::int64_t words,
                        std::uint32_t* bits) {
  const std::int32_t* first = forest.categories + forest.category_offsets[n];
  const std::int32_t* last = forest.categories + forest.category_offsets[n + 1];
  const auto set = [bits](std::int32_t b, bool left) {
    const std::uint32_t bit = std::uint32_t{1} << (b & 31);
    bits[b >> 5] = left ? (bits[b >> 5] | bit) : (bits[b >> 5] & ~bit);
  };
  // -2 is never listed, so it answers for every unlisted category.
  const bool unlisted_left = kernels::scalar::goes_left<true, true>(forest, n, -2.0);
  std::fill(bits, bits + words, unlisted_left ? ~std::uint32_t{0} : 0u);
  // The list is sorted; a negative entry is a category no value reaches.
  const std::int32_t* listed = std::lower_bound(first, last, 0);
  if (listed != last) {
    const bool listed_left = kernels::scalar::goes_left<true, true>(forest, n, static_cast<double>(*listed));
    for (const std::int32_t* c = listed; c != last && *c < n_categories; ++c) set(*c, listed_left);
  }
  set(unlisted_bucket(n_categories), unlisted_left);
  set(nan_bucket(n_categories), kernels::scalar::goes_left<true, true>(forest, n, std::numeric_limits<double>::quiet_NaN()));
  set(negative_fraction_bucket(n_categories), kernels::scalar::goes_left<true, true>(forest, n, -0.5));
  // Bits past the last bucket stay as the fill left them: no row carries those buckets.
}

}  // namespace

ColumnPlan plan_columns(const kernels::ForestView& forest, std::int32_t n_features, std::int64_t n_nodes) {
  std::vector<FeatureUse> use(static_cast<std::size_t>(n_features));
  for (std::int64_t n = 0; n < n_nodes; ++n) {
    if (!is_split(forest, n)) continue;
    FeatureUse& u = use[static_cast<std::size_t>(forest.feature[n])];
    const std::uint8_t flags = forest.split_flags[n];
    if ((flags & split::kCategorical) != 0) {
      u.needs[kCategoryForm] = true;
      const std::int64_t last = forest.category_offsets[n + 1];
      if (last > forest.category_offsets[n]) {
        const std::int64_t most = static_cast<std::int64_t>(forest.categories[last - 1]) + 1;
        u.n_categories = most > u.n_categories ? most : u.n_categories;
      }
    } else if ((flags & split::kZeroIsMissing) != 0) {
      u.needs[zero_missing_form(forest, n)] = true;
    } else if (!zero_goes_default_way(forest, n)) {
      u.needs[kPlain] = true;
    }  // else: it reads 0 and NaN alike, and takes a column chosen below
  }
  // A node that reads 0 and NaN alike takes a column the feature has anyway: the plain or
  // zero-as-NaN one, else the missing-moved one its default way matches, else a plain one.
  for (std::int64_t n = 0; n < n_nodes; ++n) {
    if (!is_split(forest, n) || (forest.split_flags[n] & (split::kCategorical | split::kZeroIsMissing)) != 0) continue;
    FeatureUse& u = use[static_cast<std::size_t>(forest.feature[n])];
    if (!zero_goes_default_way(forest, n) || u.needs[kPlain] || u.needs[kZeroNan]) continue;
    const Form form = missing_moved_form(forest, n);
    if (form == kForms || !u.needs[form]) u.needs[kPlain] = true;
  }

  ColumnPlan plan;
  std::vector<CompiledColumn> columns(static_cast<std::size_t>(n_features));
  std::vector<std::array<std::int32_t, kForms>> where(static_cast<std::size_t>(n_features));
  bool rewritten = false;
  std::int64_t category_words = 0;
  for (std::int32_t j = 0; j < n_features; ++j) {
    FeatureUse& u = use[static_cast<std::size_t>(j)];
    auto& column_of_form = where[static_cast<std::size_t>(j)];
    column_of_form.fill(-1);
    columns[static_cast<std::size_t>(j)] = {j, ColumnKind::kValue, 0};
    if (u.n_categories > kMaxCategories) u.needs[kCategoryForm] = false;  // its nodes keep column -1: not compiled
    // Column j holds the first form the feature's nodes need; the others come after the
    // features.
    bool first = true;
    for (int form = 0; form < kForms; ++form) {
      if (!u.needs[form]) continue;
      const CompiledColumn column{j, kFormKind[form],
                                  form == kCategoryForm ? static_cast<std::int32_t>(u.n_categories) : 0};
      if (first) {
        columns[static_cast<std::size_t>(j)] = column;
        column_of_form[static_cast<std::size_t>(form)] = j;
        rewritten = rewritten || form != kPlain;
        first = false;
      } else {
        columns.push_back(column);
        column_of_form[static_cast<std::size_t>(form)] = static_cast<std::int32_t>(columns.size() - 1);
      }
    }
  }
  plan.node_column.assign(static_cast<std::size_t>(n_nodes), -1);
  plan.node_category_bits.assign(static_cast<std::size_t>(n_nodes), -1);
  for (std::int64_t n = 0; n < n_nodes; ++n) {
    if (!is_split(forest, n)) continue;
    const auto& column_of_form = where[static_cast<std::size_t>(forest.feature[n])];
    auto& column = plan.node_column[static_cast<std::size_t>(n)];
    if ((forest.split_flags[n] & split::kCategorical) == 0) {
      column = column_of_form[numeric_form(forest, n, column_of_form.data())];
      continue;
    }
    const std::int32_t category_column = column_of_form[kCategoryForm];
    if (category_column == -1) continue;
    const std::int32_t n_categories = columns[static_cast<std::size_t>(category_column)].n_categories;
    const std::int32_t buckets = bucket_count(n_categories);
    const std::int64_t words = (buckets + 31) / 32;
    if (category_words + words > kMaxCategoryWords) continue;
    column = category_column;
    plan.node_category_bits[static_cast<std::size_t>(n)] = category_words;
    category_words += words;
    plan.category_bits.resize(static_cast<std::size_t>(category_words), 0u);
    fill_category_bits(forest, n, n_categories, words, plan.category_bits.data() + (category_words - words));
  }
  if (rewritten || columns.size() > static_cast<std::size_t>(n_features)) plan.columns = std::move(columns);
  return plan;
}

}  // namespace sapwood::compile
