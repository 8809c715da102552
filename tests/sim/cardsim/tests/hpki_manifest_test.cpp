// The HPKI manifest reader: round trip, lookups, and errors that name the field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "onshi/sim/hpki_manifest.hpp"

namespace onshi::sim {
namespace {

using nlohmann::json;

const std::string kSha1(64, 'a');
const std::string kSha2(64, 'b');

json valid() {
  return {{"format", "onshi-hpki-manifest"},
          {"version", 1},
          {"cards",
           {{{"persona", "hpki-jma-doctor"},
             {"profile", "jma"},
             {"signature_cert_sha256", kSha1},
             {"authentication_cert_sha256", kSha2},
             {"holder", "Taro Shiken"},
             {"role", "Medical Doctor"}},
            {{"persona", "hpki-jahis-sign-only"},
             {"profile", "jahis"},
             {"signature_cert_sha256", std::string(64, 'c')},
             {"authentication_cert_sha256", nullptr},
             {"holder", "Jiro Kensa"},
             {"role", "Director of Hospital"}}}}};
}

std::string error_of(const json& j) {
  auto parsed = parse_hpki_manifest(j.dump());
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code, Errc::config_invalid);
  return parsed.error().message;
}

TEST(HpkiManifest, RoundTripAndLookups) {
  const auto manifest = parse_hpki_manifest(valid().dump());
  ASSERT_TRUE(manifest) << manifest.error().to_string();
  ASSERT_EQ(manifest->cards.size(), 2U);
  EXPECT_EQ(manifest->cards[1].profile, hpki::ProfileId::jahis);
  EXPECT_FALSE(manifest->cards[1].authentication_cert_sha256);
  EXPECT_EQ(manifest->find_by_cert(std::string(64, 'B')), &manifest->cards[0]);
  EXPECT_EQ(manifest->find_by_cert(std::string(64, 'c')), &manifest->cards[1]);
  EXPECT_EQ(manifest->find_persona("hpki-jahis-sign-only"), &manifest->cards[1]);
  EXPECT_EQ(manifest->find_persona("nobody"), nullptr);
  const auto text = hpki_manifest_json(*manifest);
  ASSERT_TRUE(text);
  EXPECT_EQ(parse_hpki_manifest(*text).value_or(HpkiManifest{}), *manifest);
  EXPECT_EQ(json::parse(*text), valid());
}

TEST(HpkiManifest, ErrorsNameTheField) {
  auto with = [](const std::string& pointer, const json& value) {
    json j = valid();
    j[json::json_pointer(pointer)] = value;
    return error_of(j);
  };
  EXPECT_EQ(with("/format", "onshi-persona-manifest"), "format: expected \"onshi-hpki-manifest\"");
  EXPECT_EQ(with("/version", 2), "version: version 2 is not supported (expected 1)");
  EXPECT_EQ(with("/extra", 1), "(top level): unknown field \"extra\"");
  EXPECT_EQ(with("/cards", json::array()), "cards: expected a non-empty array");
  EXPECT_EQ(with("/cards/0/pin", "1234"), "cards[0]: unknown field \"pin\"");
  EXPECT_EQ(with("/cards/0/profile", "medis"), "cards[0].profile: expected \"jma\" or \"jahis\"");
  EXPECT_EQ(with("/cards/0/signature_cert_sha256", "ABCD"),
            "cards[0].signature_cert_sha256: expected 64 lower-case hex digits or null");
  EXPECT_EQ(with("/cards/1/signature_cert_sha256", nullptr),
            "cards[1]: a card needs a signature or an authentication certificate (both null)");
  EXPECT_EQ(with("/cards/1/signature_cert_sha256", kSha2),
            "cards[1].signature_cert_sha256: the same certificate appears twice");
  EXPECT_EQ(with("/cards/1/persona", "hpki-jma-doctor"),
            "cards[1].persona: \"hpki-jma-doctor\" appears twice");
  EXPECT_EQ(with("/cards/1/persona", "../x"),
            "cards[1].persona: expected a file stem of A-Z a-z 0-9 . _ -");
  EXPECT_EQ(with("/cards/0/holder", ""), "cards[0].holder: must not be empty");
  // Only the roles the docs found (certificate-profiles.md §2.3); nothing invented.
  EXPECT_EQ(with("/cards/0/role", "Pharmacist"),
            "cards[0].role: \"Pharmacist\" is not an hcRole onshi knows (\"Medical Doctor\", "
            "\"Director of Hospital\" or \"Director of Clinic\", certificate-profiles.md §2.3)");
  json missing = valid();
  missing["cards"][0].erase("authentication_cert_sha256");
  EXPECT_EQ(error_of(missing), "cards[0].authentication_cert_sha256: missing");
  EXPECT_EQ(parse_hpki_manifest("{").error().message, "not valid JSON");
}

TEST(HpkiManifest, WriterRefusesWhatTheReaderWould) {
  HpkiManifest manifest;
  manifest.cards.push_back({"x", hpki::ProfileId::jma, std::nullopt, std::nullopt, "X", "Nurse"});
  EXPECT_FALSE(hpki_manifest_json(manifest));
}

TEST(HpkiManifest, MissingFile) {
  const auto loaded = load_hpki_manifest("/nonexistent/hpki-manifest.json");
  ASSERT_FALSE(loaded);
  EXPECT_EQ(loaded.error().code, Errc::config_not_found);
}

}  // namespace
}  // namespace onshi::sim
