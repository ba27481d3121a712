// The JSON and UBJSON readers: values, exact float32 numbers, and refusal of malformed or
// hostile input with kInvalidModel (never a crash or an unbounded allocation).
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "check.hpp"
#include "formats/json.hpp"

using sapwood::ErrorCode;
using namespace sapwood::detail::json;

namespace {

Value ubjson(const std::vector<std::uint8_t>& bytes) { return parse_ubjson(bytes.data(), bytes.size()); }

std::vector<std::uint8_t> bytes_of(const std::string& s) { return {s.begin(), s.end()}; }

}  // namespace

SAPWOOD_TEST(json_values_and_lookups) {
  const Value doc = parse_json(R"( {"a": [1, 2.5, -3e2], "b": {"c": "x\"y\u00e9\ud83d\ude00"}, "d": true,
                                    "e": null, "f": [1, "two", [3]], "g": []} )");
  const std::vector<double>& a = doc.at("a").numbers();
  CHECK(a.size() == 3);
  CHECK_EQ_EXACT(a[1], 2.5);
  CHECK_EQ_EXACT(a[2], -300.0);
  CHECK(doc.at("b").at("c").as_string() == "x\"y\xc3\xa9\xf0\x9f\x98\x80");
  CHECK(doc.at("d").as_bool());
  CHECK(doc.at("e").is_null());
  CHECK(!doc.at("f").is_number_array());
  CHECK(doc.at("f").size() == 3);
  CHECK(doc.at("f")[1].as_string() == "two");
  CHECK(doc.at("f")[2].numbers().size() == 1);
  CHECK(doc.at("g").is_number_array() && doc.at("g").numbers().empty());
  CHECK(doc.find("missing") == nullptr);
  CHECK_THROWS(doc.at("missing"), ErrorCode::kInvalidModel, "missing field \"missing\"");
  CHECK_THROWS(doc.at("d").as_string("d"), ErrorCode::kInvalidModel, "d must be a string");
  CHECK_THROWS(doc.at("f")[7], ErrorCode::kInvalidModel, "beyond");
}

SAPWOOD_TEST(json_float32_numbers_are_exact) {
  // 0.1 as a double, then rounded to float, must equal the float32 nearest to 0.1; the
  // float is read from the text so decimal float32 values come back exactly.
  const Value doc = parse_json("[0.1, 16777217, 3.4028235e38, 1e39, 1e-50, NaN, -Infinity]");
  const std::vector<float>& f = doc.numbers_f32();
  CHECK(f[0] == 0.1f);
  CHECK(f[1] == 16777216.0f);
  CHECK(f[2] == 3.4028235e38f);
  CHECK(std::isinf(f[3]));
  CHECK(f[4] == 0.0f);
  CHECK(std::isnan(doc.numbers()[5]) && std::isnan(f[5]));
  CHECK(std::isinf(doc.numbers()[6]) && doc.numbers()[6] < 0);
}

SAPWOOD_TEST(json_integers_are_range_checked) {
  const Value doc = parse_json(R"({"n": 5, "x": 2.5, "big": 1e300, "ids": [0, 1, 7]})");
  CHECK(doc.at("n").as_int("n", 0, 10) == 5);
  CHECK_THROWS(doc.at("n").as_int("n", 0, 4), ErrorCode::kInvalidModel, "n must be an integer in [0, 4]");
  CHECK_THROWS(doc.at("x").as_int("x"), ErrorCode::kInvalidModel, "x must be an integer");
  CHECK_THROWS(doc.at("big").as_int("big"), ErrorCode::kInvalidModel, "big must be an integer");
  CHECK_THROWS(doc.at("ids").ints("ids", 0, 5), ErrorCode::kInvalidModel, "ids must be an integer in [0, 5]");
  CHECK(doc.at("ids").ints("ids", 0, 7).back() == 7);
}

SAPWOOD_TEST(json_malformed_input_is_refused) {
  const char* bad[] = {"", "{", "[1,", "[1 2]", "{\"a\" 1}", "{\"a\":}", "\"unterminated", "tru",
                       "01", "1.", "-", "1e", "[1]]", "{\"a\":1,}", "\"\\x\"", "\"\\ud800\"",
                       "\"a\nb\"", "[--1]", "+1"};
  for (const char* text : bad) {
    CHECK_THROWS(parse_json(text), ErrorCode::kInvalidModel, "invalid JSON");
  }
  CHECK_THROWS(parse_json("1e999"), ErrorCode::kInvalidModel, "out of range");
}

SAPWOOD_TEST(json_nesting_is_bounded) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  CHECK_THROWS(parse_json(deep), ErrorCode::kInvalidModel, "nesting deeper");
  const std::string ok = std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']');
  parse_json(ok);
}

SAPWOOD_TEST(json_round_trips_through_to_json) {
  const std::string text = R"({"a":[1,2.5,-3],"b":{"c":"q\"\\"},"d":true,"e":null,"f":[1,"two",[]]})";
  CHECK(to_json(parse_json(text)) == text);
}

SAPWOOD_TEST(ubjson_scalars_strings_and_containers) {
  // {"a": int8 -3, "b": "hi", "c": [$d#i2 1.5f 0.1f], "d": [T Z ]} with 'N' no-ops.
  std::vector<std::uint8_t> doc = {'{', 'i', 1, 'a', 'i', 0xFD, 'i', 1, 'b', 'S', 'i', 2, 'h', 'i',
                                   'i', 1, 'c', '[', '$', 'd', '#', 'i', 2,
                                   0x3F, 0xC0, 0x00, 0x00,   // 1.5f
                                   0x3D, 0xCC, 0xCC, 0xCD,   // 0.1f
                                   'i', 1, 'd', '[', 'N', 'T', 'Z', ']', '}'};
  const Value v = ubjson(doc);
  CHECK(v.at("a").as_int() == -3);
  CHECK(v.at("b").as_string() == "hi");
  CHECK(v.at("c").numbers_f32()[0] == 1.5f);
  CHECK(v.at("c").numbers_f32()[1] == 0.1f);
  CHECK(v.at("d").size() == 2);
  CHECK(v.at("d")[0].as_bool());
  CHECK(v.at("d")[1].is_null());
}

SAPWOOD_TEST(ubjson_counted_object_and_wide_integers) {
  // {#i2 "x": L 2^40, "y": I -2}, then an int32 array [$l#i2 7 -1].
  const std::vector<std::uint8_t> doc = {'{', '#', 'i', 3,
                                         'i', 1, 'x', 'L', 0, 0, 1, 0, 0, 0, 0, 0,
                                         'i', 1, 'y', 'I', 0xFF, 0xFE,
                                         'i', 1, 'z', '[', '$', 'l', '#', 'i', 2, 0, 0, 0, 7, 0xFF, 0xFF, 0xFF, 0xFF};
  const Value v = ubjson(doc);
  CHECK(v.at("x").as_int() == (std::int64_t{1} << 40));
  CHECK(v.at("y").as_int() == -2);
  const std::vector<std::int64_t> z = v.at("z").ints();
  CHECK(z.size() == 2 && z[0] == 7 && z[1] == -1);
}

SAPWOOD_TEST(ubjson_hostile_input_is_refused) {
  // A typed array claiming 2^40 float64 elements in a few bytes.
  CHECK_THROWS(ubjson({'[', '$', 'D', '#', 'L', 0, 0, 1, 0, 0, 0, 0, 0, 1, 2, 3}), ErrorCode::kInvalidModel,
               "exceeds the input");
  CHECK_THROWS(ubjson({'S', 'L', 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 'a'}), ErrorCode::kInvalidModel,
               "longer than the input");
  CHECK_THROWS(ubjson({'S', 'i', 0xFF}), ErrorCode::kInvalidModel, "negative length");
  CHECK_THROWS(ubjson({'{', 'i', 1, 'a'}), ErrorCode::kInvalidModel, "unexpected end");
  CHECK_THROWS(ubjson({'Q'}), ErrorCode::kInvalidModel, "unknown type marker 0x51");
  CHECK_THROWS(ubjson({0xFF}), ErrorCode::kInvalidModel, "unknown type marker 0xff");
  CHECK_THROWS(ubjson({'T', 'T'}), ErrorCode::kInvalidModel, "after the end");
  CHECK_THROWS(parse_ubjson(nullptr, 0), ErrorCode::kInvalidModel, "empty");
  CHECK_THROWS(ubjson({'[', '$', 'Z', '#', 'L', 0x7F, 0, 0, 0, 0, 0, 0, 0}), ErrorCode::kInvalidModel,
               "zero-size type");
  // Each container is under the budget but together they are over it (a fuzzer's find:
  // nulls cost no input, so unchecked they multiplied a few bytes into gigabytes).
  CHECK(ubjson({'[', '$', 'Z', '#', 'l', 0, 0, 0x9C, 0x40}).size() == 40000);
  CHECK_THROWS(ubjson({'[', '[', '$', 'Z', '#', 'l', 0, 0, 0x9C, 0x40, '[', '$', 'Z', '#', 'l', 0, 0, 0x9C, 0x40, ']'}),
               ErrorCode::kInvalidModel, "zero-size type");
  std::vector<std::uint8_t> deep(5000, '[');
  CHECK_THROWS(ubjson(deep), ErrorCode::kInvalidModel, "nesting deeper");
  // Every truncation of a valid document fails cleanly.
  const std::vector<std::uint8_t> valid = bytes_of("{i\x01" "aS" "i\x02" "hi}");
  ubjson(valid);
  for (std::size_t n = 0; n < valid.size(); ++n) {
    const std::vector<std::uint8_t> cut(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(n));
    CHECK_THROWS(parse_ubjson(cut.data(), cut.size()), ErrorCode::kInvalidModel, "UBJSON");
  }
}

SAPWOOD_TEST_MAIN()
