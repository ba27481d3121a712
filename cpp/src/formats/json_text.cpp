// JSON text: a recursive-descent reader bounded by kMaxDepth, and the writer to_json.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "formats/json.hpp"
#include "sapwood/error.hpp"

namespace sapwood::detail::json {
namespace {

class TextReader {
 public:
  explicit TextReader(std::string_view text) : text_(text) {}

  Value document() {
    Value value = parse_value(0);
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the end of the document");
    return value;
  }

 private:
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(ErrorCode::kInvalidModel,
                "invalid JSON at byte " + std::to_string(pos_) + ": " + message);
  }

  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\n' || text_[pos_] == '\r' || text_[pos_] == '\t')) {
      ++pos_;
    }
  }

  char peek() {
    skip_space();
    if (pos_ >= text_.size()) fail("unexpected end of input");
    return text_[pos_];
  }

  void expect(char c) {
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }

  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  Value parse_value(int depth) {
    if (depth > kMaxDepth) fail("nesting deeper than " + std::to_string(kMaxDepth) + " levels");
    const char c = peek();
    if (c == '{') return parse_object(depth);
    if (c == '[') return parse_array(depth);
    if (c == '"') return Value::string(parse_string());
    if (consume_word("true")) return Value::boolean(true);
    if (consume_word("false")) return Value::boolean(false);
    if (consume_word("null")) return Value::null();
    double d = 0.0;
    float f = 0.0f;
    parse_number(&d, &f);
    return Value::number(d, f);
  }

  Value parse_object(int depth) {
    expect('{');
    std::vector<std::pair<std::string, Value>> members;
    if (peek() == '}') {
      ++pos_;
      return Value::object(std::move(members));
    }
    while (true) {
      if (peek() != '"') fail("expected a string key");
      std::string key = parse_string();
      expect(':');
      members.emplace_back(std::move(key), parse_value(depth + 1));
      const char c = peek();
      ++pos_;
      if (c == '}') break;
      if (c != ',') fail("expected ',' or '}' in an object");
    }
    return Value::object(std::move(members));
  }

  // Numbers are gathered compactly until the first element that is not a number.
  Value parse_array(int depth) {
    expect('[');
    std::vector<double> numbers;
    std::vector<float> numbers_f32;
    std::vector<Value> items;
    bool compact = true;
    if (peek() == ']') {
      ++pos_;
      return Value::array({});
    }
    while (true) {
      const char c = peek();
      const bool is_number = c == '-' || (c >= '0' && c <= '9') || c == 'N' || c == 'I';
      if (compact && is_number) {
        double d = 0.0;
        float f = 0.0f;
        parse_number(&d, &f);
        numbers.push_back(d);
        numbers_f32.push_back(f);
      } else {
        if (compact) {
          compact = false;
          items.reserve(numbers.size() + 1);
          for (std::size_t i = 0; i < numbers.size(); ++i) items.push_back(Value::number(numbers[i], numbers_f32[i]));
          numbers.clear();
          numbers_f32.clear();
        }
        items.push_back(parse_value(depth + 1));
      }
      const char next = peek();
      ++pos_;
      if (next == ']') break;
      if (next != ',') fail("expected ',' or ']' in an array");
    }
    if (compact) return Value::number_array(std::move(numbers), std::move(numbers_f32));
    return Value::array(std::move(items));
  }

  // JSON's number grammar, plus the NaN / Infinity / -Infinity tokens that XGBoost writes.
  void parse_number(double* d, float* f) {
    const std::size_t start = pos_;
    const bool negative = pos_ < text_.size() && text_[pos_] == '-';
    if (negative) ++pos_;
    if (consume_word("Infinity")) {
      *d = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
      *f = static_cast<float>(*d);
      return;
    }
    if (!negative && consume_word("NaN")) {
      *d = std::numeric_limits<double>::quiet_NaN();
      *f = std::numeric_limits<float>::quiet_NaN();
      return;
    }
    const auto digits = [&] {
      const std::size_t first = pos_;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
      return pos_ - first;
    };
    const std::size_t integer_start = pos_;
    const std::size_t integer_digits = digits();
    if (integer_digits == 0) fail("expected a value");
    if (integer_digits > 1 && text_[integer_start] == '0') fail("leading zero in a number");
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (digits() == 0) fail("expected digits after '.'");
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (digits() == 0) fail("expected digits in an exponent");
    }
    const char* first = text_.data() + start;
    const char* last = text_.data() + pos_;
    // Out-of-range values come back as errc::result_out_of_range; they are refused below.
    const auto parsed = std::from_chars(first, last, *d);
    if (parsed.ptr != last || parsed.ec != std::errc()) fail("number out of range");
    // The float32 is read from the text, not from the double, so that a float32 value
    // written in decimal is recovered exactly (no double rounding).
    const auto parsed_f32 = std::from_chars(first, last, *f);
    if (parsed_f32.ec == std::errc::result_out_of_range) {
      *f = static_cast<float>(*d);  // beyond float32's range: ±inf or 0 by rounding
    } else if (parsed_f32.ptr != last || parsed_f32.ec != std::errc()) {
      fail("malformed number");
    }
  }

  unsigned parse_hex4() {
    if (text_.size() - pos_ < 4) fail("truncated \\u escape");
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[pos_++];
      code <<= 4;
      if (c >= '0' && c <= '9') code |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') code |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') code |= static_cast<unsigned>(c - 'A' + 10);
      else fail("bad \\u escape");
    }
    return code;
  }

  static void append_utf8(std::string* out, unsigned code) {
    if (code < 0x80) {
      out->push_back(static_cast<char>(code));
    } else if (code < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (code >> 6)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else if (code < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (code >> 12)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (code >> 18)));
      out->push_back(static_cast<char>(0x80 | ((code >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
    }
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    while (true) {
      if (pos_ >= text_.size()) fail("unterminated string");
      const char c = text_[pos_++];
      if (c == '"') return out;
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in a string");
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (pos_ >= text_.size()) fail("unterminated escape");
      const char e = text_[pos_++];
      switch (e) {
        case '"': out.push_back('"'); break;
        case '\\': out.push_back('\\'); break;
        case '/': out.push_back('/'); break;
        case 'b': out.push_back('\b'); break;
        case 'f': out.push_back('\f'); break;
        case 'n': out.push_back('\n'); break;
        case 'r': out.push_back('\r'); break;
        case 't': out.push_back('\t'); break;
        case 'u': {
          unsigned code = parse_hex4();
          if (code >= 0xD800 && code < 0xDC00) {
            if (!consume_word("\\u")) fail("unpaired surrogate");
            const unsigned low = parse_hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("bad surrogate pair");
            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
          } else if (code >= 0xDC00 && code < 0xE000) {
            fail("unpaired surrogate");
          }
          append_utf8(&out, code);
          break;
        }
        default:
          fail("unknown escape");
      }
    }
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

void write_number(std::string* out, double d) {
  if (std::isnan(d)) {
    *out += "NaN";
  } else if (std::isinf(d)) {
    *out += d > 0 ? "Infinity" : "-Infinity";
  } else if (d == std::trunc(d) && std::fabs(d) < 1e15) {
    *out += std::to_string(static_cast<long long>(d));
  } else {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", d);
    *out += buffer;
  }
}

void write_string(std::string* out, const std::string& s) {
  out->push_back('"');
  for (const char c : s) {
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(c);
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buffer[8];
      std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
      *out += buffer;
    } else {
      out->push_back(c);
    }
  }
  out->push_back('"');
}

void write_value(std::string* out, const Value& value) {
  switch (value.kind()) {
    case Kind::kNull: *out += "null"; return;
    case Kind::kBool: *out += value.as_bool() ? "true" : "false"; return;
    case Kind::kNumber: write_number(out, value.as_double()); return;
    case Kind::kString: write_string(out, value.as_string()); return;
    case Kind::kArray: {
      out->push_back('[');
      if (value.is_number_array()) {
        const std::vector<double>& numbers = value.numbers();
        for (std::size_t i = 0; i < numbers.size(); ++i) {
          if (i) out->push_back(',');
          write_number(out, numbers[i]);
        }
      } else {
        for (std::size_t i = 0; i < value.size(); ++i) {
          if (i) out->push_back(',');
          write_value(out, value[i]);
        }
      }
      out->push_back(']');
      return;
    }
    case Kind::kObject: {
      out->push_back('{');
      bool first = true;
      for (const auto& [key, member] : value.members()) {
        if (!first) out->push_back(',');
        first = false;
        write_string(out, key);
        out->push_back(':');
        write_value(out, member);
      }
      out->push_back('}');
      return;
    }
  }
}

}  // namespace

Value parse_json(std::string_view text) { return TextReader(text).document(); }

std::string to_json(const Value& value) {
  std::string out;
  write_value(&out, value);
  return out;
}

}  // namespace sapwood::detail::json
