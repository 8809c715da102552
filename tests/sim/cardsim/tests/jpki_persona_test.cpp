// The persona's "jpki" section: loading, inline hex certificates, and errors that name the field.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "jpki_test_support.hpp"

namespace onshi::sim {
namespace {

using nlohmann::json;

json generated_card_json() {
  std::ifstream in(testing::GeneratedPki::get().card().persona_file);
  return json::parse(in);
}

std::string error_of(const json& persona) {
  auto parsed = parse_persona(persona.dump(), testing::GeneratedPki::get().dir());
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code, Errc::config_invalid);
  return parsed.error().message;
}

TEST(JpkiPersona, GeneratedPersonaBuildsTheJpkiAp) {
  const Persona p = testing::generated_persona(testing::GeneratedPki::get().card());
  ASSERT_TRUE(p.jpki);
  EXPECT_EQ(p.jpki->token, jpki::TokenVariant::card);
  EXPECT_EQ(p.jpki->auth_pin.tries_left, jpki::kAuthPinTries);
  EXPECT_EQ(p.jpki->sign_pin.max_tries, jpki::kSignPinTries);
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
  EXPECT_EQ(without("sign_pin"), "jpki.sign_pin: missing");
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

}  // namespace
}  // namespace onshi::sim
