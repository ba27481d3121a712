// The umbrella include for sapwood's C++ API.
#pragma once

#include "sapwood/builder.hpp"
#include "sapwood/error.hpp"
#include "sapwood/load.hpp"
#include "sapwood/matrix.hpp"
#include "sapwood/model.hpp"
#include "sapwood/options.hpp"
#include "sapwood/runtime.hpp"
