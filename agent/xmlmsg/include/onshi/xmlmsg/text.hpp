// The text rules every XmlMsg field shares (eligibility-system.md §1.5: dates YYYYMMDD, limits in
// characters): one definition for the request builders, the answer parser and onshi-eligsim.
#pragma once

#include <cstddef>
#include <string_view>

namespace onshi::xmlmsg {

// ASCII digits only, and at least one.
bool all_digits(std::string_view s);

// YYYYMMDD, a real calendar date from 1868 (明治) on.
bool is_valid_date(std::string_view yyyymmdd);

// Characters of valid UTF-8 text (the JSON parser has refused anything else): the unit of every
// field limit.
std::size_t characters(std::string_view utf8);

// At most `max_characters` characters, cut before a character, never inside one (so a message
// that quotes input stays valid UTF-8).
std::string_view utf8_prefix(std::string_view utf8, std::size_t max_characters);

}  // namespace onshi::xmlmsg
