// A PC/SC reader as JSON: one shape for `onshictl readers --json` and onshid's GET /v1/readers.
#pragma once

#include <nlohmann/json.hpp>

#include "onshi/pcsc/reader_monitor.hpp"

namespace onshi::ctl {

nlohmann::json reader_json(const pcsc::ReaderInfo& reader);

}  // namespace onshi::ctl
