// The shipped fictional card holders of the test PKI. People, places, PINs, My Numbers and
// insurance numbers are invented (試験町, 見本町, 例題町 and 検証町 do not exist); the numbers
// carry valid check digits so that validators accept them.
#include <fmt/format.h>

#include "onshi/sim/jpki_test_pki.hpp"

namespace onshi::sim::testpki {

using namespace std::chrono;

std::vector<Holder> default_holders() {
  std::vector<Holder> holders;
  {
    Holder h;
    h.persona = kCardPersona;
    h.auth_pin = "1234";
    h.sign_pin = "TESTSIGN1";
    h.birthday = year{1990} / January / 2;
    h.name = "試験\u3000太郎";
    h.sex = "1";
    h.address = "東京都千代田区試験町一丁目１番１号";
    h.prefecture_romaji = "Tokyo-to";
    h.city_romaji = "Chiyoda-ku";
    h.kenmen = KenmenHolder{"4321", "123456789018", kenmen::Layout::classic};
    h.insurance = {"ｼｹﾝ ﾀﾛｳ", "100-0001", "01130012", "13010203", "4567", "00", "1"};
    holders.push_back(std::move(h));
  }
  {
    Holder h;  // a phone carries only the JPKI AP: no 券面事項入力補助AP, no PIN-less key
    h.persona = kSmartphonePersona;
    h.token = jpki::TokenVariant::android;
    h.auth_pin = "5678";
    h.sign_pin = "PHONE2468";
    h.birthday = year{1985} / July / 15;
    h.name = "見本\u3000花子";
    h.sex = "2";
    h.address = "大阪府大阪市北区見本町二丁目２番２号";
    h.prefecture_romaji = "Osaka-fu";
    h.city_romaji = "Osaka-shi";
    h.insurance = {"ﾐﾎﾝ ﾊﾅｺ", "530-0001", "06271233", "2701", "123456", "00", "1"};
    holders.push_back(std::move(h));
  }
  {
    Holder h;  // the 2023 券面 layout; its address needs BER long-form lengths (> 127 bytes)
    h.persona = kCard2023Persona;
    h.auth_pin = "2468";
    h.sign_pin = "NEWCARD2023";
    h.birthday = year{1978} / November / 23;
    h.name = "模擬\u3000次郎";
    h.sex = "1";
    h.address =
        "北海道札幌市中央区見本通北一条西二十三丁目４５番地６７試験マンション見本館１２３４号室";
    h.prefecture_romaji = "Hokkaido";
    h.city_romaji = "Sapporo-shi";
    h.kenmen = KenmenHolder{"8642", "102938475617", kenmen::Layout::y2023};
    h.insurance = {"ﾓｷﾞ ｼﾞﾛｳ", "060-0001", "31010119", "3101", "000123", "00", "1"};
    holders.push_back(std::move(h));
  }
  {
    Holder h;  // under 15: no sign certificate (§1.3); a family member of jpki-card's holder
    h.persona = kChildPersona;
    h.auth_pin = "1357";
    h.sign_certificate = false;
    h.birthday = year{2015} / April / 1;
    h.name = "試験\u3000さくら";
    h.sex = "2";
    h.address = "東京都千代田区試験町一丁目１番１号";
    h.prefecture_romaji = "Tokyo-to";
    h.city_romaji = "Chiyoda-ku";
    h.kenmen = KenmenHolder{"7531", "202401010019", kenmen::Layout::classic};
    h.insurance = {"ｼｹﾝ ｻｸﾗ", "100-0001", "01130012", "13010203", "4567", "01", "2"};
    holders.push_back(std::move(h));
  }
  {
    Holder h;  // 暗証番号設定不要 card (invented marker); a 6-digit 国保 insurer number
    h.persona = kPinLessPersona;
    h.pin_less = true;
    h.sign_certificate = false;
    h.birthday = year{1955} / March / 10;
    h.name = "例題\u3000一郎";
    h.sex = "1";
    h.address = "神奈川県横浜市中区例題町三丁目３番３号";
    h.prefecture_romaji = "Kanagawa-ken";
    h.city_romaji = "Yokohama-shi";
    h.kenmen = KenmenHolder{"", "314159265352", kenmen::Layout::classic};
    h.insurance = {"ﾚｲﾀﾞｲ ｲﾁﾛｳ", "231-0001", "140236", "試験市", "0123456", "00", "1"};
    holders.push_back(std::move(h));
  }
  {
    Holder h;  // the invented ECDSA P-384 variant (§1.12)
    h.persona = kP384Persona;
    h.auth_pin = "3840";
    h.sign_pin = "ECDSAP384";
    h.birthday = year{1995} / December / 31;
    h.name = "検証\u3000由美";
    h.sex = "2";
    h.address = "福岡県福岡市博多区検証町四丁目４番４号";
    h.prefecture_romaji = "Fukuoka-ken";
    h.city_romaji = "Fukuoka-shi";
    h.key_type = jpki::KeyType::ec_p384;
    h.kenmen = KenmenHolder{"0483", "271828182840", kenmen::Layout::classic};
    h.insurance = {"ｹﾝｼｮｳ ﾕﾐ", "812-0001", "06401236", "4001", "98765", "00", "1"};
    holders.push_back(std::move(h));
  }
  return holders;
}

InsuredPerson insured_person(const Holder& h) {
  const year_month_day d = h.birthday;
  InsuredPerson p;
  p.name = h.name;
  p.name_kana = h.insurance.name_kana;
  p.birth_date = fmt::format("{:04}{:02}{:02}", static_cast<int>(d.year()),
                             static_cast<unsigned>(d.month()), static_cast<unsigned>(d.day()));
  p.sex = h.sex;
  p.address = h.address;
  p.post_number = h.insurance.post_number;
  p.insurer_number = h.insurance.insurer_number;
  p.insured_card_symbol = h.insurance.symbol;
  p.insured_identification_number = h.insurance.number;
  p.insured_branch_number = h.insurance.branch;
  p.personal_family_classification = h.insurance.family_classification;
  return p;
}

}  // namespace onshi::sim::testpki
