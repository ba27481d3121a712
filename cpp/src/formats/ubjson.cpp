// UBJSON (Universal Binary JSON, big-endian), as XGBoost writes it with save_raw("ubj") and
// .ubj files: typed, counted containers hold its numeric arrays. Every count is checked
// against the bytes left before anything is allocated, so a hostile count cannot exhaust
// memory.
#include <charconv>
#include <cstring>
#include <limits>
#include <string>

#include "formats/json.hpp"
#include "sapwood/error.hpp"

namespace sapwood::detail::json {
namespace {

// Markers are shown in hex: a raw byte in an error message need not be valid UTF-8.
std::string hex_byte(std::uint8_t byte) {
  const char* digits = "0123456789abcdef";
  return {digits[byte >> 4], digits[byte & 0xF]};
}

class BinaryReader {
 public:
  BinaryReader(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  Value document() {
    Value value = parse_value(next_marker(), 0);
    if (pos_ != size_) fail("unexpected bytes after the end of the document");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(ErrorCode::kInvalidModel, "invalid UBJSON at byte " + std::to_string(pos_) + ": " + message);
  }

  void need(std::size_t n) const {
    if (size_ - pos_ < n) fail("unexpected end of input");
  }

  std::uint8_t byte() {
    need(1);
    return data_[pos_++];
  }

  // The next type marker, skipping no-ops.
  char next_marker() {
    char marker = static_cast<char>(byte());
    while (marker == 'N') marker = static_cast<char>(byte());
    return marker;
  }

  template <class T>
  T big_endian() {
    need(sizeof(T));
    std::uint8_t bytes[sizeof(T)];
    for (std::size_t i = 0; i < sizeof(T); ++i) bytes[i] = data_[pos_ + sizeof(T) - 1 - i];
    pos_ += sizeof(T);
    T value;
    std::memcpy(&value, bytes, sizeof(T));
    return value;
  }

  static std::size_t fixed_size(char marker) {
    switch (marker) {
      case 'i': case 'U': case 'C': return 1;
      case 'I': return 2;
      case 'l': case 'd': return 4;
      case 'L': case 'D': return 8;
      default: return 0;
    }
  }

  // Reads a number of type `marker` as (double, float32).
  bool read_number(char marker, double* d, float* f) {
    switch (marker) {
      case 'i': *d = static_cast<std::int8_t>(byte()); break;
      case 'U': *d = byte(); break;
      case 'I': *d = big_endian<std::int16_t>(); break;
      case 'l': *d = big_endian<std::int32_t>(); break;
      case 'L': *d = static_cast<double>(big_endian<std::int64_t>()); break;
      case 'd': *f = big_endian<float>(); *d = *f; return true;
      case 'D': *d = big_endian<double>(); break;
      case 'H': {
        const std::string text = read_string_body();
        const char* first = text.data();
        const char* last = first + text.size();
        const auto parsed = std::from_chars(first, last, *d);
        if (parsed.ptr != last || parsed.ec != std::errc()) fail("malformed high-precision number");
        if (std::from_chars(first, last, *f).ec != std::errc()) *f = static_cast<float>(*d);
        return true;
      }
      default: return false;
    }
    *f = static_cast<float>(*d);
    return true;
  }

  // Lengths are read as integers, never through a double: an int64 near its maximum rounds
  // up in a double, and converting that back is undefined.
  std::int64_t read_length() {
    std::int64_t length = 0;
    switch (next_marker()) {
      case 'i': length = static_cast<std::int8_t>(byte()); break;
      case 'U': length = byte(); break;
      case 'I': length = big_endian<std::int16_t>(); break;
      case 'l': length = big_endian<std::int32_t>(); break;
      case 'L': length = big_endian<std::int64_t>(); break;
      default: fail("expected an integer length");
    }
    if (length < 0) fail("negative length");
    return length;
  }

  std::string read_string_body() {
    const std::int64_t length = read_length();
    if (static_cast<std::uint64_t>(length) > size_ - pos_) fail("string longer than the input");
    std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<std::size_t>(length));
    pos_ += static_cast<std::size_t>(length);
    return s;
  }

  // An optimized container header: optional '$' type and '#' count. Returns the count
  // (-1 when absent) and sets *type (0 when absent).
  std::int64_t container_header(char* type) {
    *type = 0;
    need(1);
    if (data_[pos_] == '$') {
      ++pos_;
      *type = static_cast<char>(byte());
      need(1);
      if (data_[pos_] != '#') fail("a typed container needs a count");
    }
    need(1);
    if (data_[pos_] != '#') return -1;
    ++pos_;
    const std::int64_t count = read_length();
    // Each element takes at least one byte (a fixed size with a type), so a count larger
    // than the bytes left is corrupt; checking this first bounds every allocation.
    const std::size_t element = *type != 0 && fixed_size(*type) != 0 ? fixed_size(*type) : 1;
    const bool zero_size = *type == 'Z' || *type == 'T' || *type == 'F' || *type == 'N';
    if (!zero_size && static_cast<std::uint64_t>(count) > (size_ - pos_) / element) {
      fail("container count " + std::to_string(count) + " exceeds the input");
    }
    // Elements of a zero-size type cost no input, so one document may hold only so many of
    // them in all (however many containers it splits them across); XGBoost writes none.
    if (zero_size) {
      if (count > zero_size_budget_) fail("too many elements of a zero-size type");
      zero_size_budget_ -= count;
    }
    return count;
  }

  Value parse_value(char marker, int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    double d = 0.0;
    float f = 0.0f;
    switch (marker) {
      case 'Z': return Value::null();
      case 'T': return Value::boolean(true);
      case 'F': return Value::boolean(false);
      case 'S': return Value::string(read_string_body());
      case 'C': return Value::string(std::string(1, static_cast<char>(byte())));
      case '[': return parse_array(depth);
      case '{': return parse_object(depth);
      default:
        if (read_number(marker, &d, &f)) return Value::number(d, f);
        fail("unknown type marker 0x" + hex_byte(static_cast<std::uint8_t>(marker)));
    }
  }

  Value parse_array(int depth) {
    char type = 0;
    const std::int64_t count = container_header(&type);
    std::vector<double> numbers;
    std::vector<float> numbers_f32;
    if (type != 0 && fixed_size(type) != 0 && type != 'C') {
      numbers.resize(static_cast<std::size_t>(count));
      numbers_f32.resize(static_cast<std::size_t>(count));
      for (std::int64_t i = 0; i < count; ++i) {
        read_number(type, &numbers[static_cast<std::size_t>(i)], &numbers_f32[static_cast<std::size_t>(i)]);
      }
      return Value::number_array(std::move(numbers), std::move(numbers_f32));
    }
    std::vector<Value> items;
    bool all_numbers = true;
    for (std::int64_t i = 0; count < 0 || i < count; ++i) {
      char marker = type;
      if (marker == 0) {
        marker = next_marker();
        if (count < 0 && marker == ']') break;
      }
      items.push_back(parse_value(marker, depth + 1));
      all_numbers = all_numbers && items.back().kind() == Kind::kNumber;
    }
    if (all_numbers && !items.empty()) {
      for (const Value& item : items) {
        numbers.push_back(item.as_double());
        numbers_f32.push_back(item.as_float());
      }
      return Value::number_array(std::move(numbers), std::move(numbers_f32));
    }
    return Value::array(std::move(items));
  }

  Value parse_object(int depth) {
    char type = 0;
    const std::int64_t count = container_header(&type);
    std::vector<std::pair<std::string, Value>> members;
    for (std::int64_t i = 0; count < 0 || i < count; ++i) {
      if (count < 0) {
        need(1);
        if (data_[pos_] == '}') {
          ++pos_;
          break;
        }
      }
      std::string key = read_string_body();
      const char marker = type != 0 ? type : next_marker();
      members.emplace_back(std::move(key), parse_value(marker, depth + 1));
    }
    return Value::object(std::move(members));
  }

  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
  std::int64_t zero_size_budget_ = std::int64_t{1} << 16;
};

}  // namespace

Value parse_ubjson(const std::uint8_t* data, std::size_t size) {
  if (size == 0) throw Error(ErrorCode::kInvalidModel, "invalid UBJSON: empty input");
  return BinaryReader(data, size).document();
}

}  // namespace sapwood::detail::json
