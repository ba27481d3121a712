// Model: the validated IR of one model kind plus the prediction driver that splits rows
// into blocks, runs them on threads and post-processes each block.
#include "sapwood/model.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <variant>

#include "compile/forest_engine.hpp"
#include "ir/forest.hpp"
#include "ir/linear.hpp"
#include "ir/select_trees.hpp"
#include "kernels/dispatch.hpp"
#include "predict/input.hpp"
#include "predict/margins.hpp"
#include "predict/postprocess.hpp"
#include "sapwood/error.hpp"
#include "util/parallel.hpp"

namespace sapwood {

class Model::Impl {
 public:
  explicit Impl(detail::Forest forest) : ir_(std::move(forest)) {
    const auto& ir = std::get<detail::Forest>(ir_);
    rule_.transform = ir.spec.transform;
    rule_.transform_param = ir.spec.transform_param;
    rule_.class_rule = ir.spec.class_rule;
    rule_.n_outputs = ir.spec.n_outputs;
    if (ir.spec.aggregation == Aggregation::kMeanAfterRaw) {
      rule_.value_divisor.assign(ir.trees_per_output.begin(), ir.trees_per_output.end());
    }
    layout_ = compile::compile_forest(ir);
  }
  explicit Impl(detail::Linear linear) : ir_(std::move(linear)) {
    const auto& spec = std::get<detail::Linear>(ir_).spec;
    rule_.transform = spec.transform;
    rule_.transform_param = spec.transform_param;
    rule_.class_rule = spec.class_rule;
    rule_.n_outputs = spec.n_outputs;
    rule_.softmax_vector_exp = true;
  }

  const detail::Forest* forest() const { return std::get_if<detail::Forest>(&ir_); }
  const detail::Linear* linear() const { return std::get_if<detail::Linear>(&ir_); }
  const detail::OutputRule& rule() const { return rule_; }
  const compile::ForestLayout* layout() const { return layout_.get(); }

  std::int32_t n_features() const {
    return forest() ? forest()->spec.n_features : linear()->spec.n_features;
  }
  const ModelInfo& info() const { return forest() ? forest()->spec.info : linear()->spec.info; }

  // The rows the margin kernels take at once for input of n_cols columns.
  std::int64_t preferred_rows(std::int64_t n_cols) const;

  void margins(const MatrixView& x, std::int64_t begin, std::int64_t end, double* out) const {
    if (const auto* f = forest()) return detail::forest_margins(*f, layout(), x, begin, end, out);
    detail::linear_margins(*linear(), x, begin, end, out);
  }

 private:
  std::variant<detail::Forest, detail::Linear> ir_;
  detail::OutputRule rule_;
  // The forest's compiled engine layout (derived, never saved); shared by copies of the model.
  std::shared_ptr<const compile::ForestLayout> layout_;
};

namespace {

// Rows per work item, at least: big enough to amortise the per-block setup, small enough to
// keep a block's margins in L1 and to balance threads on modest inputs.
constexpr std::int64_t kBlockRows = 128;

// What the kernels prefer (a forest bigger than the cache walks more rows at once), cut to
// an even share of the rows per thread so that a modest input still spreads over them.
std::int64_t work_item_rows(std::int64_t preferred, std::int64_t n_rows, int n_threads) {
  if (preferred <= kBlockRows) return kBlockRows;
  const std::int64_t share = (n_rows + n_threads - 1) / n_threads;
  const std::int64_t share_blocks = (share + kBlockRows - 1) / kBlockRows * kBlockRows;
  return std::max(kBlockRows, std::min(preferred, share_blocks));
}

}  // namespace

std::int64_t Model::Impl::preferred_rows(std::int64_t n_cols) const {
  if (forest()) return detail::forest_block_rows(layout(), n_cols);
  return kBlockRows;
}

Model::Model(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Model Model::from_forest(ForestSpec spec) {
  return Model(std::make_shared<const Impl>(detail::make_forest(std::move(spec))));
}

Model Model::from_linear(LinearSpec spec) {
  return Model(std::make_shared<const Impl>(detail::make_linear(std::move(spec))));
}

Model Model::select_iterations(std::int64_t begin, std::int64_t end) const {
  const detail::Forest* forest = impl_->forest();
  const std::int32_t per_iteration = impl_->info().trees_per_iteration;
  if (forest == nullptr || per_iteration <= 0) {
    throw Error(ErrorCode::kInvalidArgument, "this model has no boosting iterations to select");
  }
  if (forest->n_trees() % per_iteration != 0) {
    throw Error(ErrorCode::kInvalidArgument, "the model's trees do not divide into whole iterations");
  }
  const std::int64_t n_iterations = forest->n_trees() / per_iteration;
  if (end == -1) end = n_iterations;
  if (begin < 0 || begin >= end || end > n_iterations) {
    throw Error(ErrorCode::kInvalidArgument,
                "iterations [" + std::to_string(begin) + ", " + std::to_string(end) +
                    ") are not a non-empty range within the model's " + std::to_string(n_iterations));
  }
  return from_forest(detail::select_trees(forest->spec, begin * per_iteration, end * per_iteration));
}

Model Model::with_metadata(std::string metadata_json) const {
  if (const ForestSpec* f = forest_spec()) {
    ForestSpec spec = *f;
    spec.info.metadata_json = std::move(metadata_json);
    return from_forest(std::move(spec));
  }
  LinearSpec spec = *linear_spec();
  spec.info.metadata_json = std::move(metadata_json);
  return from_linear(std::move(spec));
}

std::int32_t Model::n_features() const { return impl_->n_features(); }
std::int32_t Model::n_outputs() const { return impl_->rule().n_outputs; }
std::int64_t Model::output_columns(Output output) const {
  if (output == Output::kLeaf) {
    if (impl_->forest() == nullptr) throw Error(ErrorCode::kInvalidArgument, "leaf indices need a tree model; this model is linear");
    return impl_->forest()->n_trees();
  }
  return detail::output_columns(impl_->rule(), output);
}
bool Model::is_classifier() const { return impl_->rule().class_rule != ClassRule::kNone; }
const ModelInfo& Model::info() const { return impl_->info(); }
Transform Model::transform() const { return impl_->rule().transform; }
ClassRule Model::class_rule() const { return impl_->rule().class_rule; }
const ForestSpec* Model::forest_spec() const {
  return impl_->forest() ? &impl_->forest()->spec : nullptr;
}
const LinearSpec* Model::linear_spec() const {
  return impl_->linear() ? &impl_->linear()->spec : nullptr;
}

ModelSummary Model::summary() const {
  ModelSummary summary;
  if (const auto* forest = impl_->forest()) {
    summary.kind = ModelKind::kForest;
    summary.n_trees = forest->n_trees();
    summary.n_nodes = forest->n_nodes();
    summary.n_leaves = forest->n_leaves;
    summary.max_depth = *std::max_element(forest->tree_depth.begin(), forest->tree_depth.end());
    if (const auto* layout = impl_->layout()) {
      summary.compiled = true;
      summary.n_reference_trees = std::count(layout->reference_tree.begin(), layout->reference_tree.end(), 1);
      summary.quickscorer_form = layout->quickscorer;
      summary.n_categorical_trees = std::count(layout->categorical_tree.begin(), layout->categorical_tree.end(), 1);
    }
    const kernels::KernelTable* kernels = kernels::kernels_for(kernels::active_isa());
    const std::int32_t n_features = forest->spec.n_features;
    summary.batch_engine = compile::forest_engine_name(compile::choose_forest_engine(
        impl_->layout(), kernels, detail::forest_block_rows(impl_->layout(), n_features), n_features));
    summary.row_engine =
        compile::forest_engine_name(compile::choose_forest_engine(impl_->layout(), kernels, 1, n_features));
    if (impl_->layout() == nullptr) {
      summary.n_reference_trees = summary.n_trees;
    }
  } else {
    summary.kind = ModelKind::kLinear;
  }
  return summary;
}

void Model::predict(const MatrixView& x, const PredictOptions& options, double* out,
                    std::int64_t out_size) const {
  detail::check_input(x, n_features());
  const detail::OutputRule& rule = impl_->rule();
  const std::int64_t columns = output_columns(options.output);
  if (columns > 0 && x.rows > std::numeric_limits<std::int64_t>::max() / columns) {
    throw Error(ErrorCode::kInvalidArgument, "X has too many rows for one call");
  }
  if (out_size < x.rows * columns) {
    throw Error(ErrorCode::kInvalidArgument,
                "output buffer holds " + std::to_string(out_size) + " values, " +
                    std::to_string(x.rows * columns) + " needed");
  }
  if (options.n_threads < 0) {
    throw Error(ErrorCode::kInvalidArgument, "n_threads must be >= 0 (0 = all cores)");
  }
  detail::check_overrides(options.set_features, options.n_set_features, n_features());
  const std::int64_t block_rows =
      work_item_rows(impl_->preferred_rows(x.cols), x.rows, detail::resolve_threads(options.n_threads));
  const std::int64_t n_blocks = (x.rows + block_rows - 1) / block_rows;
  detail::parallel_for(n_blocks, options.n_threads, [&](std::int64_t block) {
    const std::int64_t begin = block * block_rows;
    const std::int64_t end = std::min(x.rows, begin + block_rows);
    double* block_out = out + begin * columns;
    // With overrides, the kernels read a gathered copy of this block instead of X.
    std::vector<double> gathered;
    MatrixView source = x;
    std::int64_t first = begin, last = end;
    if (options.n_set_features > 0) {
      gathered.resize(static_cast<std::size_t>((end - begin) * x.cols));
      detail::gather_with_overrides(x, begin, end, options.set_features, options.n_set_features, gathered.data());
      source = MatrixView::row_major(gathered.data(), end - begin, x.cols);
      first = 0;
      last = end - begin;
    }
    if (options.output == Output::kLeaf) {
      detail::forest_leaves(*impl_->forest(), source, first, last, block_out);
      return;
    }
    if (options.output == Output::kRaw) {
      impl_->margins(source, first, last, block_out);
      return;
    }
    std::vector<double> margins(static_cast<std::size_t>((end - begin) * rule.n_outputs));
    impl_->margins(source, first, last, margins.data());
    detail::finalize_rows(rule, options.output, margins.data(), end - begin, block_out);
  });
}

std::vector<double> Model::predict(const MatrixView& x, const PredictOptions& options) const {
  detail::check_input(x, n_features());
  std::vector<double> out(static_cast<std::size_t>(x.rows * output_columns(options.output)));
  predict(x, options, out.data(), static_cast<std::int64_t>(out.size()));
  return out;
}

}  // namespace sapwood
