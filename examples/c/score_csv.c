/* score_csv_c MODEL CSV [raw|value|class]: the C API version of examples/cpp/score_csv.cpp.
 * Prints one line of comma-separated outputs per CSV row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sapwood/sapwood.h>

/* Reads a headerless CSV of numbers; returns a malloc'ed row-major array or NULL. */
static double* read_csv(const char* path, int64_t* rows, int64_t* cols) {
  FILE* file = fopen(path, "r");
  if (file == NULL) return NULL;
  size_t capacity = 1024, count = 0;
  double* values = malloc(capacity * sizeof(double));
  char line[65536];
  *rows = 0;
  *cols = -1;
  while (values != NULL && fgets(line, sizeof line, file) != NULL) {
    if (line[0] == '\n' || line[0] == '\0') continue;
    int64_t n = 0;
    char* field = line;
    for (;;) {
      char* end = field + strcspn(field, ",\n");
      const char saved = *end;
      *end = '\0';
      if (count == capacity) {
        capacity *= 2;
        double* grown = realloc(values, capacity * sizeof(double));
        if (grown == NULL) { free(values); values = NULL; break; }
        values = grown;
      }
      values[count++] = *field == '\0' ? NAN : strtod(field, NULL);
      ++n;
      if (saved != ',') break;
      field = end + 1;
    }
    if (values == NULL || (*cols >= 0 && n != *cols)) { free(values); values = NULL; break; }
    *cols = n;
    ++*rows;
  }
  fclose(file);
  if (*cols < 0) *cols = 0;
  return values;
}

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: score_csv_c MODEL CSV [raw|value|class]\n");
    return 2;
  }
  sapwood_model* model = NULL;
  if (sapwood_load_file(argv[1], &model) != SAPWOOD_OK) {
    fprintf(stderr, "error: %s\n", sapwood_last_error());
    return 1;
  }
  int64_t rows = 0, cols = 0;
  double* x = read_csv(argv[2], &rows, &cols);
  if (x == NULL) {
    fprintf(stderr, "error: cannot read %s\n", argv[2]);
    sapwood_free(model);
    return 1;
  }
  sapwood_matrix matrix = {sizeof(sapwood_matrix), x, SAPWOOD_FLOAT64, rows, cols, cols, 1};
  sapwood_predict_options options = {sizeof(sapwood_predict_options), SAPWOOD_OUTPUT_VALUE, 0, NULL, 0};
  if (argc > 3 && strcmp(argv[3], "raw") == 0) options.output = SAPWOOD_OUTPUT_RAW;
  if (argc > 3 && strcmp(argv[3], "class") == 0) options.output = SAPWOOD_OUTPUT_CLASS;
  int64_t size = 0;
  double* out = NULL;
  int status = sapwood_output_size(model, &matrix, &options, &size);
  if (status == SAPWOOD_OK) {
    out = malloc((size_t)(size > 0 ? size : 1) * sizeof(double));
    status = out == NULL ? SAPWOOD_ERROR_OUT_OF_MEMORY : sapwood_predict(model, &matrix, &options, out, size);
  }
  if (status != SAPWOOD_OK) {
    fprintf(stderr, "error: %s\n", sapwood_last_error());
  } else {
    const int64_t columns = rows > 0 ? size / rows : 0;
    for (int64_t r = 0; r < rows; ++r) {
      for (int64_t k = 0; k < columns; ++k) printf(k == 0 ? "%.17g" : ",%.17g", out[r * columns + k]);
      printf("\n");
    }
  }
  free(out);
  free(x);
  sapwood_free(model);
  return status == SAPWOOD_OK ? 0 : 1;
}
