// The C ABI (sapwood.h) over the C++ API: every entry point catches everything, turns it
// into a status code and a thread-local message, and checks its pointers and struct sizes.
#include "sapwood/sapwood.h"

#include <cstddef>
#include <cstdint>
#include <limits>
#include <new>
#include <string>

#include "sapwood/sapwood.hpp"

struct sapwood_model {
  sapwood::Model model;
};

namespace {

thread_local std::string last_error;

int fail(int status, const std::string& message) {
  last_error = message;
  return status;
}

// Runs `body`, mapping every exception to a status; no exception escapes to C.
template <class Body>
int guarded(Body&& body) {
  try {
    body();
    last_error.clear();
    return SAPWOOD_OK;
  } catch (const sapwood::Error& e) {
    switch (e.code()) {
      case sapwood::ErrorCode::kInvalidArgument: return fail(SAPWOOD_ERROR_INVALID_ARGUMENT, e.what());
      case sapwood::ErrorCode::kInvalidModel: return fail(SAPWOOD_ERROR_INVALID_MODEL, e.what());
      case sapwood::ErrorCode::kUnsupported: return fail(SAPWOOD_ERROR_UNSUPPORTED, e.what());
      case sapwood::ErrorCode::kInternal: break;
    }
    return fail(SAPWOOD_ERROR_INTERNAL, e.what());
  } catch (const std::bad_alloc&) {
    return fail(SAPWOOD_ERROR_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    return fail(SAPWOOD_ERROR_INTERNAL, e.what());
  } catch (...) {
    return fail(SAPWOOD_ERROR_INTERNAL, "unknown error");
  }
}

[[noreturn]] void bad_argument(const std::string& message) {
  throw sapwood::Error(sapwood::ErrorCode::kInvalidArgument, message);
}

void require(const void* pointer, const char* name) {
  if (pointer == nullptr) bad_argument(std::string(name) + " is NULL");
}

// Reads the fields a caller's struct holds; fields beyond its struct_size keep defaults.
sapwood::MatrixView matrix_view(const sapwood_matrix* x) {
  require(x, "x");
  if (x->struct_size < offsetof(sapwood_matrix, col_stride) + sizeof(x->col_stride)) {
    bad_argument("x->struct_size is too small; set it to sizeof(sapwood_matrix)");
  }
  if (x->dtype != SAPWOOD_FLOAT32 && x->dtype != SAPWOOD_FLOAT64) bad_argument("x->dtype must be SAPWOOD_FLOAT32 or SAPWOOD_FLOAT64");
  sapwood::MatrixView view;
  view.data = x->data;
  view.dtype = x->dtype == SAPWOOD_FLOAT32 ? sapwood::DType::kFloat32 : sapwood::DType::kFloat64;
  view.rows = x->rows;
  view.cols = x->cols;
  view.row_stride = x->row_stride;
  view.col_stride = x->col_stride;
  return view;
}

sapwood::PredictOptions predict_options(const sapwood_predict_options* options) {
  sapwood::PredictOptions out;
  if (options == nullptr) return out;
  if (options->struct_size < offsetof(sapwood_predict_options, n_threads) + sizeof(options->n_threads)) {
    bad_argument("options->struct_size is too small; set it to sizeof(sapwood_predict_options)");
  }
  if (options->output < SAPWOOD_OUTPUT_RAW || options->output > SAPWOOD_OUTPUT_LEAF) bad_argument("unknown options->output");
  out.output = static_cast<sapwood::Output>(options->output);
  out.n_threads = options->n_threads;
  // Callers built against the first version of the struct end before these fields.
  if (options->struct_size >= offsetof(sapwood_predict_options, n_set_features) + sizeof(options->n_set_features)) {
    static_assert(sizeof(sapwood_feature_value) == sizeof(sapwood::FeatureValue) &&
                      offsetof(sapwood_feature_value, value) == offsetof(sapwood::FeatureValue, value),
                  "the C and C++ feature values must share one layout");
    out.set_features = reinterpret_cast<const sapwood::FeatureValue*>(options->set_features);
    out.n_set_features = options->n_set_features;
  }
  return out;
}

int store_model(sapwood::Model model, sapwood_model** out) {
  *out = new sapwood_model{std::move(model)};
  return SAPWOOD_OK;
}

}  // namespace

extern "C" {

const char* sapwood_version(void) { return SAPWOOD_VERSION; }

const char* sapwood_last_error(void) { return last_error.c_str(); }

int sapwood_load_file(const char* path, sapwood_model** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    require(path, "path");
    store_model(sapwood::load_model(path), out);
  });
}

int sapwood_load_memory(const void* data, size_t size, sapwood_model** out) {
  return guarded([&] {
    require(out, "out");
    *out = nullptr;
    store_model(sapwood::load_model_from_memory(data, size), out);
  });
}

int sapwood_save_file(const sapwood_model* model, const char* path) {
  return guarded([&] {
    require(model, "model");
    require(path, "path");
    sapwood::save_model(model->model, path);
  });
}

void sapwood_free(sapwood_model* model) { delete model; }

int sapwood_n_features(const sapwood_model* model, int32_t* out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = model->model.n_features();
  });
}

int sapwood_n_outputs(const sapwood_model* model, int32_t* out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = model->model.n_outputs();
  });
}

int sapwood_feature_name(const sapwood_model* model, int32_t index, const char** out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    if (index < 0 || index >= model->model.n_features()) bad_argument("feature index out of range");
    const auto& names = model->model.info().feature_names;
    *out = names.empty() ? nullptr : names[static_cast<std::size_t>(index)].c_str();
  });
}

int sapwood_metadata_json(const sapwood_model* model, const char** out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    *out = model->model.info().metadata_json.c_str();
  });
}

int sapwood_output_size(const sapwood_model* model, const sapwood_matrix* x, const sapwood_predict_options* options,
                        int64_t* out) {
  return guarded([&] {
    require(model, "model");
    require(out, "out");
    const sapwood::MatrixView view = matrix_view(x);
    if (view.rows < 0) bad_argument("x->rows is negative");
    const int64_t columns = model->model.output_columns(predict_options(options).output);
    // The same guard as Model::predict: the product must fit an int64_t (and so a size_t).
    if (columns > 0 && view.rows > std::numeric_limits<int64_t>::max() / columns) {
      bad_argument("x->rows x the output's columns overflows int64_t");
    }
    *out = view.rows * columns;
  });
}

int sapwood_predict(const sapwood_model* model, const sapwood_matrix* x, const sapwood_predict_options* options,
                    double* out, int64_t out_size) {
  return guarded([&] {
    require(model, "model");
    if (out == nullptr && out_size > 0) bad_argument("out is NULL");
    model->model.predict(matrix_view(x), predict_options(options), out, out_size);
  });
}

}  // extern "C"
