// A minimal test harness for the C++ unit tests: SAPWOOD_TEST registers a function,
// the CHECK macros record failures without stopping the test, and run_all() prints a
// summary and returns the process exit status. No third-party framework, so the tests
// build anywhere the library builds (including under sanitizers).
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "sapwood/error.hpp"

namespace sapwood_test {

struct Case {
  const char* name;
  std::function<void()> body;
};

inline std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}

inline int& failures() {
  static int count = 0;
  return count;
}

struct Registrar {
  Registrar(const char* name, std::function<void()> body) {
    registry().push_back({name, std::move(body)});
  }
};

inline void fail(const char* file, int line, const std::string& what) {
  ++failures();
  std::fprintf(stderr, "%s:%d: FAILED %s\n", file, line, what.c_str());
}

// Equal, or both NaN; tolerance is absolute.
inline bool close(double actual, double expected, double tolerance) {
  if (std::isnan(actual) || std::isnan(expected)) return std::isnan(actual) && std::isnan(expected);
  return std::fabs(actual - expected) <= tolerance;
}

inline int run_all() {
  int failed_cases = 0;
  for (const Case& c : registry()) {
    const int before = failures();
    try {
      c.body();
    } catch (const std::exception& e) {
      fail(__FILE__, __LINE__, std::string(c.name) + " threw: " + e.what());
    }
    if (failures() != before) {
      ++failed_cases;
      std::fprintf(stderr, "[FAIL] %s\n", c.name);
    }
  }
  const int total = static_cast<int>(registry().size());
  std::printf("%d passed, %d failed\n", total - failed_cases, failed_cases);
  return failed_cases == 0 && total > 0 ? 0 : 1;
}

}  // namespace sapwood_test

#define SAPWOOD_TEST_CONCAT2(a, b) a##b
#define SAPWOOD_TEST_CONCAT(a, b) SAPWOOD_TEST_CONCAT2(a, b)

#define SAPWOOD_TEST(name)                                                              \
  static void name();                                                                   \
  static const ::sapwood_test::Registrar SAPWOOD_TEST_CONCAT(name, _registrar)(#name, name); \
  static void name()

#define CHECK(condition)                                                     \
  do {                                                                       \
    if (!(condition)) ::sapwood_test::fail(__FILE__, __LINE__, #condition);  \
  } while (0)

#define CHECK_NEAR(actual, expected, tolerance)                                                 \
  do {                                                                                          \
    const double sapwood_a = (actual), sapwood_e = (expected);                                 \
    if (!::sapwood_test::close(sapwood_a, sapwood_e, (tolerance)))                             \
      ::sapwood_test::fail(__FILE__, __LINE__,                                                  \
                           std::string(#actual) + " == " + std::to_string(sapwood_a) +          \
                               ", expected " + std::to_string(sapwood_e));                      \
  } while (0)

#define CHECK_EQ_EXACT(actual, expected) CHECK_NEAR(actual, expected, 0.0)

// The statement must throw sapwood::Error with `error_code` and a message containing `text`.
#define CHECK_THROWS(statement, error_code, text)                                              \
  do {                                                                                         \
    bool sapwood_threw = false;                                                                \
    try {                                                                                      \
      statement;                                                                               \
    } catch (const ::sapwood::Error& e) {                                                      \
      sapwood_threw = true;                                                                    \
      if (e.code() != (error_code))                                                            \
        ::sapwood_test::fail(__FILE__, __LINE__, std::string(#statement) + ": wrong code: " + e.what()); \
      if (std::string(e.what()).find(text) == std::string::npos)                               \
        ::sapwood_test::fail(__FILE__, __LINE__,                                               \
                             std::string(#statement) + ": message lacks '" + (text) + "': " + e.what()); \
    }                                                                                          \
    if (!sapwood_threw)                                                                        \
      ::sapwood_test::fail(__FILE__, __LINE__, std::string(#statement) + " did not throw");   \
  } while (0)

#define SAPWOOD_TEST_MAIN() \
  int main() { return ::sapwood_test::run_all(); }
