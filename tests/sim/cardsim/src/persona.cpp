#include "onshi/sim/persona.hpp"

#include <fmt/format.h>

#include <fstream>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "hpki_persona.hpp"
#include "jpki_persona.hpp"
#include "kenmen_persona.hpp"
#include "onshi/sim/atr.hpp"
#include "persona_json.hpp"

namespace onshi::sim {
namespace {

using nlohmann::json;
using namespace persona_json;

constexpr std::size_t kMaxPersonaFileBytes = 4 * 1024 * 1024;  // a persona is a small text file
constexpr std::uint8_t kDefaultFill = 0xFF;  // unwritten card memory reads FF (§1.6: FF filler)
constexpr std::size_t kCounterPeriod = 251;  // prime to 256: a misplaced 256-byte chunk shows

Result<std::uint16_t> get_fid(const json& object, const std::string& path) {
  ONSHI_TRY_ASSIGN(const Bytes fid, get_hex(object, "fid", path, 2, 2));
  return static_cast<std::uint16_t>((fid[0] << 8) | fid[1]);
}

class PersonaParser {
 public:
  explicit PersonaParser(std::filesystem::path base_dir) : base_dir_(std::move(base_dir)) {}

  Result<Persona> run(const json& root) {
    if (!root.is_object()) {
      return invalid("(top level)", fmt::format("expected an object, got {}", type_name(root)));
    }
    ONSHI_TRY(
        check_keys(root, "(top level)",
                   {"name", "description", "atr", "behaviour", "files", "jpki", "kenmen", "hpki"}));
    for (const char* required : {"name", "atr", "files"}) {
      if (!root.contains(required)) return invalid(required, "missing");
    }
    if (root.contains("hpki") && root.contains("jpki")) {
      return invalid("hpki",
                     "cannot be combined with \"jpki\": an HPKI card is not a My "
                     "Number card");
    }
    ONSHI_TRY_ASSIGN(persona_.name, get_string(root, "name", ""));
    if (persona_.name.empty()) return invalid("name", "must not be empty");
    if (root.contains("description")) ONSHI_TRY(get_string(root, "description", ""));

    ONSHI_TRY_ASSIGN(persona_.atr, get_hex(root, "atr", "", 2, 33));
    if (auto ok = check_atr(persona_.atr); !ok) return invalid("atr", ok.error().message);

    if (root.contains("behaviour")) ONSHI_TRY(parse_behaviour(root.at("behaviour")));
    ONSHI_TRY(parse_children(root.at("files"), "files", FileTree::kMf, 1));
    // The kenmen section is checked on its own before the jpki section, so that its rules are
    // reached even when the JPKI files cannot be (the fuzzer has none).
    std::optional<KenmenSection> kenmen;
    if (root.contains("kenmen")) {
      if (!root.contains("jpki")) {
        return invalid("kenmen", "needs a \"jpki\" section (the AP is on My Number cards)");
      }
      ONSHI_TRY_ASSIGN(kenmen, parse_kenmen_section(root.at("kenmen"), "kenmen", base_dir_));
    }
    if (root.contains("jpki")) {
      ONSHI_TRY_ASSIGN(persona_.jpki,
                       parse_jpki_section(root.at("jpki"), "jpki", base_dir_, persona_.files));
    }
    if (kenmen) {
      ONSHI_TRY_ASSIGN(persona_.kenmen,
                       add_kenmen_ap(std::move(*kenmen), "kenmen", *persona_.jpki, persona_.files));
    }
    if (root.contains("hpki")) {
      ONSHI_TRY_ASSIGN(persona_.hpki,
                       parse_hpki_section(root.at("hpki"), "hpki", base_dir_, persona_.files));
    }
    return std::move(persona_);
  }

 private:
  Status parse_behaviour(const json& b) {
    const std::string path = "behaviour";
    if (!b.is_object()) {
      return invalid(path, fmt::format("expected an object, got {}", type_name(b)));
    }
    ONSHI_TRY(check_keys(b, path, {"get_response_chunk", "strict_le"}));
    if (b.contains("get_response_chunk")) {
      ONSHI_TRY_ASSIGN(const std::int64_t chunk,
                       get_integer(b, "get_response_chunk", path, 0, 256));
      persona_.behaviour.get_response_chunk = static_cast<std::uint16_t>(chunk);
    }
    if (b.contains("strict_le")) {
      ONSHI_TRY_ASSIGN(persona_.behaviour.strict_le, get_bool(b, "strict_le", path));
    }
    return {};
  }

  Status parse_children(const json& list, const std::string& path, NodeId parent,
                        std::size_t depth) {
    if (!list.is_array()) {
      return invalid(path, fmt::format("expected an array, got {}", type_name(list)));
    }
    if (depth > kMaxPersonaDepth) {
      return invalid(path, fmt::format("DFs are nested deeper than {} levels", kMaxPersonaDepth));
    }
    for (std::size_t i = 0; i < list.size(); ++i) {
      ONSHI_TRY(parse_node(list[i], fmt::format("{}[{}]", path, i), parent, depth));
    }
    return {};
  }

  Status parse_node(const json& n, const std::string& path, NodeId parent, std::size_t depth) {
    if (!n.is_object()) {
      return invalid(path, fmt::format("expected an object, got {}", type_name(n)));
    }
    if (++file_count_ > kMaxPersonaFiles) {
      return invalid(path, fmt::format("more than {} files", kMaxPersonaFiles));
    }
    if (!n.contains("type")) return invalid(path + ".type", "missing (\"df\" or \"ef\")");
    ONSHI_TRY_ASSIGN(const std::string type, get_string(n, "type", path));
    if (type == "df") return parse_df(n, path, parent, depth);
    if (type == "ef") return parse_ef(n, path, parent);
    return invalid(path + ".type", fmt::format("\"{}\" is neither \"df\" nor \"ef\"", type));
  }

  Status parse_df(const json& n, const std::string& path, NodeId parent, std::size_t depth) {
    ONSHI_TRY(check_keys(n, path, {"type", "name", "aid", "fid", "children"}));
    DfSpec spec;
    if (n.contains("name")) {
      ONSHI_TRY_ASSIGN(spec.name, get_string(n, "name", path));
    }
    if (n.contains("aid")) {
      ONSHI_TRY_ASSIGN(spec.aid, get_hex(n, "aid", path, 1, FileTree::kMaxAidSize));
    }
    if (n.contains("fid")) {
      ONSHI_TRY_ASSIGN(spec.fid, get_fid(n, path));
    }
    auto id = persona_.files.add_df(parent, std::move(spec));
    if (!id) return invalid(path, id.error().message);
    if (n.contains("children")) {
      ONSHI_TRY(parse_children(n.at("children"), path + ".children", *id, depth + 1));
    }
    return {};
  }

  Status parse_ef(const json& n, const std::string& path, NodeId parent) {
    ONSHI_TRY(check_keys(n, path, {"type", "name", "fid", "sfi", "data", "size", "fill"}));
    EfSpec spec;
    if (n.contains("name")) {
      ONSHI_TRY_ASSIGN(spec.name, get_string(n, "name", path));
    }
    if (!n.contains("fid")) return invalid(path + ".fid", "missing (an EF needs a FID)");
    ONSHI_TRY_ASSIGN(spec.fid, get_fid(n, path));
    if (n.contains("sfi")) {
      ONSHI_TRY_ASSIGN(const std::int64_t sfi, get_integer(n, "sfi", path, 1, 30));
      spec.sfi = static_cast<std::uint8_t>(sfi);
    }
    ONSHI_TRY_ASSIGN(spec.data, ef_contents(n, path));
    auto id = persona_.files.add_ef(parent, std::move(spec));
    if (!id) return invalid(path, id.error().message);
    return {};
  }

  // "data" alone; "size" with an optional "fill"; or "data" padded with "fill" up to "size".
  Result<Bytes> ef_contents(const json& n, const std::string& path) {
    Bytes data;
    if (n.contains("data")) {
      ONSHI_TRY_ASSIGN(data, get_hex(n, "data", path, 0, kMaxEfSize));
    }
    if (!n.contains("size")) {
      if (!n.contains("data")) return invalid(path, "an EF needs \"data\" or \"size\"");
      if (n.contains("fill")) return invalid(path + ".fill", "only meaningful with \"size\"");
      return data;
    }
    ONSHI_TRY_ASSIGN(const std::int64_t size_value,
                     get_integer(n, "size", path, 0, static_cast<std::int64_t>(kMaxEfSize)));
    const auto size = static_cast<std::size_t>(size_value);
    if (size < data.size()) {
      return invalid(path + ".size",
                     fmt::format("{} is smaller than the {} bytes of \"data\"", size, data.size()));
    }
    std::string fill = "FF";
    if (n.contains("fill")) {
      ONSHI_TRY_ASSIGN(fill, get_string(n, "fill", path));
    }
    const std::size_t start = data.size();
    data.resize(size, kDefaultFill);
    if (fill == "counter") {
      for (std::size_t i = start; i < size; ++i) {
        data[i] = static_cast<std::uint8_t>(i % kCounterPeriod);
      }
      return data;
    }
    const auto pattern = from_hex(fill);
    if (!pattern || pattern->empty()) {
      return invalid(path + ".fill",
                     "expected \"counter\" or a non-empty hex pattern such as \"FF\"");
    }
    for (std::size_t i = start; i < size; ++i) data[i] = (*pattern)[(i - start) % pattern->size()];
    return data;
  }

  std::filesystem::path base_dir_;
  Persona persona_;
  std::size_t file_count_ = 0;
};

// Only asked after a failed parse, to say where and why the text is not JSON.
class SyntaxErrorLocator final : public nlohmann::json_sax<json> {
 public:
  std::string message = "not valid JSON";

  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    message = fmt::format("not valid JSON: {}", e.what());
    return false;
  }
};

}  // namespace

Result<Persona> parse_persona(std::string_view json_text, const std::filesystem::path& base_dir) {
  // No exceptions: a syntax error comes back as a discarded value (nlohmann's parse(..., false)).
  const json root = json::parse(json_text.begin(), json_text.end(), nullptr, false);
  if (root.is_discarded()) {
    SyntaxErrorLocator locator;
    json::sax_parse(json_text.begin(), json_text.end(), &locator);
    return fail(Errc::config_invalid, locator.message);
  }
  return PersonaParser{base_dir}.run(root);
}

Result<Persona> load_persona_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(Errc::config_not_found, fmt::format("cannot open persona file {}", path.string()));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) {
    return fail(Errc::config_not_found, fmt::format("cannot read persona file {}", path.string()));
  }
  const std::string content = text.str();
  if (content.size() > kMaxPersonaFileBytes) {
    return fail(Errc::config_invalid,
                fmt::format("{}: larger than {} bytes", path.string(), kMaxPersonaFileBytes));
  }
  auto persona = parse_persona(content, path.parent_path());
  if (!persona) {
    return fail(persona.error().code,
                fmt::format("{}: {}", path.string(), persona.error().message));
  }
  return persona;
}

}  // namespace onshi::sim
