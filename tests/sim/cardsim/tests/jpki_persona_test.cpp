// The persona's "jpki" section: loading, inline hex certificates, the variants (no sign
// certificate, PIN-less, EC P-384), and errors that name the field.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "jpki_test_support.hpp"
#include "persona_error_support.hpp"

namespace onshi::sim {
namespace {

using nlohmann::json;
using testing::error_of;

json generated_card_json() { return testing::persona_json_of(testpki::kCardPersona); }

// The generated persona `name` with `edit` applied; "parsed" or the loader's error.
template <typename Edit>
std::string edited(std::string_view name, Edit edit) {
  json j = testing::persona_json_of(name);
  edit(j["jpki"]);
  return error_of(j);
}

TEST(JpkiPersona, GeneratedPersonaBuildsTheJpkiAp) {
  const Persona p = testing::generated_persona(testing::GeneratedPki::get().card());
  ASSERT_TRUE(p.jpki);
  EXPECT_EQ(p.jpki->token, jpki::TokenVariant::card);
  EXPECT_EQ(p.jpki->auth_pin->tries_left, jpki::kAuthPinTries);
  EXPECT_EQ(p.jpki->sign_pin->max_tries, jpki::kSignPinTries);
  const auto df = p.files.find_df_by_aid(jpki::kAid);
  ASSERT_TRUE(df);
  for (std::uint16_t fid : {jpki::kEfSignCert, jpki::kEfSignCaCert, jpki::kEfTokenInfo,
                            jpki::kEfCertAvailability, jpki::kEfAuthCert, jpki::kEfAuthCaCert,
                            jpki::kEfAuthKey, jpki::kEfAuthPin, jpki::kEfSignKey,
                            jpki::kEfSignPin}) {
    const auto ef = p.files.find_child_by_fid(*df, fid, FileKind::ef);
    ASSERT_TRUE(ef) << fid;
    EXPECT_EQ(p.files.node(*ef).sfi, fid);  // §1.3: SFI = FID
  }
}

TEST(JpkiPersona, InlineHexCertificateIsAccepted) {
  json j = generated_card_json();
  const auto cert = testing::read_pem_cert(testing::GeneratedPki::get().card().auth_cert_pem);
  ASSERT_TRUE(cert);
  j["jpki"]["auth_cert"] = {{"hex", to_hex(testing::der_of(cert.get()), true)}};
  EXPECT_EQ(error_of(j), "parsed");
}

TEST(JpkiPersona, ErrorsNameTheField) {
  const json base = generated_card_json();
  auto with = [&](const std::string& pointer, const json& value) {
    json j = base;
    j[json::json_pointer(pointer)] = value;
    return error_of(j);
  };
  auto without = [&](const std::string& key) {
    json j = base;
    j["jpki"].erase(key);
    return error_of(j);
  };
  EXPECT_EQ(without("auth_cert"), "jpki.auth_cert: missing");
  EXPECT_EQ(without("auth_pin"), "jpki.auth_pin: missing");
  EXPECT_EQ(without("sign_pin"),
            "jpki.sign_pin: missing (sign_cert, sign_key and sign_pin come together)");
  EXPECT_EQ(with("/jpki/token", "watch"),
            "jpki.token: \"watch\" is not \"card\", \"android\" or \"ios\"");
  EXPECT_EQ(with("/jpki/colour", 1), "jpki: unknown field \"colour\"");
  EXPECT_EQ(with("/jpki/auth_pin/tries_left", 4), "jpki.auth_pin.tries_left: 4 is outside 0..3");
  EXPECT_EQ(with("/jpki/auth_cert", json{{"hex", "30 82"}, {"file", "x"}}),
            "jpki.auth_cert: needs exactly one of \"file\" and \"hex\"");
  EXPECT_EQ(with("/jpki/auth_cert/file", "no-such.pem").rfind("jpki.auth_cert.file: cannot open", 0),
            0U);
  EXPECT_EQ(with("/jpki/auth_cert", json{{"hex", "30 03 02 01 00"}})
                .rfind("jpki.auth_cert.hex: not a DER X.509 certificate", 0),
            0U);
  EXPECT_EQ(with("/jpki/auth_key/file", "jpki-card-sign-key.pem"),
            "jpki.auth_key: does not match the public key of jpki.auth_cert");
  EXPECT_EQ(with("/jpki/auth_key/file", "jpki-card-auth.pem")
                .rfind("jpki.auth_key.file: not an unencrypted PEM private key", 0),
            0U);
}

TEST(JpkiPersona, PinFormatErrorsNeverRepeatThePin) {
  const json base = generated_card_json();
  for (const char* bad : {"12345", "12a4", "123"}) {
    json j = base;
    j["jpki"]["auth_pin"]["value"] = bad;
    const std::string e = error_of(j);
    EXPECT_EQ(e, "jpki.auth_pin.value: expected exactly 4 digits");
    EXPECT_EQ(e.find(bad), std::string::npos);
  }
  for (const char* bad : {"SHORT", "lowercase1", "ABCDEFGHIJKLMNOPQ", "WITH SPACE"}) {
    json j = base;
    j["jpki"]["sign_pin"]["value"] = bad;
    EXPECT_EQ(error_of(j), "jpki.sign_pin.value: expected 6 to 16 characters of A-Z and 0-9");
  }
}

TEST(JpkiPersona, JpkiAidMayNotAlsoBeInFiles) {
  json j = generated_card_json();
  j["files"] = json::array({{{"type", "df"}, {"aid", "D3 92 F0 00 26 01 00 00 00 01"}}});
  const std::string e = error_of(j);
  EXPECT_EQ(e.rfind("jpki: ", 0), 0U) << e;
}

TEST(JpkiPersona, SignCertificateKeyAndPasswordMayBeOmittedTogether) {
  const Persona p =
      testing::generated_persona(testing::GeneratedPki::get().persona(testpki::kChildPersona));
  ASSERT_TRUE(p.jpki);
  EXPECT_FALSE(p.jpki->sign_pin);
  EXPECT_FALSE(p.jpki->sign_key);
  const auto df = p.files.find_df_by_aid(jpki::kAid);
  ASSERT_TRUE(df);
  EXPECT_FALSE(p.files.find_child_by_fid(*df, jpki::kEfSignCert));
  const auto flags = p.files.find_child_by_fid(*df, jpki::kEfCertAvailability);
  ASSERT_TRUE(flags);
  EXPECT_EQ(p.files.node(*flags).data, testing::hex("8F 00 00"));
}

TEST(JpkiPersona, SignFieldsComeTogether) {
  EXPECT_EQ(edited(testpki::kCardPersona, [](json& j) { j.erase("sign_cert"); }),
            "jpki.sign_cert: missing (sign_cert, sign_key and sign_pin come together)");
  EXPECT_EQ(edited(testpki::kCardPersona, [](json& j) { j.erase("sign_key"); }),
            "jpki.sign_key: missing (sign_cert, sign_key and sign_pin come together)");
  EXPECT_EQ(edited(testpki::kCardPersona,
                   [](json& j) {
                     j.erase("sign_cert");
                     j.erase("sign_key");
                   }),
            "jpki.sign_cert: missing (sign_cert, sign_key and sign_pin come together)");
  EXPECT_EQ(edited(testpki::kCardPersona,
                   [](json& j) {
                     j.erase("sign_cert");
                     j.erase("sign_key");
                     j.erase("sign_pin");
                   }),
            "parsed");
}

TEST(JpkiPersona, PinLessIsABoolean) {
  EXPECT_EQ(edited(testpki::kCardPersona, [](json& j) { j["pin_less"] = "yes"; }),
            "jpki.pin_less: expected true or false, got string");
}

TEST(JpkiPersona, PinLessCardBuildsTheMarkerAndNoPinEfs) {
  const Persona p =
      testing::generated_persona(testing::GeneratedPki::get().persona(testpki::kPinLessPersona));
  ASSERT_TRUE(p.jpki && p.kenmen);
  EXPECT_TRUE(p.jpki->pin_less);
  EXPECT_FALSE(p.jpki->auth_pin);
  EXPECT_FALSE(p.kenmen->pin);
  const auto df = p.files.find_df_by_aid(jpki::kAid);
  ASSERT_TRUE(df);
  const auto marker = p.files.find_child_by_fid(*df, jpki::kEfPinLessMarker);
  ASSERT_TRUE(marker);
  EXPECT_EQ(p.files.node(*marker).data, testing::hex("4F 4E 53 48 49 2D 4E 4F 50 49 4E 01"));
  EXPECT_FALSE(p.files.find_child_by_fid(*df, jpki::kEfAuthPin));
  EXPECT_TRUE(p.files.find_child_by_fid(*df, jpki::kEfAuthKey));
}

TEST(JpkiPersona, PinLessCardRefusesEveryPinAndSignField) {
  const json card = testing::persona_json_of(testpki::kCardPersona);
  for (const char* key : {"auth_pin", "sign_cert", "sign_key", "sign_pin"}) {
    const std::string e =
        edited(testpki::kPinLessPersona, [&](json& j) { j[key] = card["jpki"][key]; });
    EXPECT_EQ(e, fmt::format("jpki.{}: must be absent on a PIN-less card (jpki.pin_less)", key));
    EXPECT_EQ(e.find(testing::GeneratedPki::get().card().auth_pin), std::string::npos);
  }
}

TEST(JpkiPersona, OnlyAPhysicalCardCanBePinLess) {
  EXPECT_EQ(edited(testpki::kPinLessPersona, [](json& j) { j["token"] = "android"; }),
            "jpki.pin_less: only a physical card (token \"card\") can be PIN-less");
}

TEST(JpkiPersona, EcP384KeysAreAcceptedWhenTheyMatchTheCertificate) {
  const Persona p =
      testing::generated_persona(testing::GeneratedPki::get().persona(testpki::kP384Persona));
  ASSERT_TRUE(p.jpki);
  EXPECT_EQ(EVP_PKEY_get_base_id(p.jpki->auth_key.get()), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_base_id(p.jpki->sign_key.get()), EVP_PKEY_EC);
  EXPECT_EQ(edited(testpki::kP384Persona,
                   [](json& j) { j["auth_key"]["file"] = "jpki-p384-sign-key.pem"; }),
            "jpki.auth_key: does not match the public key of jpki.auth_cert");
}

TEST(JpkiPersona, OtherCurvesAndKeyTypesAreRefused) {
  const auto p256 = testing::write_test_key(testing::TestKey::ec_p256);
  EXPECT_EQ(edited(testpki::kCardPersona, [&](json& j) { j["auth_key"]["file"] = p256; }),
            "jpki.auth_key.file: expected an RSA or EC P-384 (secp384r1) private key, got EC "
            "prime256v1");
  const auto ed = testing::write_test_key(testing::TestKey::ed25519);
  EXPECT_EQ(edited(testpki::kCardPersona, [&](json& j) { j["sign_key"]["file"] = ed; }),
            "jpki.sign_key.file: expected an RSA or EC P-384 (secp384r1) private key, got ED25519");
}

TEST(JpkiPersona, BothJpkiKeysAreOfOneType) {
  EXPECT_EQ(edited(testpki::kCardPersona,
                   [](json& j) {
                     j["sign_cert"]["file"] = "jpki-p384-sign.pem";
                     j["sign_key"]["file"] = "jpki-p384-sign-key.pem";
                   }),
            "jpki.sign_key: is EC P-384 but jpki.auth_key is RSA: both JPKI keys must be of one "
            "type");
}

}  // namespace
}  // namespace onshi::sim
