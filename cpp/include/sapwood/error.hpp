// sapwood::Error: the one exception type the library throws, with a code that the
// Python module and the C ABI map to their own error kinds.
#pragma once

#include <stdexcept>
#include <string>

#include "sapwood/export.h"

namespace sapwood {

enum class ErrorCode : int {
  kInvalidArgument = 1,  // the caller passed something wrong: shapes, dtypes, options
  kInvalidModel = 2,     // a model description or file breaks an invariant
  kUnsupported = 3,      // well-formed, but sapwood cannot evaluate it (yet)
  kInternal = 4,         // a bug in sapwood
};

class SAPWOOD_API Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace sapwood
