#include "onshi/xmlmsg/json_form.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <set>
#include <utility>
#include <vector>

namespace onshi::xmlmsg {
namespace {

using nlohmann::ordered_json;

constexpr std::array<std::string_view, 6> kRepeating{"ResultOfQualificationConfirmation",
                                                     "QualificationConfirmSearchInfo",
                                                     "BulkConfirmUnit",
                                                     "SpecificDiseasesCertificateInfo",
                                                     "MedicalTicketInfo",
                                                     "ReferenceNumberRegistrationInfo"};

constexpr std::size_t kMaxNameLength = 128;

bool has_forbidden_control(std::string_view text) {
  for (const unsigned char c : text) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return true;
  }
  return false;
}

// Builds the tree straight from nlohmann's SAX events: the depth is bounded before anything is
// built, and duplicate members (which a DOM parse would silently merge) are caught.
class TreeBuilder : public nlohmann::json_sax<nlohmann::json> {
 public:
  Element root = Element::make_node("");  // the JSON envelope; its one child is XmlMsg
  std::string error;

  bool null() override { return type_error("null"); }
  bool boolean(bool) override { return type_error("a boolean"); }
  bool number_integer(number_integer_t) override { return type_error("a number"); }
  bool number_unsigned(number_unsigned_t) override { return type_error("a number"); }
  bool number_float(number_float_t, const string_t&) override { return type_error("a number"); }
  bool binary(binary_t&) override { return type_error("binary data"); }

  bool string(string_t& value) override {
    if (frames_.empty()) return fail("the message must be a JSON object");
    if (has_forbidden_control(value)) {
      return fail_here("the text holds a control character that XML cannot carry");
    }
    return add_element(Element::make_leaf(pending_name(), std::move(value)));
  }

  bool start_object(std::size_t) override {
    if (frames_.empty()) {
      frames_.push_back(Frame{&root, false, "", 0, {}});
      return true;
    }
    if (!add_element(Element::make_node(pending_name()))) return false;
    Element* created = &current_parent()->children.back();
    frames_.push_back(Frame{created, false, "", 0, {}});
    ++element_depth_;
    return true;
  }

  bool key(string_t& name) override {
    Frame& f = frames_.back();
    if (!is_valid_element_name(name)) {
      return fail(fmt::format("{}: \"{}\" is not a valid element name", path(), printable(name)));
    }
    if (!f.keys.insert(name).second) {
      return fail(fmt::format("{}.{}: appears twice in one object", path(), name));
    }
    key_ = std::move(name);
    return true;
  }

  bool end_object() override {
    frames_.pop_back();
    if (element_depth_ > 0) --element_depth_;
    return true;
  }

  bool start_array(std::size_t) override {
    if (frames_.empty()) return fail("the message must be a JSON object");
    if (frames_.back().array) return fail_here("an array inside an array is not allowed");
    if (!is_repeating_element(key_)) {
      return fail(
          fmt::format("{}.{}: not a repeating element, so it must not be an array", path(), key_));
    }
    frames_.push_back(Frame{frames_.back().node, true, key_, 0, {}});
    return true;
  }

  bool end_array() override {
    frames_.pop_back();
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    if (error.empty()) {
      error =
          fmt::format("not valid JSON at byte {}: {}", position > 0 ? position - 1 : 0, ex.what());
    }
    return false;
  }

 private:
  struct Frame {
    Element* node;
    bool array;         // the items of a repeating element's array go into node
    std::string name;   // for an array: the repeating element's name
    std::size_t index;  // for an array: the next item's index
    std::set<std::string, std::less<>> keys;
  };

  static std::string printable(std::string_view s) {
    std::string out;
    for (const unsigned char c : s.substr(0, 64)) out += (c >= 0x20 && c < 0x7f) ? char(c) : '?';
    return out;
  }

  std::string pending_name() const {
    const Frame& f = frames_.back();
    return f.array ? f.name : key_;
  }

  Element* current_parent() { return frames_.back().node; }

  bool add_element(Element element) {
    // One depth rule for reading and writing (check_tree): XmlMsg is depth 1, each element one
    // more than its parent, leaves included; arrays add none.
    if (element_depth_ + 1 > kMaxDepth) return fail_here("nested deeper than the message allows");
    Frame& f = frames_.back();
    if (!f.array && is_repeating_element(element.name)) {
      return fail(fmt::format("{}.{}: a repeating element must be an array, even with one item",
                              path(), element.name));
    }
    if (++count_ > kMaxElements) return fail("more elements than a message may hold");
    if (f.array) ++f.index;
    f.node->add(std::move(element));
    return true;
  }

  // The path of the value being read, e.g. XmlMsg.MessageBody.ResultList.X[0].InsurerNumber.
  std::string path() const {
    std::string p;
    for (std::size_t i = 1; i < frames_.size(); ++i) {
      const Frame& f = frames_[i];
      if (f.array) continue;
      const Frame& parent = frames_[i - 1];
      if (!p.empty()) p += '.';
      p += f.node->name;
      if (parent.array) p += fmt::format("[{}]", parent.index - 1);
    }
    return p.empty() ? std::string("(top level)") : p;
  }

  std::string path_of_pending() const {
    const Frame& f = frames_.back();
    std::string base = frames_.size() > 1 ? path() + "." : std::string();
    if (f.array) return fmt::format("{}{}[{}]", base, f.name, f.index);
    return base + key_;
  }

  bool fail_here(std::string_view reason) {
    return fail(fmt::format("{}: {}", frames_.empty() ? "(top level)" : path_of_pending(), reason));
  }

  bool type_error(std::string_view what) {
    if (frames_.empty()) return fail("the message must be a JSON object");
    return fail(
        fmt::format("{}: a leaf must be a JSON string (leading zeros and spaces are kept "
                    "only in strings), not {}",
                    path_of_pending(), what));
  }

  bool fail(std::string message) {
    if (error.empty()) error = std::move(message);
    return false;
  }

  std::vector<Frame> frames_;
  std::string key_;
  std::size_t count_ = 0;
  std::size_t element_depth_ = 0;  // elements open around the next value (XmlMsg counts 1)
};

Status check_tree(const Element& e, std::size_t depth, const std::string& path) {
  if (depth > kMaxDepth) return fail(Errc::invalid_argument, path + ": nested too deep");
  if (!is_valid_element_name(e.name)) {
    return fail(Errc::invalid_argument,
                fmt::format("{}: \"{}\" is not a valid element name", path, e.name));
  }
  if (e.leaf) {
    if (!e.children.empty()) return fail(Errc::invalid_argument, path + ": a leaf with children");
    if (has_forbidden_control(e.text)) {
      return fail(Errc::invalid_argument, path + ": control character in the text");
    }
    return {};
  }
  std::set<std::string_view> seen;
  for (const auto& c : e.children) {
    if (!is_repeating_element(c.name) && !seen.insert(c.name).second) {
      return fail(Errc::invalid_argument,
                  fmt::format("{}.{}: a non-repeating element appears twice", path, c.name));
    }
    ONSHI_TRY(check_tree(c, depth + 1, path + "." + c.name));
  }
  return {};
}

ordered_json json_of(const Element& e) {
  if (e.leaf) return e.text;
  ordered_json object = ordered_json::object();
  for (const auto& c : e.children) {
    if (is_repeating_element(c.name)) {
      auto& array = object[c.name];
      if (array.is_null()) array = ordered_json::array();
      array.push_back(json_of(c));
    } else {
      object[c.name] = json_of(c);
    }
  }
  return object;
}

}  // namespace

bool is_repeating_element(std::string_view name) {
  for (const auto r : kRepeating) {
    if (r == name) return true;
  }
  return false;
}

bool is_valid_element_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxNameLength) return false;
  const auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (!letter(name[0]) && name[0] != '_') return false;
  for (const char c : name) {
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != '.') return false;
  }
  return true;
}

Result<Element> parse_json(std::string_view text) {
  if (text.size() > kMaxJsonBytes) {
    return fail(Errc::elig_message_invalid,
                fmt::format("the message is {} bytes, more than the {} allowed", text.size(),
                            kMaxJsonBytes));
  }
  TreeBuilder builder;
  const bool ok = nlohmann::json::sax_parse(text, &builder, nlohmann::json::input_format_t::json,
                                            /*strict=*/true);
  if (!ok) {
    return fail(Errc::elig_message_invalid,
                builder.error.empty() ? std::string("not valid JSON") : builder.error);
  }
  Element& envelope = builder.root;
  if (envelope.children.size() != 1 || envelope.children[0].name != kRootName ||
      envelope.children[0].leaf) {
    return fail(Errc::elig_message_invalid,
                "the message must be one JSON object {\"XmlMsg\": {...}} and nothing else");
  }
  return std::move(envelope.children[0]);
}

Result<std::string> to_json(const Element& xml_msg) {
  if (xml_msg.name != kRootName || xml_msg.leaf) {
    return fail(Errc::invalid_argument, "the root element must be the XmlMsg node");
  }
  ONSHI_TRY(check_tree(xml_msg, 1, std::string(kRootName)));
  ordered_json envelope = ordered_json::object();
  envelope[std::string(kRootName)] = json_of(xml_msg);
  try {
    return envelope.dump();
  } catch (const nlohmann::json::exception& e) {
    return fail(Errc::invalid_argument, fmt::format("XmlMsg: {}", e.what()));
  }
}

}  // namespace onshi::xmlmsg
