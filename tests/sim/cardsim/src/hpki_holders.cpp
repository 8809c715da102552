// The shipped HPKI holders: fictional people and institutions, test PINs. Roles are only those
// certificate-profiles.md §2.3 found.
#include "onshi/sim/hpki_test_pki.hpp"

namespace onshi::sim::testpki {

std::vector<HpkiHolder> default_hpki_holders() {
  using hpki::ProfileId;
  std::vector<HpkiHolder> holders;
  // The JMA card's PINs are 4 digits (cards-and-readers.md §2.2); the JAHIS ones use the
  // guideline's 4–16 ASCII range (§2.1 AOD), one of them all 16.
  holders.push_back({.persona = std::string(kHpkiJmaDoctorPersona),
                     .profile = ProfileId::jma,
                     .role = "Medical Doctor",
                     .institution_romaji = "ONSHI TEST MEDICAL CENTER",
                     .institution_kanji = "オンシ試験医療センター",
                     .name_romaji = "Taro Shiken",
                     .name_kanji = "試験\u3000太郎",
                     .serial_number = "Test200001",
                     .signature_pin = "2468",
                     .authentication_pin = "1357"});
  holders.push_back({.persona = std::string(kHpkiJahisClinicPersona),
                     .profile = ProfileId::jahis,
                     .role = "Director of Clinic",
                     .institution_romaji = "ONSHI TEST CLINIC",
                     .institution_kanji = "オンシ試験診療所",
                     .name_romaji = "Hanako Reidai",
                     .name_kanji = "例題\u3000花子",
                     .serial_number = "Test200002",
                     .signature_pin = "Clinic-Sign-7",
                     .authentication_pin = "clinic-auth-0016"});
  holders.push_back({.persona = std::string(kHpkiJahisSignOnlyPersona),
                     .profile = ProfileId::jahis,
                     .authentication = false,
                     .role = "Medical Doctor",
                     .institution_romaji = "ONSHI TEST UNIVERSITY HOSPITAL",
                     .institution_kanji = "オンシ試験大学病院",
                     .name_romaji = "Jiro Kensa",
                     .name_kanji = "検査\u3000次郎",
                     .serial_number = "Test200003",
                     .signature_pin = "S1gn-Only-2026",
                     .authentication_pin = {}});
  holders.push_back({.persona = std::string(kHpkiBadKeyUsagePersona),
                     .profile = ProfileId::jma,
                     .authentication = false,
                     .role = "Medical Doctor",
                     .institution_romaji = "ONSHI TEST HOSPITAL",
                     .institution_kanji = "オンシ試験病院",
                     .name_romaji = "Saburo Gimon",
                     .name_kanji = "疑問\u3000三郎",
                     .serial_number = "Test200004",
                     .signature_pin = "9753",
                     .authentication_pin = {},
                     .signature_key_usage_wrong = true});
  return holders;
}

}  // namespace onshi::sim::testpki
