#include "persona_pin.hpp"

#include "onshi/sim/hpki.hpp"
#include "persona_json.hpp"

namespace onshi::sim {
namespace {

using namespace persona_json;

bool printable_ascii(std::string_view pin) {
  for (char c : pin) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

std::string_view format_rule(PinFormat format) {
  switch (format) {
    case PinFormat::four_digits:
      return "expected exactly 4 digits";
    case PinFormat::sign_password:
      return "expected 6 to 16 characters of A-Z and 0-9";
    case PinFormat::hpki:
      break;
  }
  return "expected 4 to 16 printable ASCII characters";
}

bool format_ok(std::string_view pin, PinFormat format) {
  if (format == PinFormat::hpki) {
    return pin.size() >= hpki::kPinMinLength && pin.size() <= hpki::kPinMaxLength &&
           printable_ascii(pin);
  }
  const bool four = format == PinFormat::four_digits;
  if (four) {
    if (pin.size() != jpki::kAuthPinLength) return false;
  } else if (pin.size() < jpki::kSignPinMinLength || pin.size() > jpki::kSignPinMaxLength) {
    return false;
  }
  for (char c : pin) {
    const bool digit = c >= '0' && c <= '9';
    const bool upper = c >= 'A' && c <= 'Z';
    if (!digit && !(upper && !four)) return false;
  }
  return true;
}

}  // namespace

Result<jpki::PinSpec> parse_pin(const json& section, const char* key, const std::string& path,
                                std::uint8_t max_tries, PinFormat format) {
  const std::string where = join(path, key);
  const json& v = section.at(key);
  if (!v.is_object())
    return invalid(where, fmt::format("expected an object, got {}", type_name(v)));
  ONSHI_TRY(check_keys(v, where, {"value", "tries_left"}));
  if (!v.contains("value")) return invalid(where + ".value", "missing");
  ONSHI_TRY_ASSIGN(std::string value, get_string(v, "value", where));
  const bool ok = format_ok(value, format);
  const ByteView bytes(reinterpret_cast<const std::uint8_t*>(value.data()), value.size());
  jpki::PinSpec spec{std::make_shared<const SecretBytes>(bytes), max_tries, max_tries};
  secure_wipe(value.data(), value.size());
  if (!ok) {
    return invalid(where + ".value", format_rule(format));  // never the value itself
  }
  if (v.contains("tries_left")) {
    ONSHI_TRY_ASSIGN(const std::int64_t tries, get_integer(v, "tries_left", where, 0, max_tries));
    spec.tries_left = static_cast<std::uint8_t>(tries);
  }
  return spec;
}

}  // namespace onshi::sim
