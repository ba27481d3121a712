/* sapwood's C API (C99): load a model file and predict, from any language with a C FFI.
 *
 * Conventions:
 *  - Every function that can fail returns a sapwood_status; SAPWOOD_OK is 0. After a
 *    failure, sapwood_last_error() describes it (per thread, valid until the next call
 *    on that thread). No C++ exception ever crosses this API.
 *  - A sapwood_model is immutable: one model may be used from many threads at once.
 *  - Outputs go to caller-allocated buffers; sapwood_output_size() says how many values.
 *  - Option and matrix structs start with their own size (set it to sizeof the struct),
 *    so that later versions can add fields without breaking callers built against this one.
 *
 * Example:
 *     sapwood_model* model = NULL;
 *     if (sapwood_load_file("model.sapwood", &model) != SAPWOOD_OK) {
 *       fprintf(stderr, "%s\n", sapwood_last_error());
 *       return 1;
 *     }
 *     sapwood_matrix x = {sizeof(sapwood_matrix), data, SAPWOOD_FLOAT64, rows, cols, cols, 1};
 *     sapwood_predict_options options = {sizeof(sapwood_predict_options), SAPWOOD_OUTPUT_VALUE, 0, NULL, 0};
 *     int64_t n = 0;
 *     sapwood_output_size(model, &x, &options, &n);
 *     double* out = malloc(n * sizeof(double));
 *     sapwood_predict(model, &x, &options, out, n);
 *     sapwood_free(model);
 */
#ifndef SAPWOOD_H
#define SAPWOOD_H

#include <stddef.h>
#include <stdint.h>

#include "sapwood/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum sapwood_status {
  SAPWOOD_OK = 0,
  SAPWOOD_ERROR_INVALID_ARGUMENT = 1, /* the caller passed something wrong */
  SAPWOOD_ERROR_INVALID_MODEL = 2,    /* the model file is corrupt or breaks an invariant */
  SAPWOOD_ERROR_UNSUPPORTED = 3,      /* well-formed, but sapwood cannot evaluate it */
  SAPWOOD_ERROR_INTERNAL = 4,         /* a bug in sapwood */
  SAPWOOD_ERROR_OUT_OF_MEMORY = 5
} sapwood_status;

typedef enum sapwood_dtype { SAPWOOD_FLOAT32 = 0, SAPWOOD_FLOAT64 = 1 } sapwood_dtype;

typedef enum sapwood_output {
  SAPWOOD_OUTPUT_RAW = 0,   /* margins (predict_raw) */
  SAPWOOD_OUTPUT_VALUE = 1, /* transformed values: probabilities, regression values */
  SAPWOOD_OUTPUT_CLASS = 2, /* classifiers: the index of the predicted class */
  SAPWOOD_OUTPUT_LEAF = 3   /* forests: per tree, the tree-local index of the leaf reached */
} sapwood_output;

/* A row-major, column-major or strided matrix; strides count elements, not bytes. */
typedef struct sapwood_matrix {
  size_t struct_size; /* sizeof(sapwood_matrix) */
  const void* data;
  int32_t dtype;      /* sapwood_dtype */
  int64_t rows;
  int64_t cols;
  int64_t row_stride;
  int64_t col_stride;
} sapwood_matrix;

typedef struct sapwood_feature_value {
  int32_t feature;
  double value; /* NaN: missing */
} sapwood_feature_value;

typedef struct sapwood_predict_options {
  size_t struct_size; /* sizeof(sapwood_predict_options) */
  int32_t output;     /* sapwood_output */
  int32_t n_threads;  /* 0: one per core */
  /* Features read as these values in every row instead of x's columns (counterfactuals,
   * partial dependence); x is not modified or copied whole. May be NULL / 0. */
  const sapwood_feature_value* set_features;
  int64_t n_set_features;
} sapwood_predict_options;

typedef struct sapwood_model sapwood_model;

SAPWOOD_API const char* sapwood_version(void);
SAPWOOD_API const char* sapwood_last_error(void);

/* Any format sapwood reads (its own, XGBoost JSON/UBJSON, LightGBM text), detected from the
 * content. On success *out owns a model to release with sapwood_free. */
SAPWOOD_API int sapwood_load_file(const char* path, sapwood_model** out);
SAPWOOD_API int sapwood_load_memory(const void* data, size_t size, sapwood_model** out);
SAPWOOD_API int sapwood_save_file(const sapwood_model* model, const char* path);
SAPWOOD_API void sapwood_free(sapwood_model* model);

SAPWOOD_API int sapwood_n_features(const sapwood_model* model, int32_t* out);
SAPWOOD_API int sapwood_n_outputs(const sapwood_model* model, int32_t* out);
/* *out points into the model (valid while it lives); NULL when the model has no names. */
SAPWOOD_API int sapwood_feature_name(const sapwood_model* model, int32_t index, const char** out);
/* The model's metadata as JSON text (docs/format.md, "Metadata"): class labels, and for a
 * categorical model the category lists whose positions are the codes X must hold, as the
 * Python front end wrote them; "" when the file has none. *out points into the model. */
SAPWOOD_API int sapwood_metadata_json(const sapwood_model* model, const char** out);

/* How many doubles sapwood_predict writes for this input and options (rows x columns). */
SAPWOOD_API int sapwood_output_size(const sapwood_model* model, const sapwood_matrix* x,
                                    const sapwood_predict_options* options, int64_t* out);
/* options may be NULL (values, all cores). out must hold out_size >= sapwood_output_size. */
SAPWOOD_API int sapwood_predict(const sapwood_model* model, const sapwood_matrix* x,
                                const sapwood_predict_options* options, double* out, int64_t out_size);

#ifdef __cplusplus
}
#endif

#endif /* SAPWOOD_H */
