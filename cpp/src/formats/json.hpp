// A small, strict reader for JSON text and UBJSON bytes (the formats of XGBoost models),
// producing one document tree. Hostile input is refused with Error(kInvalidModel): nesting
// is bounded, every length is checked against the bytes left before anything is allocated,
// and accessors check the kind of value they read.
//
// Arrays whose elements are all numbers are kept compactly (numbers()), since model files
// are mostly long numeric arrays; each number also keeps its nearest float32, read from the
// text itself, so float32 values written in decimal come back exactly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sapwood::detail::json {

enum class Kind : std::uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

class Value {
 public:
  Value() = default;

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }

  // Typed reads; each throws Error(kInvalidModel) naming `what` when the kind is wrong.
  bool as_bool(std::string_view what = "value") const;
  double as_double(std::string_view what = "value") const;
  float as_float(std::string_view what = "value") const;
  // An integral number in [lowest, highest].
  std::int64_t as_int(std::string_view what = "value", std::int64_t lowest = INT64_MIN,
                      std::int64_t highest = INT64_MAX) const;
  const std::string& as_string(std::string_view what = "value") const;

  // Arrays: size(), and either the elements (any array) or, for arrays of numbers only,
  // the compact numbers. An empty array answers both.
  std::size_t size() const;
  const Value& operator[](std::size_t i) const;  // bounds-checked
  bool is_number_array() const;
  const std::vector<double>& numbers(std::string_view what = "value") const;
  const std::vector<float>& numbers_f32(std::string_view what = "value") const;
  // Integral numbers in [lowest, highest], e.g. child indices or feature ids.
  std::vector<std::int64_t> ints(std::string_view what = "value", std::int64_t lowest = INT64_MIN,
                                 std::int64_t highest = INT64_MAX) const;

  // Objects: find returns nullptr when the key is absent; at throws naming the key.
  const Value* find(std::string_view key) const;
  const Value& at(std::string_view key) const;
  const std::vector<std::pair<std::string, Value>>& members(std::string_view what = "value") const;

  // Builders used by the parsers.
  static Value null();
  static Value boolean(bool b);
  static Value number(double d, float f);
  static Value string(std::string s);
  static Value array(std::vector<Value> items);
  static Value number_array(std::vector<double> values, std::vector<float> values_f32);
  static Value object(std::vector<std::pair<std::string, Value>> members);

 private:
  [[noreturn]] void wrong_kind(std::string_view what, std::string_view expected) const;

  Kind kind_ = Kind::kNull;
  bool boolean_ = false;
  double number_ = 0.0;
  float number_f32_ = 0.0f;
  std::string string_;
  std::vector<Value> items_;
  std::vector<double> numbers_;
  std::vector<float> numbers_f32_;
  bool compact_ = false;  // an array held in numbers_
  std::vector<std::pair<std::string, Value>> members_;
};

// Nesting deeper than this is refused (model files need a handful of levels).
constexpr int kMaxDepth = 64;

Value parse_json(std::string_view text);
Value parse_ubjson(const std::uint8_t* data, std::size_t size);

// JSON text of a value (numbers with 17 significant digits), for metadata passed on as text.
std::string to_json(const Value& value);

}  // namespace sapwood::detail::json
