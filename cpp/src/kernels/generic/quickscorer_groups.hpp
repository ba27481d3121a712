// QuickScorer over groups of rows (kernels::ScoreRowsF32/F64 in engine.hpp), written once for
// the vector levels over a lane layer each supplies (avx2/quickscorer.cpp, avx512/
// quickscorer.cpp): one word per row in vector lanes, P::kLanes rows a pass, so each entry is
// loaded once for the group and applied with one masked AND to its tree's line of words, and a
// feature's scan runs while any row of the group still sends the next node right.
//
// A lane layer P names:
//   kLanes, kLineBytes (a tree's words for the group), Word (std::uint64_t or std::uint32_t),
//   Entry<T> (the entry form that goes with Word), Rows (a lane mask: which rows), Offsets;
//   row_offsets(lanes, n_cols): each lane's row start, spare lanes repeating the last row;
//   reset(line) to all ones, copy_words(line, words) out to memory;
//   values(column, offsets) for the group; nan(x), below(threshold, x) as Rows;
//   none(rows), numbers(nan) (the rows that are not NaN);
//   send_right(line, rows, mask): clear the mask's bits from those rows' words;
//   category_index(x, first, words), gather_words(right, index, w), with_bit(words, k): the
//   words of category_right that each row's bucket selects and the rows whose bit k is set.
// The layer's types have internal linkage in its file, so no body compiled with wider
// instructions is shared with another level.
#pragma once

#include <cstdint>

#include "kernels/engine.hpp"

namespace sapwood::kernels::generic {

// Not a template: the unnamed namespace gives each level's file its own copy, compiled with
// that file's instructions. `word` is never 0 (a row's own leaf is never cleared).
namespace {
inline std::int32_t lowest_bit(std::uint64_t word) { return __builtin_ctzll(word); }
inline std::int32_t lowest_bit(std::uint32_t word) { return __builtin_ctz(word); }
}  // namespace

// A category column: one gathered word per row names which of 32 nodes its bucket sends
// right, so each node costs a test and (where some row goes right) an AND.
template <class P, class T, class Entry, class Line, class Values>
inline void score_category_column(const QuickScorer<T>& forest, const Entry* category_entries, std::int32_t f,
                                  const Values& x, const Line& line) {
  const std::int32_t words = forest.category_words[f];
  const auto index = P::category_index(x, static_cast<std::int32_t>(forest.category_right_begin[f]), words);
  const Entry* nodes = category_entries + forest.category_begin[f];
  const std::int64_t n_nodes = forest.category_begin[f + 1] - forest.category_begin[f];
  for (std::int32_t w = 0; w < words; ++w) {
    const auto right = P::gather_words(forest.category_right, index, w);
    const std::int64_t in_word = n_nodes - 32 * w < 32 ? n_nodes - 32 * w : 32;
    for (std::int32_t k = 0; k < in_word; ++k) {
      const typename P::Rows rows = P::with_bit(right, k);
      if (!P::none(rows)) P::send_right(line(nodes[32 * w + k].tree), rows, nodes[32 * w + k].mask);
    }
  }
}

template <class P, class T>
void score_groups(const QuickScorer<T>& forest, const typename P::template Entry<T>* entries,
                  const typename P::template Entry<T>* nan_entries,
                  const typename P::template Entry<T>* category_entries, const T* rows, std::int32_t n_rows,
                  std::int32_t n_cols, std::uint64_t* scratch, std::int32_t* leaves) {
  using Entry = typename P::template Entry<T>;
  constexpr std::int32_t kLanes = P::kLanes;
  static_assert(P::kLineBytes <= kQuickScorerLineWords * 8, "a tree's words must fit the scratch's line");
  const auto first_line = (reinterpret_cast<std::uintptr_t>(scratch) + 63) & ~std::uintptr_t{63};
  auto* bits = reinterpret_cast<char*>(first_line);
  const auto line = [bits](std::int64_t tree) { return bits + tree * P::kLineBytes; };
  for (std::int32_t first = 0; first < n_rows; first += kLanes) {
    const std::int32_t lanes = n_rows - first < kLanes ? n_rows - first : kLanes;
    const typename P::Offsets offsets = P::row_offsets(lanes, n_cols);
    const T* group = rows + static_cast<std::int64_t>(first) * n_cols;
    for (std::int64_t t = 0; t < forest.n_trees; ++t) P::reset(line(t));
    for (std::int32_t f = 0; f < forest.n_features; ++f) {
      const auto x = P::values(group + f, offsets);
      if (forest.category_words != nullptr && forest.category_words[f] != 0) {
        score_category_column<P>(forest, category_entries, f, x, line);
        continue;
      }
      const typename P::Rows nan = P::nan(x);
      if (!P::none(nan)) {
        const Entry* end = nan_entries + forest.nan_begin[f + 1];
        for (const Entry* e = nan_entries + forest.nan_begin[f]; e != end; ++e) P::send_right(line(e->tree), nan, e->mask);
      }
      const typename P::Rows numbers = P::numbers(nan);
      if (P::none(numbers)) continue;
      const Entry* e = entries + forest.feature_begin[f];
      for (const Entry* scan = entries + forest.scan_begin[f]; e != scan; ++e) {
        P::send_right(line(e->tree), numbers, e->mask);
      }
      // threshold < x is false for a NaN x and for the +inf sentinel, which ends the scan.
      for (;; ++e) {
        const typename P::Rows right = P::below(e->threshold, x);
        if (P::none(right)) break;
        P::send_right(line(e->tree), right, e->mask);
      }
    }
    alignas(64) typename P::Word words[kLanes];
    for (std::int64_t t = 0; t < forest.n_trees; ++t) {
      P::copy_words(line(t), words);
      std::int32_t* tree_leaves = leaves + t * n_rows + first;
      const std::int32_t* leaf_of_bit = forest.leaf_of_bit + t * 64;
      for (std::int32_t l = 0; l < lanes; ++l) tree_leaves[l] = leaf_of_bit[lowest_bit(words[l])];
    }
  }
}

// The 32-bit entries (every tree at most 32 leaves) with the Narrow layer, else the 64-bit
// ones with Wide; matches ScoreRowsF32/F64, so a level's table takes it as it is.
template <class Wide, class Narrow, class T>
void score_rows(const QuickScorer<T>& forest, const T* rows, std::int32_t n_rows, std::int32_t n_cols,
                std::uint64_t* bits, std::int32_t* leaves) {
  if (forest.entries32 != nullptr) {
    return score_groups<Narrow>(forest, forest.entries32, forest.nan_entries32, forest.category_entries32, rows, n_rows,
                                n_cols, bits, leaves);
  }
  score_groups<Wide>(forest, forest.entries, forest.nan_entries, forest.category_entries, rows, n_rows, n_cols, bits,
                     leaves);
}

}  // namespace sapwood::kernels::generic
