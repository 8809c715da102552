// The persona's "hpki" section: what the loader builds, and errors that name the field and
// never repeat a PIN.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <unistd.h>

#include "hpki_test_support.hpp"

namespace onshi::sim {
namespace {

using nlohmann::json;

json persona_json(std::string_view name) {
  std::ifstream in(testing::GeneratedHpkiSet::get().persona(name).persona_file);
  return json::parse(in);
}

// "parsed" if the loader takes it, else its message (which must be config_invalid).
std::string error_of(const json& persona) {
  auto parsed = parse_persona(persona.dump(), testing::GeneratedHpkiSet::get().dir());
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code, Errc::config_invalid);
  return parsed.error().message;
}

// A key file in this process's own scratch directory; its absolute path.
std::string write_key(EVP_PKEY* raw, const char* name) {
  const ossl::PkeyPtr key(raw);
  const auto dir =
      std::filesystem::temp_directory_path() / ("onshi-hpki-scratch-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto file = dir / name;
  ossl::BioPtr bio(BIO_new_file(file.c_str(), "wb"));
  EXPECT_TRUE(
      key && bio &&
      PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return file.string();
}

template <typename Edit>
std::string edited(std::string_view name, Edit edit) {
  json j = persona_json(name);
  edit(j["hpki"]);
  return error_of(j);
}

TEST(HpkiPersona, JmaCardHasTheFilesOfSection22) {
  const Persona p = testing::hpki_persona(testpki::kHpkiJmaDoctorPersona);
  ASSERT_TRUE(p.hpki);
  EXPECT_EQ(p.hpki->profile, hpki::ProfileId::jma);
  for (const auto app : {hpki::Application::signature, hpki::Application::authentication}) {
    const auto df = p.files.find_df_by_aid(hpki::aid(hpki::profile(hpki::ProfileId::jma), app));
    ASSERT_TRUE(df);
    for (std::uint16_t fid : {0x0002, 0x000C, 0x0016}) {
      EXPECT_TRUE(p.files.find_child_by_fid(*df, fid, FileKind::ef)) << fid;
    }
    EXPECT_EQ(p.files.node(*df).children.size(), 3U);
  }
}

TEST(HpkiPersona, JahisCardHasTheFilesOfTableB1) {
  const Persona p = testing::hpki_persona(testpki::kHpkiJahisSignOnlyPersona);
  ASSERT_TRUE(p.hpki);
  EXPECT_TRUE(p.hpki->signature);
  EXPECT_FALSE(p.hpki->authentication);
  const auto& profile = hpki::profile(hpki::ProfileId::jahis);
  const auto df = p.files.find_df_by_aid(hpki::aid(profile, hpki::Application::signature));
  ASSERT_TRUE(df);
  for (std::uint8_t sfi : {0x11, 0x12, 0x16, 0x17, 0x18, 0x19, 0x1A}) {
    EXPECT_TRUE(p.files.find_ef_by_sfi(*df, sfi)) << int{sfi};
  }
  EXPECT_FALSE(p.files.find_df_by_aid(hpki::aid(profile, hpki::Application::authentication)));
}

TEST(HpkiPersona, ErrorsNameTheField) {
  const auto jma = testpki::kHpkiJmaDoctorPersona;
  const auto jahis = testpki::kHpkiJahisClinicPersona;
  EXPECT_EQ(edited(jma, [](json& h) { h["colour"] = 1; }), "hpki: unknown field \"colour\"");
  EXPECT_EQ(edited(jma, [](json& h) { h.erase("profile"); }), "hpki.profile: missing");
  EXPECT_EQ(edited(jma, [](json& h) { h["profile"] = "medis"; }),
            "hpki.profile: expected \"jma\" or \"jahis\"");
  EXPECT_EQ(edited(jma,
                   [](json& h) {
                     h.erase("signature");
                     h.erase("authentication");
                   }),
            "hpki: needs \"signature\", \"authentication\" or both");
  EXPECT_EQ(edited(jma, [](json& h) { h["signature"]["pin_tries"] = 3; }),
            "hpki.signature: unknown field \"pin_tries\"");
  EXPECT_EQ(edited(jma, [](json& h) { h["signature"].erase("ca_cert"); }),
            "hpki.signature.ca_cert: missing");
  EXPECT_EQ(edited(jma, [](json& h) { h["authentication"].erase("pin"); }),
            "hpki.authentication.pin: missing");
  EXPECT_EQ(edited(jma, [](json& h) { h["signature"]["pin"]["tries_left"] = 16; }),
            "hpki.signature.pin.tries_left: 16 is outside 0..15");
  EXPECT_EQ(edited(jma, [](json& h) { h["signature"] = "yes"; }),
            "hpki.signature: expected an object, got string");
  // The other application's key does not match this certificate.
  EXPECT_EQ(edited(jma, [](json& h) { h["signature"]["key"] = h["authentication"]["key"]; }),
            "hpki.signature.key: does not match the public key of hpki.signature.cert");
  // The authentication certificate is not issued by the signature CA.
  EXPECT_EQ(edited(jma, [](json& h) { h["authentication"]["ca_cert"] = h["signature"]["ca_cert"]; })
                .rfind("hpki.authentication.cert: is not issued by hpki.authentication.ca_cert", 0),
            0U);
  // The trust point: required by the JAHIS profile (Table B.1), unknown to JMA (§2.2).
  EXPECT_EQ(edited(jahis, [](json& h) { h.erase("trust_point"); }), "hpki.trust_point: missing");
  EXPECT_EQ(edited(jma,
                   [](json& h) {
                     h["trust_point"] = {{"file", "hpki-root.pem"}};
                   }),
            "hpki.trust_point: the \"jma\" profile has no trust-point EF");
  EXPECT_EQ(edited(jahis,
                   [](json& h) {
                     h["trust_point"] = {{"file", "hpki-sign-ca.pem"}};
                   }),
            "hpki.trust_point: expected a self-signed root certificate");
}

TEST(HpkiPersona, PinErrorsNeverRepeatThePin) {
  for (const std::string pin : {"123", "12345678901234567", "caf\xC3\xA9", "tab\there"}) {
    const std::string message = edited(testpki::kHpkiJahisClinicPersona,
                                       [&](json& h) { h["signature"]["pin"]["value"] = pin; });
    EXPECT_EQ(message, "hpki.signature.pin.value: expected 4 to 16 printable ASCII characters");
    EXPECT_EQ(message.find(pin), std::string::npos);
  }
  // 4 and 16 characters are fine.
  EXPECT_EQ(edited(testpki::kHpkiJahisClinicPersona,
                   [](json& h) { h["signature"]["pin"]["value"] = "a b!"; }),
            "parsed");
}

TEST(HpkiPersona, KeysMustBeRsa2048) {
  const std::string ec_key = write_key(EVP_EC_gen("prime256v1"), "p256-key.pem");
  EXPECT_EQ(edited(testpki::kHpkiJmaDoctorPersona,
                   [&](json& h) {
                     h["signature"]["key"] = {{"file", ec_key}};
                   }),
            "hpki.signature.key.file: expected an RSA-2048 private key, got EC prime256v1");
  const std::string small = write_key(EVP_RSA_gen(1024), "rsa1024-key.pem");
  EXPECT_EQ(edited(testpki::kHpkiJmaDoctorPersona,
                   [&](json& h) {
                     h["signature"]["key"] = {{"file", small}};
                   }),
            "hpki.signature.key.file: expected an RSA-2048 private key, got RSA-1024");
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(small).parent_path(), ec);
}

TEST(HpkiPersona, NotOnAMyNumberCard) {
  json j = persona_json(testpki::kHpkiJmaDoctorPersona);
  j["jpki"] = json::object();
  EXPECT_EQ(error_of(j),
            "hpki: cannot be combined with \"jpki\": an HPKI card is not a My Number card");
}

TEST(HpkiPersona, AidsMustNotCollideWithFiles) {
  json j = persona_json(testpki::kHpkiJahisSignOnlyPersona);
  j["files"] = json::array({{{"type", "df"},
                             {"aid", "E8 28 BD 08 0F 4F 4E 53 48 49 00 01"},
                             {"children", json::array()}}});
  EXPECT_EQ(error_of(j).rfind("hpki: AID E8", 0), 0U);
}

}  // namespace
}  // namespace onshi::sim
