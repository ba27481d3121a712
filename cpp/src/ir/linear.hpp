// The linear IR: a validated LinearSpec (coef is n_outputs x n_features, row-major).
#pragma once

#include "sapwood/builder.hpp"

namespace sapwood::detail {

struct Linear {
  LinearSpec spec;
};

Linear make_linear(LinearSpec spec);

}  // namespace sapwood::detail
