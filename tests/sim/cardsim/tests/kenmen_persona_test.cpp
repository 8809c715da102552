// The persona's "kenmen" section: one test per rule, errors that name the field and never repeat
// a PIN or the My Number.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "jpki_test_support.hpp"
#include "persona_error_support.hpp"

namespace onshi::sim {
namespace {

using nlohmann::json;
using testing::error_of;
using testing::persona_json_of;

json card() { return persona_json_of(testpki::kCardPersona); }

std::string with(std::string_view pointer, const json& value) {
  json j = card();
  j[json::json_pointer(std::string(pointer))] = value;
  return error_of(j);
}

std::string without(std::string_view key) {
  json j = card();
  j["kenmen"].erase(std::string(key));
  return error_of(j);
}

TEST(KenmenPersona, GeneratedPersonaBuildsTheAp) {
  const Persona p = testing::generated_persona(testing::GeneratedPki::get().card());
  ASSERT_TRUE(p.kenmen);
  ASSERT_TRUE(p.kenmen->pin);
  EXPECT_EQ(p.kenmen->pin->tries_left, kenmen::kPinTries);
  const auto df = p.files.find_df_by_aid(kenmen::kAid);
  ASSERT_TRUE(df);
  for (std::uint16_t fid : {kenmen::kEfMyNumber, kenmen::kEfBasicFour, kenmen::kEfPin}) {
    const auto ef = p.files.find_child_by_fid(*df, fid, FileKind::ef);
    ASSERT_TRUE(ef) << fid;
    EXPECT_EQ(p.files.node(*ef).sfi, fid);
  }
  // A phone persona has no 券面事項入力補助AP.
  const Persona phone = testing::generated_persona(testing::GeneratedPki::get().phone());
  EXPECT_FALSE(phone.kenmen);
  EXPECT_FALSE(phone.files.find_df_by_aid(kenmen::kAid));
}

TEST(KenmenPersona, NeedsAJpkiSection) {
  json j = card();
  j.erase("jpki");
  EXPECT_EQ(error_of(j), "kenmen: needs a \"jpki\" section (the AP is on My Number cards)");
}

TEST(KenmenPersona, UnknownFieldsAreErrors) {
  EXPECT_EQ(with("/kenmen/mynumber", "1"), "kenmen: unknown field \"mynumber\"");
  EXPECT_EQ(with("/kenmen/pin/retries", 3), "kenmen.pin: unknown field \"retries\"");
}

TEST(KenmenPersona, SectionMustBeAnObject) {
  EXPECT_EQ(with("/kenmen", json::array()), "kenmen: expected an object, got array");
}

TEST(KenmenPersona, PinIsRequiredOnAnOrdinaryCard) {
  EXPECT_EQ(without("pin"), "kenmen.pin: missing");
}

TEST(KenmenPersona, PinIsFourDigitsAndNeverRepeated) {
  for (const char* bad : {"12345", "12a4", "ABCD"}) {
    const std::string e = with("/kenmen/pin/value", bad);
    EXPECT_EQ(e, "kenmen.pin.value: expected exactly 4 digits");
    EXPECT_EQ(e.find(bad), std::string::npos);
  }
}

TEST(KenmenPersona, PinHasThreeTries) {
  EXPECT_EQ(with("/kenmen/pin/tries_left", 4), "kenmen.pin.tries_left: 4 is outside 0..3");
  json j = card();
  j["kenmen"]["pin"]["tries_left"] = 0;
  auto parsed = parse_persona(j.dump(), testing::GeneratedPki::get().dir());
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  EXPECT_EQ(parsed->kenmen->pin->tries_left, 0);
}

TEST(KenmenPersona, MyNumberIsTwelveDigits) {
  EXPECT_EQ(without("my_number"), "kenmen.my_number: missing");
  for (const char* bad : {"12345678901", "1234567890189", "12345678901A", "1234 5678 9018"}) {
    const std::string e = with("/kenmen/my_number", bad);
    EXPECT_EQ(e, "kenmen.my_number: expected 12 digits");
    EXPECT_EQ(e.find(bad), std::string::npos);
  }
  EXPECT_EQ(with("/kenmen/my_number", 123456789018),
            "kenmen.my_number: expected a string, got number");
}

TEST(KenmenPersona, MyNumberCheckDigitIsValidatedWithoutRepeatingTheNumber) {
  const std::string e = with("/kenmen/my_number", "123456789017");
  EXPECT_EQ(e, "kenmen.my_number: the check digit (the last digit) does not match the first 11");
  EXPECT_EQ(e.find("12345678901"), std::string::npos);
}

TEST(KenmenPersona, NameAndAddressAreNonEmptyStrings) {
  EXPECT_EQ(without("name"), "kenmen.name: missing");
  EXPECT_EQ(with("/kenmen/name", ""), "kenmen.name: must not be empty");
  EXPECT_EQ(without("address"), "kenmen.address: missing");
  EXPECT_EQ(with("/kenmen/address", 7), "kenmen.address: expected a string, got number");
}

TEST(KenmenPersona, BirthDateIsARealYyyymmddDate) {
  for (const char* bad : {"1990-01-02", "19900230", "199001021", "19901302"}) {
    EXPECT_EQ(with("/kenmen/birth_date", bad),
              "kenmen.birth_date: expected a calendar date as YYYYMMDD")
        << bad;
  }
}

TEST(KenmenPersona, SexIsAnIso5218Code) {
  EXPECT_EQ(with("/kenmen/sex", "9"), "parsed");
  EXPECT_EQ(with("/kenmen/sex", "3"),
            "kenmen.sex: expected \"1\", \"2\" or \"9\" (ISO 5218, §1.7)");
}

TEST(KenmenPersona, LayoutIsClassicOr2023) {
  EXPECT_EQ(with("/kenmen/layout", "2023"), "parsed");
  EXPECT_EQ(with("/kenmen/layout", "2024"), "kenmen.layout: expected \"classic\" or \"2023\"");
  json j = card();
  j["kenmen"].erase("layout");  // classic by default
  EXPECT_EQ(error_of(j), "parsed");
}

TEST(KenmenPersona, RecordMustFitTheEf) {
  std::string address;
  for (int i = 0; i < 200; ++i) address += "町";
  const std::string e = with("/kenmen/address", address);
  EXPECT_EQ(e.rfind("kenmen: the 基本4情報 record needs ", 0), 0U) << e;
  EXPECT_NE(e.find("more than the 512-byte EF"), std::string::npos) << e;
}

TEST(KenmenPersona, CardPresentKeyIsAnRsa2048Key) {
  EXPECT_EQ(without("card_present_key"), "kenmen.card_present_key: missing");
  EXPECT_EQ(with("/kenmen/card_present_key/file", "jpki-p384-auth-key.pem"),
            "kenmen.card_present_key.file: expected an RSA-2048 private key, got EC secp384r1");
  EXPECT_EQ(with("/kenmen/card_present_key/file", "no-such.pem")
                .rfind("kenmen.card_present_key.file: cannot open", 0),
            0U);
  const auto small = testing::write_test_key(testing::TestKey::rsa1024);
  EXPECT_EQ(with("/kenmen/card_present_key/file", small),
            "kenmen.card_present_key.file: expected an RSA-2048 private key, got RSA-1024");
}

TEST(KenmenPersona, ASmartphoneTokenHasNoKenmenAp) {
  json j = persona_json_of(testpki::kSmartphonePersona);
  j["kenmen"] = card()["kenmen"];
  EXPECT_EQ(error_of(j),
            "kenmen: a smartphone token has no 券面事項入力補助AP (jpki.token is not \"card\")");
}

TEST(KenmenPersona, PinMustBeAbsentOnAPinLessCard) {
  json j = persona_json_of(testpki::kPinLessPersona);
  j["kenmen"]["pin"] = {{"value", "1234"}};
  EXPECT_EQ(error_of(j), "kenmen.pin: must be absent on a PIN-less card (jpki.pin_less)");
}

TEST(KenmenPersona, KenmenAidMayNotAlsoBeInFiles) {
  json j = card();
  j["files"] = json::array({{{"type", "df"}, {"aid", "D3 92 10 00 31 00 01 01 04 08"}}});
  const std::string e = error_of(j);
  EXPECT_EQ(e.rfind("kenmen: ", 0), 0U) << e;
}

}  // namespace
}  // namespace onshi::sim
