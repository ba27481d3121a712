// sapwood._core: the thin pybind11 skin over the C++ API. It converts arguments, releases
// the GIL around native work and translates sapwood::Error; everything a user sees is
// written in Python (python/sapwood/).
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "sapwood/sapwood.hpp"

namespace py = pybind11;
using sapwood::DType;
using sapwood::Error;
using sapwood::ErrorCode;

namespace {

// Copies a 1-D array-like of the given element type into a vector (model building is a
// one-time cost; prediction input is never copied).
template <class T>
std::vector<T> to_vector(const py::dict& arrays, const char* key) {
  if (!arrays.contains(key)) return {};
  auto array = py::array_t<T, py::array::c_style | py::array::forcecast>::ensure(arrays[key]);
  if (!array) throw py::type_error(std::string("model array '") + key + "' has the wrong type");
  if (array.ndim() != 1) throw py::value_error(std::string("model array '") + key + "' must be 1-D");
  return std::vector<T>(array.data(), array.data() + array.size());
}

template <class T>
T get_or(const py::dict& values, const char* key, T fallback) {
  return values.contains(key) ? values[key].cast<T>() : fallback;
}

template <class T>
py::array_t<T> to_array(const std::vector<T>& values) {
  py::array_t<T> array(static_cast<py::ssize_t>(values.size()));
  if (!values.empty()) std::memcpy(array.mutable_data(), values.data(), values.size() * sizeof(T));
  return array;
}

sapwood::ModelInfo info_from(const py::dict& values) {
  sapwood::ModelInfo info;
  info.feature_names = get_or<std::vector<std::string>>(values, "feature_names", {});
  info.feature_types = get_or<std::vector<std::string>>(values, "feature_types", {});
  info.source = get_or<std::string>(values, "source", "");
  info.objective = get_or<std::string>(values, "objective", "");
  info.trees_per_iteration = get_or<std::int32_t>(values, "trees_per_iteration", 0);
  info.categories_json = get_or<std::string>(values, "categories_json", "");
  info.metadata_json = get_or<std::string>(values, "metadata_json", "");
  return info;
}

sapwood::Model forest_from_arrays(const py::dict& d) {
  sapwood::ForestSpec spec;
  spec.n_features = get_or<std::int32_t>(d, "n_features", 0);
  spec.n_outputs = get_or<std::int32_t>(d, "n_outputs", 1);
  spec.leaf_size = get_or<std::int32_t>(d, "leaf_size", 1);
  spec.tree_offsets = to_vector<std::int64_t>(d, "tree_offsets");
  spec.tree_outputs = to_vector<std::int32_t>(d, "tree_outputs");
  spec.left_child = to_vector<std::int32_t>(d, "left_child");
  spec.right_child = to_vector<std::int32_t>(d, "right_child");
  spec.feature = to_vector<std::int32_t>(d, "feature");
  spec.threshold = to_vector<double>(d, "threshold");
  spec.split_flags = to_vector<std::uint8_t>(d, "split_flags");
  spec.leaf_values = to_vector<double>(d, "leaf_values");
  spec.category_offsets = to_vector<std::int64_t>(d, "category_offsets");
  spec.categories = to_vector<std::int32_t>(d, "categories");
  spec.linear_offsets = to_vector<std::int64_t>(d, "linear_offsets");
  spec.linear_features = to_vector<std::int32_t>(d, "linear_features");
  spec.linear_coefs = to_vector<double>(d, "linear_coefs");
  spec.linear_const = to_vector<double>(d, "linear_const");
  spec.input_precision = static_cast<sapwood::Precision>(get_or<int>(d, "input_precision", 1));
  spec.zero_threshold = get_or<double>(d, "zero_threshold", 0.0);
  spec.accumulation = static_cast<sapwood::Precision>(get_or<int>(d, "accumulation", 1));
  spec.aggregation = static_cast<sapwood::Aggregation>(get_or<int>(d, "aggregation", 0));
  spec.base_score = to_vector<double>(d, "base_score");
  spec.transform = static_cast<sapwood::Transform>(get_or<int>(d, "transform", 0));
  spec.transform_param = get_or<double>(d, "transform_param", 1.0);
  spec.class_rule = static_cast<sapwood::ClassRule>(get_or<int>(d, "class_rule", 0));
  spec.info = info_from(d);
  py::gil_scoped_release release;  // validation touches only the spec built above
  return sapwood::Model::from_forest(std::move(spec));
}

sapwood::Model linear_from_arrays(const py::dict& d) {
  sapwood::LinearSpec spec;
  spec.n_features = get_or<std::int32_t>(d, "n_features", 0);
  spec.n_outputs = get_or<std::int32_t>(d, "n_outputs", 1);
  spec.coef = to_vector<double>(d, "coef");
  spec.intercept = to_vector<double>(d, "intercept");
  spec.transform = static_cast<sapwood::Transform>(get_or<int>(d, "transform", 0));
  spec.transform_param = get_or<double>(d, "transform_param", 1.0);
  spec.class_rule = static_cast<sapwood::ClassRule>(get_or<int>(d, "class_rule", 0));
  spec.info = info_from(d);
  return sapwood::Model::from_linear(std::move(spec));
}

// The same keys info_from reads.
void put_info(py::dict& d, const sapwood::ModelInfo& info) {
  d["feature_names"] = info.feature_names;
  d["feature_types"] = info.feature_types;
  d["source"] = info.source;
  d["objective"] = info.objective;
  d["trees_per_iteration"] = info.trees_per_iteration;
  d["categories_json"] = info.categories_json;
  d["metadata_json"] = info.metadata_json;
}

void put_common(py::dict& d, std::int32_t n_features, std::int32_t n_outputs, sapwood::Transform transform,
                double transform_param, sapwood::ClassRule class_rule, const sapwood::ModelInfo& info) {
  d["n_features"] = n_features;
  d["n_outputs"] = n_outputs;
  d["transform"] = static_cast<int>(transform);
  d["transform_param"] = transform_param;
  d["class_rule"] = static_cast<int>(class_rule);
  put_info(d, info);
}

py::dict info_of(const sapwood::Model& model) {
  py::dict d;
  put_info(d, model.info());
  return d;
}

// Parses a model file's bytes with the C++ readers; `format` is "" to detect it.
sapwood::Model load_model_bytes(const py::bytes& data, const std::string& format) {
  sapwood::ModelFormat chosen = sapwood::ModelFormat::kUnknown;
  if (!format.empty()) {
    for (auto candidate : {sapwood::ModelFormat::kXGBoostJson, sapwood::ModelFormat::kXGBoostUbjson,
                           sapwood::ModelFormat::kLightGBMText, sapwood::ModelFormat::kSapwood}) {
      if (format == sapwood::format_name(candidate)) chosen = candidate;
    }
    if (chosen == sapwood::ModelFormat::kUnknown) {
      throw py::value_error("unknown model format '" + format +
                            "' (expected sapwood, xgboost-json, xgboost-ubjson or lightgbm-text)");
    }
  }
  const std::string_view view(data);
  py::gil_scoped_release release;  // `data` stays alive in the caller's frame
  return sapwood::load_model_from_memory(view.data(), view.size(), chosen);
}

// The arrays a model was built from, in the form *_from_arrays takes.
py::dict arrays_of(const sapwood::Model& model) {
  py::dict d;
  if (const auto* f = model.forest_spec()) {
    d["kind"] = "forest";
    put_common(d, f->n_features, f->n_outputs, f->transform, f->transform_param, f->class_rule, f->info);
    d["leaf_size"] = f->leaf_size;
    d["tree_offsets"] = to_array(f->tree_offsets);
    d["tree_outputs"] = to_array(f->tree_outputs);
    d["left_child"] = to_array(f->left_child);
    d["right_child"] = to_array(f->right_child);
    d["feature"] = to_array(f->feature);
    d["threshold"] = to_array(f->threshold);
    d["split_flags"] = to_array(f->split_flags);
    d["leaf_values"] = to_array(f->leaf_values);
    d["category_offsets"] = to_array(f->category_offsets);
    d["categories"] = to_array(f->categories);
    d["linear_offsets"] = to_array(f->linear_offsets);
    d["linear_features"] = to_array(f->linear_features);
    d["linear_coefs"] = to_array(f->linear_coefs);
    d["linear_const"] = to_array(f->linear_const);
    d["input_precision"] = static_cast<int>(f->input_precision);
    d["zero_threshold"] = f->zero_threshold;
    d["accumulation"] = static_cast<int>(f->accumulation);
    d["aggregation"] = static_cast<int>(f->aggregation);
    d["base_score"] = to_array(f->base_score);
  } else {
    const auto* l = model.linear_spec();
    d["kind"] = "linear";
    put_common(d, l->n_features, l->n_outputs, l->transform, l->transform_param, l->class_rule, l->info);
    d["coef"] = to_array(l->coef);
    d["intercept"] = to_array(l->intercept);
  }
  return d;
}

using Overrides = std::vector<std::pair<std::int32_t, double>>;

// x as a view native code can read in place: an ndarray of native-order float32/float64,
// 2-D, with the model's column count, its address and strides whole elements (and, with
// plain_only, an ndarray itself, not a subclass the Python layer would convert). Anything
// else is nullopt.
std::optional<sapwood::MatrixView> readable_view(const sapwood::Model& model, const py::handle& x, bool plain_only) {
  auto& api = py::detail::npy_api::get();
  const bool plain = Py_TYPE(x.ptr()) == reinterpret_cast<PyTypeObject*>(api.PyArray_Type_);
  if (plain_only ? !plain : !py::isinstance<py::array>(x)) return std::nullopt;
  const auto array = py::reinterpret_borrow<py::array>(x);
  if (array.ndim() != 2 || array.shape(1) != model.n_features()) return std::nullopt;
  sapwood::MatrixView view;
  // Equivalence, not identity: an unpickled or reconstructed array may hold its own
  // float64 descriptor object (and a byte-swapped one must not pass).
  const auto same_type = [&](const py::dtype& wanted) {
    return api.PyArray_EquivTypes_(array.dtype().ptr(), wanted.ptr());
  };
  if (same_type(py::dtype::of<float>())) {
    view.dtype = DType::kFloat32;
  } else if (same_type(py::dtype::of<double>())) {
    view.dtype = DType::kFloat64;
  } else {
    return std::nullopt;
  }
  const auto itemsize = array.itemsize();
  if (array.strides(0) % itemsize != 0 || array.strides(1) % itemsize != 0 ||
      reinterpret_cast<std::uintptr_t>(array.data()) % static_cast<std::uintptr_t>(itemsize) != 0) {
    return std::nullopt;
  }
  view.data = array.data();
  view.rows = array.shape(0);
  view.cols = array.shape(1);
  view.row_stride = array.strides(0) / itemsize;
  view.col_stride = array.strides(1) / itemsize;
  return view;
}

// Below this many multiply-adds a call keeps the GIL: one row of a linear model is well
// under a microsecond of native work, less than handing the GIL over and back costs. Trees
// always release it, so threads serving single rows of big ensembles run in parallel.
constexpr std::int64_t kKeepGilWork = 1 << 14;

// Predicts rows of a readable view (x keeps its buffer alive in the caller's frame). squeeze:
// a single output column comes back 1-D.
py::array_t<double> predict_view(const sapwood::Model& model, const sapwood::MatrixView& view, int output,
                                 int n_threads, const Overrides& set_features, bool squeeze) {
  sapwood::PredictOptions options;
  options.output = static_cast<sapwood::Output>(output);
  options.n_threads = n_threads;
  std::vector<sapwood::FeatureValue> overrides;
  for (const auto& [feature, value] : set_features) overrides.push_back({feature, value});
  options.set_features = overrides.data();
  options.n_set_features = static_cast<std::int64_t>(overrides.size());

  const std::int64_t columns = model.output_columns(options.output);
  const auto rows = static_cast<py::ssize_t>(view.rows);
  py::array_t<double> out = squeeze && columns == 1 ? py::array_t<double>(rows)
                                                    : py::array_t<double>({rows, static_cast<py::ssize_t>(columns)});
  double* out_data = out.mutable_data();
  const sapwood::LinearSpec* linear = model.linear_spec();
  if (linear != nullptr && view.rows * view.cols * columns < kKeepGilWork) {
    model.predict(view, options, out_data, view.rows * columns);
  } else {
    // Safe without the GIL: the model is immutable, x and out are owned by live Python
    // objects held by this frame, and native code touches no Python state.
    py::gil_scoped_release release;
    model.predict(view, options, out_data, view.rows * columns);
  }
  return out;
}

// Predicts from an array the Python layer has made readable (Python's as_matrix).
py::array_t<double> predict(const sapwood::Model& model, const py::array& x, int output, int n_threads,
                            const Overrides& set_features, bool squeeze) {
  if (x.ndim() != 2) throw py::value_error("X must be 2-D");
  if (x.shape(1) != model.n_features()) {
    throw py::value_error("model expects " + std::to_string(model.n_features()) + " features, X has " +
                          std::to_string(x.shape(1)));
  }
  const auto view = readable_view(model, x, false);
  if (!view) throw py::type_error("X must be a float32 or float64 ndarray with aligned strides");
  return predict_view(model, *view, output, n_threads, set_features, squeeze);
}

// The fast path for plain arrays: predicts when x is readable as it is, else returns None
// and the Python layer converts x (and raises its errors) before calling predict.
py::object try_predict(const sapwood::Model& model, const py::handle& x, int output, int n_threads,
                       const Overrides& set_features, bool squeeze) {
  const auto view = readable_view(model, x, true);
  if (!view) return py::none();
  return predict_view(model, *view, output, n_threads, set_features, squeeze);
}

py::dict summary_of(const sapwood::Model& model) {
  const sapwood::ModelSummary s = model.summary();
  py::dict d;
  d["kind"] = s.kind == sapwood::ModelKind::kForest ? "forest" : "linear";
  d["n_trees"] = s.n_trees;
  d["n_nodes"] = s.n_nodes;
  d["n_leaves"] = s.n_leaves;
  d["max_depth"] = s.max_depth;
  if (s.kind == sapwood::ModelKind::kForest) {
    py::dict engine;
    engine["compiled"] = s.compiled;
    engine["reference_trees"] = s.n_reference_trees;
    engine["quickscorer_form"] = s.quickscorer_form;
    engine["categorical_trees"] = s.n_categorical_trees;
    engine["batch"] = s.batch_engine;
    engine["single_row"] = s.row_engine;
    d["engine"] = engine;
  }
  return d;
}

py::dict runtime_info() {
  const sapwood::RuntimeInfo info = sapwood::runtime_info();
  py::dict d;
  d["version"] = info.version;
  d["compiler"] = info.compiler;
  d["default_threads"] = info.default_threads;
  d["isa_compiled"] = info.isa_compiled;
  d["isa_supported"] = info.isa_supported;
  d["isa_active"] = info.isa_active;
  d["traversal"] = info.traversal;
  return d;
}

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "sapwood's private native module; use the sapwood package instead.";
  m.attr("__version__") = SAPWOOD_VERSION;

  static py::exception<Error> model_error(m, "ModelError", PyExc_ValueError);
  py::register_exception_translator([](std::exception_ptr error) {
    try {
      if (error) std::rethrow_exception(error);
    } catch (const Error& e) {
      // Messages may quote bytes from a file; undecodable ones are replaced, never raised.
      PyObject* message = PyUnicode_DecodeUTF8(e.what(), static_cast<Py_ssize_t>(std::strlen(e.what())), "replace");
      PyObject* kind = PyExc_RuntimeError;
      switch (e.code()) {
        case ErrorCode::kInvalidArgument:
          kind = PyExc_ValueError;
          break;
        case ErrorCode::kInvalidModel:
        case ErrorCode::kUnsupported:
          kind = model_error.ptr();
          break;
        case ErrorCode::kInternal:
          break;
      }
      if (message != nullptr) {
        PyErr_SetObject(kind, message);
        Py_DECREF(message);
      }
    }
  });

  py::class_<sapwood::Model>(m, "Model")
      .def_property_readonly("n_features", &sapwood::Model::n_features)
      .def_property_readonly("n_outputs", &sapwood::Model::n_outputs)
      .def("output_columns", [](const sapwood::Model& model, int output) {
        return model.output_columns(static_cast<sapwood::Output>(output));
      })
      .def("summary", &summary_of)
      .def("arrays", &arrays_of)
      .def("info", &info_of)
      .def("with_metadata", &sapwood::Model::with_metadata, py::arg("metadata_json"))
      .def("to_bytes", [](const sapwood::Model& model) {
        std::vector<std::uint8_t> bytes;
        {
          py::gil_scoped_release release;
          bytes = sapwood::save_model_to_memory(model);
        }
        return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
      })
      .def("select_iterations", &sapwood::Model::select_iterations, py::arg("begin"), py::arg("end"),
           py::call_guard<py::gil_scoped_release>())
      .def("predict", &predict, py::arg("x"), py::arg("output"), py::arg("n_threads"),
           py::arg("set_features") = Overrides{}, py::arg("squeeze") = false)
      .def("try_predict", &try_predict, py::arg("x"), py::arg("output"), py::arg("n_threads"),
           py::arg("set_features") = Overrides{}, py::arg("squeeze") = false);

  m.def("forest_from_arrays", &forest_from_arrays);
  m.def("load_model_bytes", &load_model_bytes, py::arg("data"), py::arg("format") = "");
  m.def("linear_from_arrays", &linear_from_arrays);
  m.def("runtime_info", &runtime_info);
  // Test and benchmark hook: forces a kernel level process-wide ("" restores the default).
  m.def("_set_isa", &sapwood::set_isa, py::arg("name"));
  m.def("_set_traversal", &sapwood::set_traversal, py::arg("name"));
}
