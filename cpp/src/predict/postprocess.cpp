// Transforms and class decisions. Each transform is written the way the source
// libraries compute it (e.g. softmax subtracts the row maximum, as scipy does), so the
// results agree with theirs to float rounding.
#include "predict/postprocess.hpp"

#include <cmath>
#include <vector>

#include "kernels/dispatch.hpp"
#include "sapwood/error.hpp"

namespace sapwood::detail {
namespace {

bool reports_two_columns(const OutputRule& rule) {
  // A binary classifier with one margin column reports [P(class 0), P(class 1)].
  return rule.n_outputs == 1 && rule.class_rule != ClassRule::kNone &&
         (rule.transform == Transform::kSigmoid || rule.transform == Transform::kModifiedHuber);
}

double sigmoid(double slope, double x) { return 1.0 / (1.0 + std::exp(-(slope * x))); }

// SGDClassifier(loss="modified_huber").predict_proba: (clip(x, -1, 1) + 1) / 2.
double modified_huber(double x) { return (std::fmin(std::fmax(x, -1.0), 1.0) + 1.0) / 2.0; }

// scikit-learn's rule for rows of one-vs-rest probabilities: scaled to sum 1, and a row whose
// values are all 0 becomes uniform rather than 0/0 (_predict_proba_lr, SGD's modified_huber).
void normalize_or_uniform(double* values, std::int32_t n) {
  double sum = 0.0;
  for (std::int32_t k = 0; k < n; ++k) sum += values[k];
  if (sum == 0.0) {
    for (std::int32_t k = 0; k < n; ++k) values[k] = 1.0 / n;
    return;
  }
  for (std::int32_t k = 0; k < n; ++k) values[k] /= sum;
}

// OneVsRestClassifier.predict_proba: np.divide(Y, row_sums, where=row_sums != 0), so a
// row summing to zero is left as it is. `values` and `out` may be the same.
void normalize_nonzero(const double* values, std::int32_t n, double* out) {
  double sum = 0.0;
  for (std::int32_t k = 0; k < n; ++k) sum += values[k];
  for (std::int32_t k = 0; k < n; ++k) out[k] = sum != 0.0 ? values[k] / sum : values[k];
}

void transform_row(const OutputRule& rule, const double* margin, double* out) {
  const std::int32_t n = rule.n_outputs;
  switch (rule.transform) {
    case Transform::kIdentity:
      for (std::int32_t k = 0; k < n; ++k) out[k] = margin[k];
      return;
    case Transform::kSigmoid:
      if (reports_two_columns(rule)) {
        const double p = sigmoid(rule.transform_param, margin[0]);
        out[0] = 1.0 - p;
        out[1] = p;
        return;
      }
      for (std::int32_t k = 0; k < n; ++k) out[k] = sigmoid(rule.transform_param, margin[k]);
      return;
    case Transform::kSoftmax: {
      double max = margin[0];
      for (std::int32_t k = 1; k < n; ++k) max = std::fmax(max, margin[k]);
      double sum = 0.0;
      for (std::int32_t k = 0; k < n; ++k) {
        out[k] = std::exp(margin[k] - max);
        sum += out[k];
      }
      for (std::int32_t k = 0; k < n; ++k) out[k] /= sum;
      return;
    }
    case Transform::kExp:
      for (std::int32_t k = 0; k < n; ++k) out[k] = std::exp(margin[k]);
      return;
    case Transform::kSigmoidNormalize:
      for (std::int32_t k = 0; k < n; ++k) out[k] = sigmoid(rule.transform_param, margin[k]);
      normalize_or_uniform(out, n);
      return;
    case Transform::kModifiedHuber:
      if (reports_two_columns(rule)) {
        const double p = modified_huber(margin[0]);
        out[0] = 1.0 - p;
        out[1] = p;
        return;
      }
      for (std::int32_t k = 0; k < n; ++k) out[k] = modified_huber(margin[k]);
      if (n > 1) normalize_or_uniform(out, n);
      return;
    case Transform::kNormalize:
      normalize_nonzero(margin, n, out);
      return;
    case Transform::kOvrSigmoid:
      for (std::int32_t k = 0; k < n; ++k) out[k] = sigmoid(rule.transform_param, margin[k]);
      normalize_nonzero(out, n, out);
      return;
    case Transform::kStep:
      for (std::int32_t k = 0; k < n; ++k) out[k] = margin[k] > 0.0 ? 1.0 : 0.0;
      return;
    case Transform::kSoftplus:
      for (std::int32_t k = 0; k < n; ++k) out[k] = std::log1p(std::exp(margin[k]));
      return;
    case Transform::kSignedSquare:
      // LightGBM: Common::Sign(x) * x * x, an int sign (0 for 0 and NaN), products left to right.
      for (std::int32_t k = 0; k < n; ++k) {
        const double x = margin[k];
        const double sign = static_cast<double>((x > 0.0) - (x < 0.0));
        out[k] = sign * x * x;
      }
      return;
    case Transform::kIsolationScore: {
      // IsolationForest.score_samples; a zero denominator (one training sample) scores
      // -0.5, as scikit-learn's np.divide(..., where=denominator != 0) leaves 1 there.
      const double scaled = rule.transform_param != 0.0 ? margin[0] / rule.transform_param : 1.0;
      out[0] = -std::pow(2.0, -scaled);
      return;
    }
  }
  throw Error(ErrorCode::kInternal, "unhandled transform");
}

// The softmax of a block of rows with the level's vector exp: each row's margins minus its
// maximum, one exp over the whole block, then each row's sum in order and the divisions, as
// transform_row does. False when the level has no kernels or a shifted margin
// is NaN or below -708, where the C library's exp takes over (out is then rewritten).
bool softmax_rows_vector(const double* margins, std::int32_t n, std::int64_t rows, double* out) {
  const kernels::KernelTable* kernels = kernels::kernels_for(kernels::active_isa());
  if (kernels == nullptr) return false;
  constexpr double kLowest = -708.0;
  bool in_range = true;
  for (std::int64_t r = 0; r < rows; ++r) {
    const double* margin = margins + r * n;
    // A plain comparison, not std::fmax (a call): a NaN margin gives a NaN shift either way.
    double max = margin[0];
    for (std::int32_t k = 1; k < n; ++k) max = margin[k] > max ? margin[k] : max;
    for (std::int32_t k = 0; k < n; ++k) {
      const double shifted = margin[k] - max;
      in_range &= shifted >= kLowest;  // false for NaN too
      out[r * n + k] = shifted;
    }
  }
  if (!in_range) return false;
  kernels->exp_nonpositive(out, rows * n);
  for (std::int64_t r = 0; r < rows; ++r) {
    double* row = out + r * n;
    double sum = 0.0;
    for (std::int32_t k = 0; k < n; ++k) sum += row[k];
    for (std::int32_t k = 0; k < n; ++k) row[k] /= sum;
  }
  return true;
}

// Index of the first (or last) maximum; NaN never wins, as with numpy's argmax on
// finite rows.
std::int64_t argmax(const double* values, std::int64_t n, bool last) {
  std::int64_t best = 0;
  for (std::int64_t k = 1; k < n; ++k) {
    if (last ? values[k] >= values[best] : values[k] > values[best]) best = k;
  }
  return best;
}

}  // namespace

std::int64_t output_columns(const OutputRule& rule, Output output) {
  switch (output) {
    case Output::kRaw:
      return rule.n_outputs;
    case Output::kValue:
      return reports_two_columns(rule) ? 2 : rule.n_outputs;
    case Output::kClass:
      if (rule.class_rule == ClassRule::kNone) {
        throw Error(ErrorCode::kInvalidArgument, "class predictions need a classifier; this model is not one");
      }
      return 1;
    case Output::kLeaf:
      break;  // sized by the model's tree count (Model::output_columns)
  }
  throw Error(ErrorCode::kInvalidArgument, "unknown output kind");
}

void finalize_rows(const OutputRule& rule, Output output, double* margins, std::int64_t rows, double* out) {
  const std::int32_t n = rule.n_outputs;
  const std::int64_t value_columns = output_columns(rule, Output::kValue);
  if (output == Output::kRaw) {
    for (std::int64_t i = 0; i < rows * n; ++i) out[i] = margins[i];
    return;
  }
  if (!rule.value_divisor.empty()) {
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int32_t k = 0; k < n; ++k) margins[r * n + k] /= rule.value_divisor[static_cast<std::size_t>(k)];
    }
  }
  if (output == Output::kValue) {
    if (rule.transform == Transform::kSoftmax && rule.softmax_vector_exp &&
        softmax_rows_vector(margins, n, rows, out)) {
      return;
    }
    for (std::int64_t r = 0; r < rows; ++r) transform_row(rule, margins + r * n, out + r * value_columns);
    return;
  }
  std::vector<double> value(static_cast<std::size_t>(value_columns));
  for (std::int64_t r = 0; r < rows; ++r) {
    const double* margin = margins + r * n;
    std::int64_t index = 0;
    switch (rule.class_rule) {
      case ClassRule::kArgmaxRaw:
        index = argmax(margin, n, false);
        break;
      case ClassRule::kArgmaxRawLast:
        index = argmax(margin, n, true);
        break;
      case ClassRule::kRawPositive:
        index = margin[0] > 0.0 ? 1 : 0;
        break;
      case ClassRule::kRawNonNegative:
        index = margin[0] >= 0.0 ? 1 : 0;
        break;
      case ClassRule::kArgmaxValue:
        transform_row(rule, margin, value.data());
        index = argmax(value.data(), value_columns, false);
        break;
      case ClassRule::kNone:
        throw Error(ErrorCode::kInternal, "class output on a model without a class rule");
    }
    out[r] = static_cast<double>(index);
  }
}

}  // namespace sapwood::detail
