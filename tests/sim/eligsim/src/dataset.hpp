// onshi-eligsim's data set: the insured persons (被保険者) and their qualifications (資格) the
// reference eligibility service answers for. Generated, deterministic for a seed, and joined by
// the persons the My Number test cards stand for (the persona manifest), so a card read by the
// agent leads to an insurance record. Identifier rules: eligibility-system.md §2; code values
// §1.9. Every name, number and address is fictional.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "onshi/result.hpp"
#include "onshi/sim/persona_manifest.hpp"

namespace onshi::sim::eligsim {

struct LimitCertificate {
  std::string classification;  // OQSCD011
  std::string flag;            // OQSCD012
  std::string start_date, end_date;
};

struct SpecificDisease {
  std::string category;  // OQSCD013
  std::string start_date;
  std::string self_pay;  // yen per month, e.g. "10000"
};

struct Elderly {  // 高齢受給者 (70-74)
  std::string start_date, end_date, ratio;
};

// One qualification: a person's membership of one insurer for a period.
struct Qualification {
  std::string insurer_number;  // digits: 8, or 6 for 国保
  std::string insurer_name;
  std::string symbol;                      // 記号, empty for 後期高齢
  std::string number;                      // 番号
  std::string branch;                      // 枝番, 2 digits
  std::string card_classification = "01";  // OQSCD010
  std::string family = "1";                // OQSCD009
  std::string insured_name;                // 被保険者 (世帯主) name
  std::string qualification_date;          // 資格取得年月日
  std::string disqualification_date;  // 資格喪失年月日: the first day without it, or empty
  std::string reason_of_loss;         // OQSCD008 with a disqualification
  std::string card_issuance_date;
  std::string ratio = "030";  // InsuredPartialContributionRatio
  std::optional<Elderly> elderly;
  std::optional<LimitCertificate> limit;
  std::vector<SpecificDisease> diseases;

  bool valid_on(const std::string& yyyymmdd) const;
};

struct Person {
  std::string id;         // "P000001"; stable for a seed
  std::string name;       // 漢字, surname U+3000 given name
  std::string name_kana;  // half-width katakana, a half-width space between the names
  std::string sex;        // OQSCD007
  std::string birthdate;  // YYYYMMDD
  std::string address;
  std::string post_number;
  std::vector<Qualification> qualifications;  // oldest first
  std::string persona;                        // the My Number test card's persona, or empty
  std::string auth_cert_sha256;               // its user-authentication certificate, or empty
  std::string category;  // what the generator made it for ("kokuho", "expired-newer", …)
};

// A medical institution (保険医療機関・薬局) registered for online eligibility confirmation.
struct Institution {
  std::string code;  // 医療機関コード, 10 digits with its check digit (eligibility-system.md §2)
  std::string name;
};

struct DatasetOptions {
  std::size_t persons = 1200;  // generated, before the personas
  std::uint64_t seed = 1;
  const PersonaManifest* personas = nullptr;  // the cards to link, may be null
};

// A person and one of their qualifications.
struct Match {
  const Person* person;
  const Qualification* qualification;
};

class Dataset {
 public:
  static Result<Dataset> generate(const DatasetOptions& options);

  const std::vector<Person>& persons() const { return persons_; }
  // The test PKI's three institutions (tests/sim/pki/README.md) and generated ones.
  const std::vector<Institution>& institutions() const { return institutions_; }
  const Institution* institution(const std::string& code) const;
  // Every qualification whose insurer, symbol and number are these (branch and birth date are
  // the caller's to compare).
  std::vector<Match> by_card(const std::string& insurer, const std::string& symbol,
                             const std::string& number) const;
  const Person* by_auth_certificate(const std::string& sha256_hex) const;
  // The whole set as JSON, for tests and people: persons with their qualifications, and
  // "examples": one person id per category.
  std::string to_json() const;

 private:
  void index();
  std::vector<Person> persons_;
  std::vector<Institution> institutions_;
  std::unordered_multimap<std::string, std::pair<std::size_t, std::size_t>> card_index_;
  std::unordered_map<std::string, std::size_t> cert_index_;
};

}  // namespace onshi::sim::eligsim
