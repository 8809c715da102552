#include "dataset.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <string_view>

#include "onshi/check_digit.hpp"

namespace onshi::sim::eligsim {
namespace {

using std::chrono::days;
using std::chrono::sys_days;
using std::chrono::year_month_day;

// Dates are relative to this fixed day, so a seed always gives the same set. Qualifications that
// are valid have no end, so the set answers the same way on any later day.
constexpr year_month_day kReference{std::chrono::year(2026), std::chrono::month(12),
                                    std::chrono::day(1)};

// splitmix64: the same sequence on every platform (std's distributions are not).
class Random {
 public:
  explicit Random(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool percent(unsigned p) { return below(100) < p; }
  template <typename T, std::size_t N>
  const T& pick(const std::array<T, N>& items) {
    return items[below(N)];
  }

 private:
  std::uint64_t state_;
};

std::string yyyymmdd(sys_days d) {
  const year_month_day ymd(d);
  return fmt::format("{:04}{:02}{:02}", int(ymd.year()), unsigned(ymd.month()),
                     unsigned(ymd.day()));
}

sys_days reference_day() { return sys_days(kReference); }

sys_days years_before(int years, std::size_t extra_days) {
  return reference_day() - days(years * 365 + years / 4) - days(static_cast<int>(extra_days));
}

std::string with_check_digit(const std::string& digits) {
  return digits + std::to_string(check_digit_2_1(digits).value_or(0));
}

struct Prefecture {
  std::string_view code, name, city, city_kanji_symbol, post_prefix;
};
constexpr std::array<Prefecture, 8> kPrefectures{{
    {"13", "東京都", "千代田区", "千代", "100"},
    {"27", "大阪府", "大阪市北区", "北", "530"},
    {"01", "北海道", "札幌市中央区", "札中", "060"},
    {"14", "神奈川県", "横浜市西区", "横西", "220"},
    {"23", "愛知県", "名古屋市中村区", "名中", "450"},
    {"40", "福岡県", "福岡市博多区", "博多", "812"},
    {"26", "京都府", "京都市中京区", "京中", "604"},
    {"04", "宮城県", "仙台市青葉区", "青葉", "980"},
}};

struct Reading {
  std::string_view kanji, kana;  // kana: half-width katakana
};
constexpr std::array<Reading, 20> kSurnames{{
    {"佐藤", "ｻﾄｳ"},   {"鈴木", "ｽｽﾞｷ"}, {"高橋", "ﾀｶﾊｼ"},  {"田中", "ﾀﾅｶ"},   {"伊藤", "ｲﾄｳ"},
    {"渡辺", "ﾜﾀﾅﾍﾞ"}, {"山本", "ﾔﾏﾓﾄ"}, {"中村", "ﾅｶﾑﾗ"},  {"小林", "ｺﾊﾞﾔｼ"}, {"加藤", "ｶﾄｳ"},
    {"吉田", "ﾖｼﾀﾞ"},  {"山田", "ﾔﾏﾀﾞ"}, {"佐々木", "ｻｻｷ"}, {"山口", "ﾔﾏｸﾞﾁ"}, {"松本", "ﾏﾂﾓﾄ"},
    {"井上", "ｲﾉｳｴ"},  {"木村", "ｷﾑﾗ"},  {"林", "ﾊﾔｼ"},     {"斎藤", "ｻｲﾄｳ"},  {"清水", "ｼﾐｽﾞ"},
}};
constexpr std::array<Reading, 10> kMaleNames{{
    {"太郎", "ﾀﾛｳ"},
    {"健太", "ｹﾝﾀ"},
    {"翔太", "ｼｮｳﾀ"},
    {"大輔", "ﾀﾞｲｽｹ"},
    {"誠", "ﾏｺﾄ"},
    {"浩二", "ｺｳｼﾞ"},
    {"蓮", "ﾚﾝ"},
    {"悠真", "ﾕｳﾏ"},
    {"博", "ﾋﾛｼ"},
    {"茂", "ｼｹﾞﾙ"},
}};
constexpr std::array<Reading, 10> kFemaleNames{{
    {"花子", "ﾊﾅｺ"},
    {"陽子", "ﾖｳｺ"},
    {"美咲", "ﾐｻｷ"},
    {"葵", "ｱｵｲ"},
    {"結衣", "ﾕｲ"},
    {"恵子", "ｹｲｺ"},
    {"幸子", "ｻﾁｺ"},
    {"さくら", "ｻｸﾗ"},
    {"和子", "ｶｽﾞｺ"},
    {"陽菜", "ﾋﾅ"},
}};
constexpr std::array<std::string_view, 3> kUnions{"オンシ工業健康保険組合", "試験電機健康保険組合",
                                                  "架空商事健康保険組合"};

enum class Scheme { kyokai, kumiai, kyosai, kokuho, koki };

struct Insurer {
  std::string number, name;
  Scheme scheme;
};

// The insurer of a scheme in a prefecture (eligibility-system.md §2: 法別 2 + 都道府県 2 +
// 保険者別 3 + 検証番号; 国保 without 法別).
Insurer insurer_for(Scheme scheme, const Prefecture& p, std::size_t variant) {
  const std::string pref(p.code);
  switch (scheme) {
    case Scheme::kyokai:
      return {with_check_digit("01" + pref + "001"), fmt::format("全国健康保険協会{}支部", p.name),
              scheme};
    case Scheme::kumiai:
      return {with_check_digit(fmt::format("06{}{:03}", pref, 100 + variant)),
              std::string(kUnions[variant % kUnions.size()]), scheme};
    case Scheme::kyosai:
      return {with_check_digit("32" + pref + "001"), fmt::format("{}職員共済組合", p.name), scheme};
    case Scheme::kokuho:
      return {with_check_digit(pref + "101"), fmt::format("{}国民健康保険", p.city), scheme};
    case Scheme::koki:
      return {with_check_digit("39" + pref + "101"),
              fmt::format("{}後期高齢者医療広域連合", p.name), scheme};
  }
  return {};
}

std::string insurer_name_for_number(const std::string& number) {
  if (number.size() == 6) return "国民健康保険";
  const std::string_view law(number.data(), 2);
  if (law == "01") return "全国健康保険協会";
  if (law == "39") return "後期高齢者医療広域連合";
  if (law == "06") return "健康保険組合";
  if (law[0] == '3') return "共済組合";
  return "保険者";
}

class Generator {
 public:
  explicit Generator(const DatasetOptions& o) : options_(o), random_(o.seed) {}

  std::vector<Person> run() {
    while (persons_.size() < options_.persons) household();
    duplicates();
    if (options_.personas != nullptr) link_personas(*options_.personas);
    return std::move(persons_);
  }

 private:
  Person make_person(const Prefecture& p, std::string_view surname_kanji,
                     std::string_view surname_kana, int age, std::string sex) {
    const auto& given = sex == "1" ? random_.pick(kMaleNames) : random_.pick(kFemaleNames);
    Person person;  // its id is given when it joins persons_
    person.name = fmt::format("{}\u3000{}", surname_kanji, given.kanji);
    person.name_kana = fmt::format("{} {}", surname_kana, given.kana);
    person.sex = std::move(sex);
    person.birthdate = yyyymmdd(years_before(age, random_.below(365)));
    person.post_number = fmt::format("{}-{:04}", p.post_prefix, random_.below(10000));
    person.address = fmt::format("{}{}試験町{}丁目{}番{}号", p.name, p.city, 1 + random_.below(5),
                                 1 + random_.below(20), 1 + random_.below(30));
    return person;
  }

  static int age_of(const Person& person) {
    const int born = std::stoi(person.birthdate.substr(0, 4));
    return int(kReference.year()) - born - (person.birthdate.substr(4) > "1201" ? 1 : 0);
  }

  // The burden and the 高齢受給者 data that follow from the age (the 2026 rules, simplified:
  // 70-74 2割 or 3割 for 現役並み, 後期 1割 to 3割, otherwise 3割; 未就学 2割 is applied by the
  // answer on the date asked about).
  void burden(Person& person, Qualification& q, Scheme scheme) {
    const int age = age_of(person);
    if (scheme == Scheme::koki) {
      q.ratio = random_.percent(70) ? "010" : random_.percent(60) ? "020" : "030";
    } else if (age < 6) {
      person.category = "preschool";
    } else if (age >= 70) {
      q.ratio = random_.percent(80) ? "020" : "030";
      q.elderly = Elderly{yyyymmdd(years_before(-0, 200)), "", q.ratio};
      person.category = "elderly";
    }
  }

  void extras(Person& person, Qualification& q, Scheme scheme) {
    const int age = age_of(person);
    if (random_.percent(8)) {
      static constexpr std::array<std::string_view, 5> kUnder70{"A01", "A02", "A03", "A04", "A05"};
      static constexpr std::array<std::string_view, 6> kOver70{"B01", "B02", "B03",
                                                               "B04", "B05", "B06"};
      const std::string flag(age >= 70 || scheme == Scheme::koki ? random_.pick(kOver70)
                                                                 : random_.pick(kUnder70));
      const bool low_income = flag == "A05" || flag == "B05" || flag == "B06";
      // Open to 2036 (a real one runs to the next 31 July), so the set answers alike for years.
      q.limit = LimitCertificate{low_income ? "02" : "01", flag, yyyymmdd(years_before(0, 240)),
                                 "20360731"};
      if (person.category == "self" || person.category == "family") person.category = "limit";
    }
    if (random_.percent(1)) {
      q.diseases.push_back(SpecificDisease{random_.percent(80) ? "1" : "2",
                                           yyyymmdd(years_before(3, 10)),
                                           age < 20 ? "10000" : "20000"});
      person.category = "specific-disease";
    }
  }

  void household() {
    const auto& pref = random_.pick(kPrefectures);
    const auto roll = random_.below(100);
    const Scheme scheme = roll < 35   ? Scheme::kyokai
                          : roll < 55 ? Scheme::kumiai
                          : roll < 65 ? Scheme::kyosai
                          : roll < 85 ? Scheme::kokuho
                                      : Scheme::koki;
    const Insurer insurer = insurer_for(scheme, pref, random_.below(3));
    const auto& surname = random_.pick(kSurnames);
    const std::size_t household_no = ++households_;
    const bool koki = scheme == Scheme::koki;
    const int head_age = koki ? 75 + int(random_.below(20)) : 20 + int(random_.below(55));

    std::vector<Person> members;
    members.push_back(
        make_person(pref, surname.kanji, surname.kana, head_age, random_.percent(50) ? "1" : "2"));
    if (!koki) {
      if (head_age >= 25 && random_.percent(60)) {
        members.push_back(make_person(pref, surname.kanji, surname.kana,
                                      std::max(20, head_age - 3 + int(random_.below(7))),
                                      members[0].sex == "1" ? "2" : "1"));
      }
      const int children = head_age >= 28 ? int(random_.below(4)) : 0;
      for (int c = 0; c < children; ++c) {
        members.push_back(make_person(pref, surname.kanji, surname.kana,
                                      int(random_.below(std::min(23, head_age - 20))),
                                      random_.percent(50) ? "1" : "2"));
      }
    }

    const std::string symbol =
        scheme == Scheme::kyokai   ? fmt::format("{:08}", 10'000'000 + household_no * 7)
        : scheme == Scheme::kumiai ? fmt::format("{}", 100 + household_no % 900)
        : scheme == Scheme::kyosai
            ? fmt::format("{:02}-{:02}", household_no % 90 + 10, household_no % 97)
        : scheme == Scheme::kokuho ? fmt::format("{}{}", pref.city_kanji_symbol, household_no % 50)
                                   : std::string();
    const std::string number =
        koki ? with_check_digit(fmt::format("{:07}", 1'000'000 + household_no))
             : fmt::format("{}", 1000 + household_no);
    const std::string since =
        yyyymmdd(years_before(1 + int(random_.below(15)), random_.below(365)));

    for (std::size_t i = 0; i < members.size(); ++i) {
      Person& person = members[i];
      Qualification q;
      q.insurer_number = insurer.number;
      q.insurer_name = insurer.name;
      q.symbol = symbol;
      q.number = number;
      q.branch = fmt::format("{:02}", i);
      // 国保 and 後期高齢 insure each person; the 世帯主 is still the card's 被保険者 name.
      q.family = scheme == Scheme::kokuho || koki || i == 0 ? "1" : "2";
      q.insured_name = members[0].name;
      q.qualification_date = std::max(since, person.birthdate);
      q.card_issuance_date = q.qualification_date;
      person.category = scheme == Scheme::kokuho ? "kokuho"
                        : koki                   ? "koki"
                        : q.family == "2"        ? "family"
                                                 : "self";
      burden(person, q, scheme);
      extras(person, q, scheme);
      person.qualifications.push_back(std::move(q));
    }
    lose_or_change(members, pref);
    for (auto& m : members) {
      m.id = fmt::format("P{:06}", persons_.size() + 1);
      persons_.push_back(std::move(m));
    }
  }

  // 6% of households lost this qualification: most changed insurer (a newer qualification:
  // QualificationValidity 3 for the old card), the others lost it (2); a few died (喪失事由 01).
  void lose_or_change(std::vector<Person>& members, const Prefecture& pref) {
    if (!random_.percent(6)) return;
    const std::string lost = yyyymmdd(years_before(1, random_.below(300)));
    const bool changed = random_.percent(70);
    const bool died = !changed && members.size() == 1 && random_.percent(30);
    const Insurer next = insurer_for(Scheme::kyokai, pref, 0);
    for (auto& person : members) {
      Qualification& old = person.qualifications.back();
      if (old.qualification_date >= lost) continue;
      old.disqualification_date = lost;
      old.reason_of_loss = changed ? "03" : died ? "01" : "99";
      person.category = changed ? "expired-newer" : died ? "deceased" : "lost";
      if (!changed) continue;
      Qualification q = old;
      q.insurer_number = next.number;
      q.insurer_name = next.name;
      q.symbol = fmt::format("{:08}", 20'000'000 + households_ * 11);
      q.number = fmt::format("{}", 5000 + households_);
      q.qualification_date = lost;
      q.card_issuance_date = lost;
      q.disqualification_date.clear();
      q.reason_of_loss.clear();
      q.limit.reset();
      q.diseases.clear();
      person.qualifications.push_back(std::move(q));
    }
  }

  // Five records that share card and birth date with another person: a 複数該当 answer
  // (QualificationValidity 5), as data-entry duplicates produce.
  void duplicates() {
    for (std::size_t i = 0; i < 5 && i * 97 < persons_.size(); ++i) {
      Person twin = persons_[i * 97];
      if (twin.qualifications.back().disqualification_date.size() > 0) continue;
      twin.id = fmt::format("P{:06}", persons_.size() + 1);
      const auto& given = twin.sex == "1" ? kMaleNames[(i + 3) % kMaleNames.size()]
                                          : kFemaleNames[(i + 3) % kFemaleNames.size()];
      twin.name =
          twin.name.substr(0, twin.name.find("\u3000")) + "\u3000" + std::string(given.kanji);
      twin.name_kana =
          twin.name_kana.substr(0, twin.name_kana.find(' ')) + " " + std::string(given.kana);
      twin.category = "multiple";
      persons_[i * 97].category = "multiple";
      persons_.push_back(std::move(twin));
    }
  }

  void link_personas(const PersonaManifest& manifest) {
    for (const auto& card : manifest.cards) {
      const InsuredPerson& ip = card.insured_person;
      Person person;
      person.id = fmt::format("P{:06}", persons_.size() + 1);
      person.name = ip.name;
      person.name_kana = ip.name_kana;
      person.sex = ip.sex;
      person.birthdate = ip.birth_date;
      person.address = ip.address;
      person.post_number = ip.post_number;
      person.persona = card.persona;
      person.auth_cert_sha256 = card.auth_cert_sha256;
      person.category = "persona";
      Qualification q;
      q.insurer_number = ip.insurer_number;
      q.insurer_name = insurer_name_for_number(ip.insurer_number);
      q.symbol = ip.insured_card_symbol;
      q.number = ip.insured_identification_number;
      q.branch = ip.insured_branch_number;
      q.family = ip.personal_family_classification;
      q.insured_name = ip.name;
      q.qualification_date = std::max(std::string("20200401"), ip.birth_date);
      q.card_issuance_date = q.qualification_date;
      // The persona's holder may hold a 限度額 certificate: one in two (by position), so tests of
      // the consent see both answers.
      if (manifest.cards.size() > 1 && (&card - manifest.cards.data()) % 2 == 0) {
        q.limit = LimitCertificate{"01", "A03", "20260401", "20360731"};
        q.diseases.push_back(SpecificDisease{"1", "20230401", "10000"});
      }
      person.qualifications.push_back(std::move(q));
      persons_.push_back(std::move(person));
    }
    // A family member shares the card of the 本人 (same insurer, symbol and number).
    for (auto& p : persons_) {
      if (p.persona.empty() || p.qualifications.back().family != "2") continue;
      for (const auto& other : persons_) {
        if (other.persona.empty() || &other == &p) continue;
        const auto& a = other.qualifications.back();
        auto& b = p.qualifications.back();
        if (a.insurer_number == b.insurer_number && a.number == b.number && a.family == "1") {
          b.insured_name = other.name;
        }
      }
    }
  }

  const DatasetOptions& options_;
  Random random_;
  std::vector<Person> persons_;
  std::size_t households_ = 0;
};

// The test PKI's institutions (tests/sim/pki/README.md), then one 医科, 歯科 and 調剤 institution
// per prefecture of the data set (点数表 1, 3, 4; eligibility-system.md §2).
std::vector<Institution> make_institutions() {
  std::vector<Institution> list{{"2714206386", "オンシ内科クリニック"},
                                {"2734206382", "オンシ歯科クリニック"},
                                {"1311234569", "よその薬局"}};
  constexpr std::array<std::pair<char, std::string_view>, 3> kKinds{
      {{'1', "試験内科医院"}, {'3', "試験歯科医院"}, {'4', "試験薬局"}}};
  std::size_t n = 0;
  for (const auto& p : kPrefectures) {
    for (const auto& [table, name] : kKinds) {
      ++n;
      list.push_back(
          {with_check_digit(fmt::format("{}{}{:02}{:04}", p.code, table, 10 + n, 1000 + n)),
           fmt::format("{}{}", p.city, name)});
    }
  }
  return list;
}

std::string card_key(const std::string& insurer, const std::string& symbol,
                     const std::string& number) {
  return insurer + '\x1f' + symbol + '\x1f' + number;
}

}  // namespace

bool Qualification::valid_on(const std::string& d) const {
  return qualification_date <= d && (disqualification_date.empty() || d < disqualification_date);
}

Result<Dataset> Dataset::generate(const DatasetOptions& options) {
  if (options.persons < 1 || options.persons > 1'000'000) {
    return fail(Errc::invalid_argument, "--persons: 1 to 1000000");
  }
  Dataset d;
  d.persons_ = Generator(options).run();
  d.institutions_ = make_institutions();
  d.index();
  return d;
}

void Dataset::index() {
  for (std::size_t p = 0; p < persons_.size(); ++p) {
    for (std::size_t q = 0; q < persons_[p].qualifications.size(); ++q) {
      const auto& qual = persons_[p].qualifications[q];
      card_index_.emplace(card_key(qual.insurer_number, qual.symbol, qual.number),
                          std::make_pair(p, q));
    }
    if (!persons_[p].auth_cert_sha256.empty()) cert_index_[persons_[p].auth_cert_sha256] = p;
  }
}

std::vector<Match> Dataset::by_card(const std::string& insurer, const std::string& symbol,
                                    const std::string& number) const {
  std::vector<Match> found;
  const auto [begin, end] = card_index_.equal_range(card_key(insurer, symbol, number));
  for (auto it = begin; it != end; ++it) {
    const Person& p = persons_[it->second.first];
    found.push_back(Match{&p, &p.qualifications[it->second.second]});
  }
  // The index's order is unspecified; answers list persons in a stable order.
  std::sort(found.begin(), found.end(),
            [](const Match& a, const Match& b) { return a.person->id < b.person->id; });
  return found;
}

const Institution* Dataset::institution(const std::string& code) const {
  for (const auto& i : institutions_) {
    if (i.code == code) return &i;
  }
  return nullptr;
}

const Person* Dataset::by_auth_certificate(const std::string& sha256_hex) const {
  const auto it = cert_index_.find(sha256_hex);
  return it == cert_index_.end() ? nullptr : &persons_[it->second];
}

}  // namespace onshi::sim::eligsim
