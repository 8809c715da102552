// The persona manifest, version 2: what the generator writes, the reader's round trip, and one
// error per rule.
#include "onshi/sim/persona_manifest.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "jpki_test_support.hpp"
#include "onshi/check_digit.hpp"
#include "persona_error_support.hpp"

namespace onshi::sim {
namespace {

using nlohmann::json;
using testing::GeneratedPki;

std::string manifest_text() {
  std::ifstream in(GeneratedPki::get().generated().manifest);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The generated manifest with `edit` applied; "parsed" or the reader's error.
template <typename Edit>
std::string edited(Edit edit) {
  json j = json::parse(manifest_text());
  edit(j);
  auto parsed = parse_persona_manifest(j.dump());
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code, Errc::config_invalid);
  return parsed.error().message;
}

std::string set(std::string_view pointer, const json& value) {
  return edited([&](json& j) { j[json::json_pointer(std::string(pointer))] = value; });
}

TEST(PersonaManifest, GeneratedManifestLoadsAndRoundTrips) {
  auto loaded = load_persona_manifest(GeneratedPki::get().generated().manifest);
  ASSERT_TRUE(loaded) << loaded.error().to_string();
  EXPECT_EQ(*loaded, GeneratedPki::get().generated().manifest_content);
  auto text = persona_manifest_json(*loaded);
  ASSERT_TRUE(text) << text.error().to_string();
  EXPECT_EQ(*text, manifest_text());  // byte for byte: one writer
  auto again = parse_persona_manifest(*text);
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *loaded);
}

TEST(PersonaManifest, DescribesEachGeneratedCard) {
  auto m = load_persona_manifest(GeneratedPki::get().generated().manifest);
  ASSERT_TRUE(m);
  ASSERT_EQ(m->cards.size(), 6U);
  struct Expected {
    std::string_view persona;
    jpki::TokenVariant token;
    bool pin_less;
    jpki::KeyType key;
    bool sign;
  };
  const Expected expected[] = {
      {testpki::kCardPersona, jpki::TokenVariant::card, false, jpki::KeyType::rsa, true},
      {testpki::kSmartphonePersona, jpki::TokenVariant::android, false, jpki::KeyType::rsa, true},
      {testpki::kCard2023Persona, jpki::TokenVariant::card, false, jpki::KeyType::rsa, true},
      {testpki::kChildPersona, jpki::TokenVariant::card, false, jpki::KeyType::rsa, false},
      {testpki::kPinLessPersona, jpki::TokenVariant::card, true, jpki::KeyType::rsa, false},
      {testpki::kP384Persona, jpki::TokenVariant::card, false, jpki::KeyType::ec_p384, true},
  };
  for (std::size_t i = 0; i < m->cards.size(); ++i) {
    const ManifestCard& c = m->cards[i];
    SCOPED_TRACE(c.persona);
    EXPECT_EQ(c.persona, expected[i].persona);
    EXPECT_EQ(c.token, expected[i].token);
    EXPECT_EQ(c.pin_less, expected[i].pin_less);
    EXPECT_EQ(c.jpki_key, expected[i].key);
    EXPECT_EQ(c.sign_certificate, expected[i].sign);
    EXPECT_EQ(c.card_present_public_key.has_value(), c.token == jpki::TokenVariant::card);
    const auto& generated = GeneratedPki::get().persona(c.persona);
    EXPECT_EQ(c.auth_cert_sha256, generated.auth_cert_sha256);
    EXPECT_EQ(m->find_by_auth_cert(generated.auth_cert_sha256), &c);
    const auto holder = GeneratedPki::holder(c.persona);
    EXPECT_EQ(c.insured_person, testpki::insured_person(holder));
  }
  // One 6-digit 国保 insurer number, and every insurer number carries its 検証番号.
  std::size_t six = 0;
  for (const auto& c : m->cards) {
    const std::string& n = c.insured_person.insurer_number;
    six += n.size() == 6 ? 1 : 0;
    EXPECT_EQ(check_digit_2_1(n.substr(0, n.size() - 1)), n.back() - '0') << n;
  }
  EXPECT_EQ(six, 1U);
}

TEST(PersonaManifest, InsuredPersonEqualsTheCardsBasicFour) {
  auto m = load_persona_manifest(GeneratedPki::get().generated().manifest);
  ASSERT_TRUE(m);
  for (const auto& c : m->cards) {
    if (c.token != jpki::TokenVariant::card) continue;
    SCOPED_TRACE(c.persona);
    const json kenmen = testing::persona_json_of(c.persona).at("kenmen");
    EXPECT_EQ(kenmen.at("name"), c.insured_person.name);
    EXPECT_EQ(kenmen.at("address"), c.insured_person.address);
    EXPECT_EQ(kenmen.at("birth_date"), c.insured_person.birth_date);
    EXPECT_EQ(kenmen.at("sex"), c.insured_person.sex);
  }
}

TEST(PersonaManifest, CardPresentPublicKeyMatchesThePersonasKeyFile) {
  auto m = load_persona_manifest(GeneratedPki::get().generated().manifest);
  ASSERT_TRUE(m);
  const auto& generated = GeneratedPki::get().card();
  std::ifstream in(generated.card_present_key_pem, std::ios::binary);
  const Bytes pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto key = ossl::parse_pem_private_key(pem);
  ASSERT_TRUE(key);
  auto der = ossl::public_key_der(key->get());
  ASSERT_TRUE(der);
  EXPECT_EQ(m->find_persona(testpki::kCardPersona)->card_present_public_key, *der);
}

TEST(PersonaManifest, LookupsByPersonaAndFingerprint) {
  auto m = load_persona_manifest(GeneratedPki::get().generated().manifest);
  ASSERT_TRUE(m);
  std::string upper = GeneratedPki::get().card().auth_cert_sha256;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ASSERT_NE(m->find_by_auth_cert(upper), nullptr);
  EXPECT_EQ(m->find_by_auth_cert(upper)->persona, testpki::kCardPersona);
  EXPECT_EQ(m->find_by_auth_cert(std::string(64, '0')), nullptr);
  EXPECT_EQ(m->find_persona("jpki-nobody"), nullptr);
}

TEST(PersonaManifest, ReadErrors) {
  EXPECT_EQ(load_persona_manifest("/nonexistent/manifest.json").error().code,
            Errc::config_not_found);
  EXPECT_EQ(parse_persona_manifest("{").error().message, "not valid JSON");
}

TEST(PersonaManifest, TopLevelRules) {
  EXPECT_EQ(set("/format", "other"), "format: expected \"onshi-persona-manifest\"");
  EXPECT_EQ(set("/version", 1),
            "version: version 1 is not supported (expected 2); regenerate with "
            "onshi-jpki-personas");
  EXPECT_EQ(set("/extra", true), "(top level): unknown field \"extra\"");
  EXPECT_EQ(set("/cards", json::array()), "cards: expected a non-empty array");
  EXPECT_EQ(edited([](json& j) { j.erase("cards"); }), "cards: missing");
}

TEST(PersonaManifest, CardRules) {
  EXPECT_EQ(set("/cards/0/colour", 1), "cards[0]: unknown field \"colour\"");
  EXPECT_EQ(edited([](json& j) { j["cards"][0].erase("token"); }), "cards[0].token: missing");
  EXPECT_EQ(set("/cards/0/persona", "../x"),
            "cards[0].persona: expected a file stem of A-Z a-z 0-9 . _ -");
  EXPECT_EQ(set("/cards/1/persona", "jpki-card"), "cards[1].persona: \"jpki-card\" appears twice");
  EXPECT_EQ(set("/cards/0/auth_cert_sha256", std::string(64, 'A')),
            "cards[0].auth_cert_sha256: expected 64 lower-case hex digits");
  EXPECT_EQ(edited([](json& j) {
              j["cards"][1]["auth_cert_sha256"] = j["cards"][0]["auth_cert_sha256"];
            }),
            "cards[1].auth_cert_sha256: the same certificate appears twice");
  EXPECT_EQ(set("/cards/0/token", "watch"),
            "cards[0].token: expected \"card\", \"android\" or \"ios\"");
  EXPECT_EQ(set("/cards/0/pin_less", "no"),
            "cards[0].pin_less: expected true or false, got string");
  EXPECT_EQ(set("/cards/0/jpki_key", "rsa4096"),
            "cards[0].jpki_key: expected \"rsa2048\" or \"ec-p384\"");
  EXPECT_EQ(set("/cards/0/pin_less", true),
            "cards[0].sign_certificate: must be false on a PIN-less card");
  EXPECT_EQ(set("/cards/1/pin_less", true),
            "cards[1].pin_less: only a physical card (token \"card\") can be PIN-less");
}

TEST(PersonaManifest, CardPresentPublicKeyRules) {
  EXPECT_EQ(set("/cards/0/card_present_public_key", nullptr),
            "cards[0].card_present_public_key: must be set for a card");
  EXPECT_EQ(edited([](json& j) {
              j["cards"][1]["card_present_public_key"] = j["cards"][0]["card_present_public_key"];
            }),
            "cards[1].card_present_public_key: must be null for a smartphone token (it has no "
            "券面事項入力補助AP)");
  EXPECT_EQ(set("/cards/0/card_present_public_key", "not base64!"),
            "cards[0].card_present_public_key: expected canonical base64 (RFC 4648, padded, no "
            "line breaks)");
  EXPECT_EQ(set("/cards/0/card_present_public_key", "AAAA")
                .rfind("cards[0].card_present_public_key: not a DER SubjectPublicKeyInfo", 0),
            0U);
  // The P-384 auth certificate's key is a valid SubjectPublicKeyInfo, but not RSA-2048.
  const auto cert =
      testing::read_pem_cert(GeneratedPki::get().persona(testpki::kP384Persona).auth_cert_pem);
  ASSERT_TRUE(cert);
  auto ec = ossl::public_key_der(X509_get0_pubkey(cert.get()));
  ASSERT_TRUE(ec);
  EXPECT_EQ(set("/cards/0/card_present_public_key", ossl::base64_encode(*ec)),
            "cards[0].card_present_public_key: expected an RSA-2048 public key");
}

TEST(PersonaManifest, InsuredPersonRules) {
  const std::string p = "/cards/0/insured_person/";
  const std::string e = "cards[0].insured_person.";
  EXPECT_EQ(set(p + "age", 30), "cards[0].insured_person: unknown field \"age\"");
  EXPECT_EQ(edited([](json& j) { j["cards"][0]["insured_person"].erase("name"); }),
            e + "name: missing");
  EXPECT_EQ(set(p + "name_kana", "シケン タロウ"),
            e + "name_kana: expected half-width katakana (U+FF61..U+FF9F, spaces)");
  EXPECT_EQ(set(p + "birth_date", "19900230"),
            e + "birth_date: expected a calendar date as YYYYMMDD");
  EXPECT_EQ(set(p + "sex", "9"), e + "sex: expected \"1\" or \"2\"");
  EXPECT_EQ(set(p + "address", ""), e + "address: must not be empty");
  EXPECT_EQ(set(p + "post_number", "1000001"), e + "post_number: expected \"123-4567\"");
  EXPECT_EQ(set(p + "insurer_number", "0113001"),
            e + "insurer_number: expected 8 digits (6 for 国民健康保険)");
  EXPECT_EQ(set(p + "insurer_number", "01130013"),
            e + "insurer_number: the 検証番号 (last digit) should be 2");
  EXPECT_EQ(set(p + "insurer_number", "140237"),
            e + "insurer_number: the 検証番号 (last digit) should be 6");
  EXPECT_EQ(set(p + "insurer_number", "39131016"),  // 後期高齢者医療 with the card's 記号
            e + "insured_card_symbol: must be empty for 後期高齢者医療 (insurer number 39...)");
  EXPECT_EQ(set(p + "insured_card_symbol", std::string(21, '1')),
            e + "insured_card_symbol: longer than 20 characters");
  EXPECT_EQ(set(p + "insured_identification_number", ""),
            e + "insured_identification_number: expected 1 to 20 characters");
  EXPECT_EQ(set(p + "insured_branch_number", "0"), e + "insured_branch_number: expected 2 digits");
  EXPECT_EQ(set(p + "personal_family_classification", "3"),
            e + "personal_family_classification: expected \"1\" (本人) or \"2\" (家族)");
}

}  // namespace
}  // namespace onshi::sim
