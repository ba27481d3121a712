// score_csv MODEL CSV [raw|value|class]: loads any model file sapwood reads, scores the
// rows of a headerless CSV of numbers (empty or "nan" = missing) and prints one line of
// comma-separated outputs per row, with enough digits to round-trip each double.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <stdexcept>
#include <vector>

#include <sapwood/sapwood.hpp>

namespace {

std::vector<double> read_csv(const std::string& path, std::int64_t* rows, std::int64_t* cols) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open " + path);
  std::vector<double> values;
  std::string line;
  *rows = 0;
  *cols = -1;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    std::int64_t n = 0;
    std::stringstream fields(line);
    std::string field;
    while (std::getline(fields, field, ',')) {
      values.push_back(field.empty() ? std::nan("") : std::strtod(field.c_str(), nullptr));
      ++n;
    }
    if (*cols >= 0 && n != *cols) throw std::runtime_error("ragged CSV row " + std::to_string(*rows + 1));
    *cols = n;
    ++*rows;
  }
  if (*cols < 0) *cols = 0;
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: score_csv MODEL CSV [raw|value|class]\n";
    return 2;
  }
  try {
    const sapwood::Model model = sapwood::load_model(argv[1]);
    std::int64_t rows = 0, cols = 0;
    const std::vector<double> x = read_csv(argv[2], &rows, &cols);
    sapwood::PredictOptions options;
    const std::string kind = argc > 3 ? argv[3] : "value";
    options.output = kind == "raw" ? sapwood::Output::kRaw : kind == "class" ? sapwood::Output::kClass : sapwood::Output::kValue;
    const std::vector<double> out = model.predict(sapwood::MatrixView::row_major(x.data(), rows, cols), options);
    const std::int64_t columns = model.output_columns(options.output);
    for (std::int64_t r = 0; r < rows; ++r) {
      for (std::int64_t k = 0; k < columns; ++k) {
        std::printf(k == 0 ? "%.17g" : ",%.17g", out[static_cast<std::size_t>(r * columns + k)]);
      }
      std::printf("\n");
    }
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
