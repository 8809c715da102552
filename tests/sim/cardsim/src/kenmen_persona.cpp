#include "kenmen_persona.hpp"

#include <openssl/evp.h>

#include "onshi/sim/persona.hpp"
#include "persona_files.hpp"
#include "persona_json.hpp"
#include "persona_pin.hpp"

namespace onshi::sim {
namespace {

using namespace persona_json;

constexpr std::size_t kKenmenFileCount = 4;  // the DF, 0001, 0002, 0011

Result<std::string> non_empty_string(const json& section, const char* key,
                                     const std::string& path) {
  if (!section.contains(key)) return invalid(join(path, key), "missing");
  ONSHI_TRY_ASSIGN(std::string value, get_string(section, key, path));
  if (value.empty()) return invalid(join(path, key), "must not be empty");
  return value;
}

// 12 digits with a valid 個人番号 check digit. The messages never repeat the number.
Result<std::string> my_number(const json& section, const std::string& path) {
  const std::string where = join(path, "my_number");
  if (!section.contains("my_number")) return invalid(where, "missing");
  ONSHI_TRY_ASSIGN(std::string value, get_string(section, "my_number", path));
  if (value.size() != kenmen::kMyNumberDigits || !all_digits(value)) {
    return invalid(where, "expected 12 digits");
  }
  if (!kenmen::my_number_valid(value)) {
    return invalid(where, "the check digit (the last digit) does not match the first 11");
  }
  return value;
}

// YYYYMMDD, a real Gregorian date.
Result<std::string> birth_date(const json& section, const std::string& path) {
  const std::string where = join(path, "birth_date");
  if (!section.contains("birth_date")) return invalid(where, "missing");
  ONSHI_TRY_ASSIGN(std::string value, get_string(section, "birth_date", path));
  if (is_yyyymmdd(value)) return value;
  return invalid(where, "expected a calendar date as YYYYMMDD");
}

Result<std::string> sex(const json& section, const std::string& path) {
  if (!section.contains("sex")) return invalid(join(path, "sex"), "missing");
  ONSHI_TRY_ASSIGN(std::string value, get_string(section, "sex", path));
  if (!one_of(value, {"1", "2", "9"})) {
    return invalid(join(path, "sex"), "expected \"1\", \"2\" or \"9\" (ISO 5218, §1.7)");
  }
  return value;
}

Result<kenmen::Layout> layout(const json& section, const std::string& path) {
  if (!section.contains("layout")) return kenmen::Layout::classic;
  ONSHI_TRY_ASSIGN(const std::string value, get_string(section, "layout", path));
  if (one_of(value, {"classic"})) return kenmen::Layout::classic;
  if (one_of(value, {"2023"})) return kenmen::Layout::y2023;
  return invalid(join(path, "layout"), "expected \"classic\" or \"2023\"");
}

// The AP's PIN-less signing key (§1.5): RSA-2048.
Result<std::shared_ptr<EVP_PKEY>> card_present_key(const json& section, const std::string& path,
                                                   const std::filesystem::path& base_dir) {
  ONSHI_TRY_ASSIGN(ossl::PkeyPtr key,
                   persona_files::private_key(section, "card_present_key", path, base_dir));
  if (EVP_PKEY_get_base_id(key.get()) != EVP_PKEY_RSA ||
      EVP_PKEY_get_bits(key.get()) != kenmen::kCardPresentKeyBits) {
    return invalid(join(path, "card_present_key.file"),
                   fmt::format("expected an RSA-2048 private key, got {}",
                               persona_files::describe_key(key.get())));
  }
  return std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
}

Status add_ef(FileTree& files, NodeId df, const std::string& path, std::string name,
              std::uint16_t fid, Bytes data) {
  // SFI = FID, as everywhere on this card (§1.3).
  auto added = files.add_ef(
      df, EfSpec{std::move(name), fid, static_cast<std::uint8_t>(fid), std::move(data)});
  if (!added) return invalid(path, added.error().message);
  return {};
}

}  // namespace

Result<KenmenSection> parse_kenmen_section(const json& section, const std::string& path,
                                           const std::filesystem::path& base_dir) {
  if (!section.is_object()) {
    return invalid(path, fmt::format("expected an object, got {}", type_name(section)));
  }
  ONSHI_TRY(check_keys(
      section, path,
      {"pin", "my_number", "name", "address", "birth_date", "sex", "layout", "card_present_key"}));
  KenmenSection out;
  if (section.contains("pin")) {
    ONSHI_TRY_ASSIGN(out.pin,
                     parse_pin(section, "pin", path, kenmen::kPinTries, PinFormat::four_digits));
  }
  ONSHI_TRY_ASSIGN(out.my_number, my_number(section, path));
  ONSHI_TRY_ASSIGN(out.basic_four.name, non_empty_string(section, "name", path));
  ONSHI_TRY_ASSIGN(out.basic_four.address, non_empty_string(section, "address", path));
  ONSHI_TRY_ASSIGN(out.basic_four.birth_date, birth_date(section, path));
  ONSHI_TRY_ASSIGN(out.basic_four.sex, sex(section, path));
  ONSHI_TRY_ASSIGN(out.layout, layout(section, path));
  // The record must fit the EF; checked here so that a bad persona fails before any key file.
  if (auto record = kenmen::basic_four_ef(out.basic_four, out.layout); !record) {
    return invalid(path, record.error().message);
  }
  ONSHI_TRY_ASSIGN(out.card_present_key, card_present_key(section, path, base_dir));
  return out;
}

Result<kenmen::KenmenPersona> add_kenmen_ap(KenmenSection section, const std::string& path,
                                            const jpki::JpkiPersona& jpki, FileTree& files) {
  if (jpki.token != jpki::TokenVariant::card) {
    return invalid(path,
                   "a smartphone token has no 券面事項入力補助AP (jpki.token is not \"card\")");
  }
  if (jpki.pin_less && section.pin) {
    return invalid(join(path, "pin"), "must be absent on a PIN-less card (jpki.pin_less)");
  }
  if (!jpki.pin_less && !section.pin) return invalid(join(path, "pin"), "missing");
  if (files.size() + kKenmenFileCount > kMaxPersonaFiles + 1) {
    return invalid(path, fmt::format("more than {} files", kMaxPersonaFiles));
  }
  ONSHI_TRY_ASSIGN(Bytes basic_four, kenmen::basic_four_ef(section.basic_four, section.layout));

  auto df = files.add_df(
      FileTree::kMf,
      DfSpec{"券面事項入力補助AP", Bytes(kenmen::kAid.begin(), kenmen::kAid.end()), {}, {}});
  if (!df) return invalid(path, df.error().message);
  ONSHI_TRY(add_ef(files, *df, path, "My Number", kenmen::kEfMyNumber,
                   kenmen::my_number_ef(section.my_number)));
  ONSHI_TRY(add_ef(files, *df, path, "基本4情報", kenmen::kEfBasicFour, std::move(basic_four)));
  if (section.pin) {
    // Holds nothing readable: the handler answers READ BINARY on it with 6982.
    ONSHI_TRY(add_ef(files, *df, path, "券面事項入力補助用暗証番号", kenmen::kEfPin, {}));
  }
  return kenmen::KenmenPersona{std::move(section.pin), std::move(section.card_present_key)};
}

}  // namespace onshi::sim
