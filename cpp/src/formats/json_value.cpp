#include <cmath>
#include <string>

#include "formats/json.hpp"
#include "sapwood/error.hpp"

namespace sapwood::detail::json {
namespace {

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "a boolean";
    case Kind::kNumber: return "a number";
    case Kind::kString: return "a string";
    case Kind::kArray: return "an array";
    case Kind::kObject: return "an object";
  }
  return "an unknown value";
}

[[noreturn]] void invalid(const std::string& message) { throw Error(ErrorCode::kInvalidModel, message); }

std::int64_t checked_int(double value, std::string_view what, std::int64_t lowest, std::int64_t highest) {
  // The range test comes first: converting an out-of-range double to an integer is undefined.
  if (!(value >= static_cast<double>(lowest) && value <= static_cast<double>(highest)) ||
      value != std::trunc(value) || std::fabs(value) > 9007199254740992.0) {
    invalid(std::string(what) + " must be an integer in [" + std::to_string(lowest) + ", " +
            std::to_string(highest) + "], got " + std::to_string(value));
  }
  return static_cast<std::int64_t>(value);
}

}  // namespace

void Value::wrong_kind(std::string_view what, std::string_view expected) const {
  invalid(std::string(what) + " must be " + std::string(expected) + ", got " + kind_name(kind_));
}

bool Value::as_bool(std::string_view what) const {
  if (kind_ == Kind::kBool) return boolean_;
  // UBJSON writers and some JSON producers spell booleans as 0/1.
  if (kind_ == Kind::kNumber && (number_ == 0.0 || number_ == 1.0)) return number_ != 0.0;
  wrong_kind(what, "a boolean");
}

double Value::as_double(std::string_view what) const {
  if (kind_ != Kind::kNumber) wrong_kind(what, "a number");
  return number_;
}

float Value::as_float(std::string_view what) const {
  if (kind_ != Kind::kNumber) wrong_kind(what, "a number");
  return number_f32_;
}

std::int64_t Value::as_int(std::string_view what, std::int64_t lowest, std::int64_t highest) const {
  if (kind_ != Kind::kNumber) wrong_kind(what, "an integer");
  return checked_int(number_, what, lowest, highest);
}

const std::string& Value::as_string(std::string_view what) const {
  if (kind_ != Kind::kString) wrong_kind(what, "a string");
  return string_;
}

std::size_t Value::size() const {
  if (kind_ == Kind::kArray) return compact_ ? numbers_.size() : items_.size();
  if (kind_ == Kind::kObject) return members_.size();
  return 0;
}

const Value& Value::operator[](std::size_t i) const {
  if (kind_ != Kind::kArray) wrong_kind("element access", "an array");
  if (compact_) {
    invalid("internal: element access into a numeric array");  // callers use numbers()
  }
  if (i >= items_.size()) {
    invalid("index " + std::to_string(i) + " is beyond an array of " + std::to_string(items_.size()));
  }
  return items_[i];
}

bool Value::is_number_array() const { return kind_ == Kind::kArray && (compact_ || items_.empty()); }

const std::vector<double>& Value::numbers(std::string_view what) const {
  if (!is_number_array()) wrong_kind(what, "an array of numbers");
  return numbers_;
}

const std::vector<float>& Value::numbers_f32(std::string_view what) const {
  if (!is_number_array()) wrong_kind(what, "an array of numbers");
  return numbers_f32_;
}

std::vector<std::int64_t> Value::ints(std::string_view what, std::int64_t lowest, std::int64_t highest) const {
  const std::vector<double>& values = numbers(what);
  std::vector<std::int64_t> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = checked_int(values[i], what, lowest, highest);
  return out;
}

const Value* Value::find(std::string_view key) const {
  if (kind_ != Kind::kObject) wrong_kind(std::string("lookup of \"") + std::string(key) + "\"", "an object");
  for (const auto& member : members_) {
    if (member.first == key) return &member.second;
  }
  return nullptr;
}

const Value& Value::at(std::string_view key) const {
  const Value* value = find(key);
  if (value == nullptr) invalid("missing field \"" + std::string(key) + "\"");
  return *value;
}

const std::vector<std::pair<std::string, Value>>& Value::members(std::string_view what) const {
  if (kind_ != Kind::kObject) wrong_kind(what, "an object");
  return members_;
}

Value Value::null() { return Value(); }

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::kBool;
  v.boolean_ = b;
  return v;
}

Value Value::number(double d, float f) {
  Value v;
  v.kind_ = Kind::kNumber;
  v.number_ = d;
  v.number_f32_ = f;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::kString;
  v.string_ = std::move(s);
  return v;
}

Value Value::array(std::vector<Value> items) {
  Value v;
  v.kind_ = Kind::kArray;
  v.items_ = std::move(items);
  return v;
}

Value Value::number_array(std::vector<double> values, std::vector<float> values_f32) {
  Value v;
  v.kind_ = Kind::kArray;
  v.compact_ = true;
  v.numbers_ = std::move(values);
  v.numbers_f32_ = std::move(values_f32);
  return v;
}

Value Value::object(std::vector<std::pair<std::string, Value>> members) {
  Value v;
  v.kind_ = Kind::kObject;
  v.members_ = std::move(members);
  return v;
}

}  // namespace sapwood::detail::json
