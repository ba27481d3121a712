// The columns the compiled engine reads: each input feature rewritten once per row so that
// every split rule the IR has becomes one the compiled nodes can make.
//
// - A feature read by kZeroIsMissing nodes (LightGBM's zero_as_missing) is read with its
//   missing values (0 and NaN) moved to -inf for the nodes that send them left and to +inf
//   for those that send them right, each group its own column: every such node with a
//   finite threshold then compares plain numbers (no NaN reaches it), which is what keeps
//   QuickScorer from running a missing list for nearly every group of rows when a tenth of
//   the values are 0. A node with an infinite threshold reads the feature with 0 turned into
//   NaN instead and sends NaN its default way.
// - A categorical feature is read as its category's bucket: a small integer naming the
//   category for every category some node lists, and one bucket each for NaN, for x in
//   (-1, 0) (some sources truncate it to category 0) and for everything else (negative,
//   unlisted, too large). A categorical node is then a bitset over its column's buckets,
//   filled at compile time by asking the reference rule (kernels/scalar/tree_walk.hpp)
//   about one value of each bucket, so the compiled decision is the reference's by
//   construction.
//
// Column j holds feature j (in the first form its nodes need); a feature whose nodes need it
// in several forms (plain and zero-as-missing nodes, missing values sent either way, numeric
// and categorical nodes) gets an extra column after the features for each other form.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/forest_view.hpp"

namespace sapwood::compile {

enum class ColumnKind : std::uint8_t { kValue, kZeroAsMissing, kMissingLow, kMissingHigh, kCategory };

struct CompiledColumn {
  std::int32_t feature = 0;
  ColumnKind kind = ColumnKind::kValue;
  std::int32_t n_categories = 0;  // kCategory: categories [0, n) have buckets of their own
};

// A category column's buckets: categories 0 .. n-1, then these three.
inline std::int32_t unlisted_bucket(std::int32_t n_categories) { return n_categories; }
inline std::int32_t nan_bucket(std::int32_t n_categories) { return n_categories + 1; }
inline std::int32_t negative_fraction_bucket(std::int32_t n_categories) { return n_categories + 2; }
inline std::int32_t bucket_count(std::int32_t n_categories) { return n_categories + 3; }

// The bucket of value x. Every category a node lists is below n_categories, so x >= n (and
// x <= -1) is listed by no node, as the reference's truncation decides.
inline std::int32_t category_bucket(double x, std::int32_t n_categories) {
  if (x != x) return nan_bucket(n_categories);
  if (x >= 0.0 && x < static_cast<double>(n_categories)) return static_cast<std::int32_t>(x);
  if (x > -1.0 && x < 0.0) return negative_fraction_bucket(n_categories);
  return unlisted_bucket(n_categories);
}

template <class Row>
inline Row compiled_value(const CompiledColumn& column, Row x) {
  switch (column.kind) {
    case ColumnKind::kZeroAsMissing:
      return x == Row{0} ? std::numeric_limits<Row>::quiet_NaN() : x;
    case ColumnKind::kMissingLow:
      return x == Row{0} || x != x ? -std::numeric_limits<Row>::infinity() : x;
    case ColumnKind::kMissingHigh:
      return x == Row{0} || x != x ? std::numeric_limits<Row>::infinity() : x;
    case ColumnKind::kCategory:
      return static_cast<Row>(category_bucket(static_cast<double>(x), column.n_categories));
    case ColumnKind::kValue:
      break;
  }
  return x;
}

// Where each split node reads, and the bitsets of the categorical ones.
struct ColumnPlan {
  std::vector<CompiledColumn> columns;     // empty when every column is its feature as read
  // Per IR node: the column a split node reads; -1 for leaves and for the nodes of a
  // categorical feature past the compile bounds, whose trees then take the reference walk.
  std::vector<std::int32_t> node_column;
  // Per IR node: for a categorical node, the first word of its bitset in category_bits (bit
  // b set: bucket b goes left); -1 otherwise.
  std::vector<std::int64_t> node_category_bits;
  std::vector<std::uint32_t> category_bits;
};

// Where a numeric node sends NaN in the compiled engine: its default way, or where 0 goes
// for a node that compares NaN as 0.
bool nan_goes_left(const kernels::ForestView& forest, std::int64_t node);

ColumnPlan plan_columns(const kernels::ForestView& forest, std::int32_t n_features, std::int64_t n_nodes);

}  // namespace sapwood::compile
