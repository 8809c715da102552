// The simulators use base's descriptor owner (onshi/unique_fd.hpp) under their own namespace.
#pragma once

#include "onshi/unique_fd.hpp"

namespace onshi::sim {

using onshi::UniqueFd;

}  // namespace onshi::sim
