// The schema walk: reads a parsed document into a Config, recording every problem on the way.
#pragma once

#include "onshi/config/config.hpp"
#include "problems.hpp"
#include "toml.hpp"

namespace onshi::config::detail {

// Returns the Config as far as it could be read; it is only usable when `problems` stays empty.
Config read_config(const toml::table& document, Problems& problems);

}  // namespace onshi::config::detail
