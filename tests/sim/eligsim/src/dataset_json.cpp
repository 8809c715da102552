// The data set as JSON (`onshi-eligsim --write-dataset`), so tests pick their cases from what the
// service will answer instead of hard-coding them.
#include <nlohmann/json.hpp>

#include <map>

#include "dataset.hpp"

namespace onshi::sim::eligsim {
namespace {

using nlohmann::ordered_json;

ordered_json qualification_json(const Qualification& q) {
  ordered_json j{{"insurer_number", q.insurer_number},
                 {"insurer_name", q.insurer_name},
                 {"symbol", q.symbol},
                 {"number", q.number},
                 {"branch", q.branch},
                 {"family", q.family},
                 {"qualification_date", q.qualification_date},
                 {"disqualification_date", q.disqualification_date},
                 {"reason_of_loss", q.reason_of_loss},
                 {"ratio", q.ratio}};
  j["limit"] =
      q.limit ? ordered_json{{"classification", q.limit->classification}, {"flag", q.limit->flag}}
              : ordered_json(nullptr);
  j["elderly"] = q.elderly.has_value();
  ordered_json diseases = ordered_json::array();
  for (const auto& d : q.diseases) diseases.push_back(d.category);
  j["diseases"] = diseases;
  return j;
}

}  // namespace

std::string Dataset::to_json() const {
  ordered_json persons = ordered_json::array();
  std::map<std::string, std::string> examples;
  for (const auto& p : persons_) {
    ordered_json quals = ordered_json::array();
    for (const auto& q : p.qualifications) quals.push_back(qualification_json(q));
    persons.push_back(ordered_json{{"id", p.id},
                                   {"name", p.name},
                                   {"name_kana", p.name_kana},
                                   {"sex", p.sex},
                                   {"birthdate", p.birthdate},
                                   {"category", p.category},
                                   {"persona", p.persona},
                                   {"qualifications", quals}});
    examples.emplace(p.category, p.id);  // the first of each category
  }
  ordered_json j{{"format", "onshi-eligsim-dataset"}, {"version", 1}};
  ordered_json institutions = ordered_json::array();
  for (const auto& i : institutions_) {
    institutions.push_back(ordered_json{{"code", i.code}, {"name", i.name}});
  }
  j["institutions"] = institutions;
  j["examples"] = examples;
  j["persons"] = persons;
  return j.dump(1) + "\n";
}

}  // namespace onshi::sim::eligsim
