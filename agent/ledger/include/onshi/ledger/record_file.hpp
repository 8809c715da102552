// A record's file: UTF-8 JSON, small, readable on a share by a person with a text editor. Files
// come from a share other machines write, so parsing is strict about types, sizes, dates and the
// consistency of state and fields, ignores unknown keys (a newer onshi may add some) and refuses a
// newer format version. Dates are Japanese calendar days "YYYY-MM-DD", times "…+09:00".
#pragma once

#include <string>
#include <string_view>

#include "onshi/ledger/record.hpp"
#include "onshi/result.hpp"

namespace onshi::ledger {

inline constexpr int kRecordFormat = 1;

// Errc::ledger_invalid with the first problem ("history[2].date: not a date (YYYY-MM-DD)").
Result<Record> parse_record(std::string_view text);
std::string serialize_record(const Record& record);

}  // namespace onshi::ledger
