#include "onshi/api/json_body.hpp"

#include <fmt/format.h>

#include <exception>
#include <string>
#include <utility>
#include <vector>

#include "onshi/text_scan.hpp"

namespace onshi::api {
namespace {

using nlohmann::json;

ApiError bad_request(std::string message, std::optional<std::string> field = std::nullopt) {
  return make_api_error(Errc::api_bad_request, std::move(message), std::move(field));
}

// nlohmann quotes the token it failed on byte by byte, so `tru京` leaves the first byte of 京
// alone in the message: such bytes become U+FFFD, or the error's JSON could not be written.
std::string valid_utf8(std::string text) {
  if (scan_text(text).valid_utf8) return text;
  const std::string escaped =
      json(std::move(text)).dump(-1, ' ', false, json::error_handler_t::replace);
  const json back = json::parse(escaped, nullptr, /*allow_exceptions=*/false);
  return back.is_string() ? back.get<std::string>() : std::string("(unreadable)");
}

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error …" → the part
// after the location (the byte offset is given instead, which a vendor's log can point at).
// nlohmann ends many messages with "; last read: '<the bytes it read>'": a PIN, a name or a My
// Number of a cut-off body would come back in the answer (and the caller's log), so that part is
// never kept.
std::string parse_reason(std::string_view what) {
  what = what.substr(0, what.find("; last read"));
  const auto column = what.find("column ");
  if (column != std::string_view::npos) {
    const auto colon = what.find(": ", column);
    if (colon != std::string_view::npos) return valid_utf8(std::string(what.substr(colon + 2)));
  }
  const auto bracket = what.find("] ");
  if (bracket != std::string_view::npos) return valid_utf8(std::string(what.substr(bracket + 2)));
  return valid_utf8(std::string(what));
}

// Builds the DOM from nlohmann's SAX events, so the depth is bounded before anything is built and
// a key that appears twice in one object is caught (a DOM parse keeps the last one).
class BodyBuilder : public nlohmann::json_sax<json> {
 public:
  json root;
  std::optional<ApiError> error;

  bool null() override { return add(json(nullptr)); }
  bool boolean(bool value) override { return add(json(value)); }
  bool number_integer(number_integer_t value) override { return add(json(value)); }
  bool number_unsigned(number_unsigned_t value) override { return add(json(value)); }
  bool number_float(number_float_t value, const string_t&) override { return add(json(value)); }
  bool string(string_t& value) override { return add(json(std::move(value))); }
  bool binary(binary_t&) override { return refuse(bad_request("binary values are not JSON")); }

  bool start_object(std::size_t) override { return open(json::object()); }
  bool start_array(std::size_t) override { return open(json::array()); }
  bool end_object() override { return close(); }
  bool end_array() override { return close(); }

  bool key(string_t& name) override {
    Frame& f = frames_.back();
    if (f.container->contains(name)) {
      const std::string at = child_path(f, name);
      return refuse(bad_request(
          fmt::format("{}: appears twice in one object (which one counts would be a guess)", at),
          at));
    }
    f.key = std::move(name);
    return true;
  }

  bool parse_error(std::size_t position, const std::string&,
                   const nlohmann::detail::exception& ex) override {
    return refuse(bad_request(fmt::format("the body is not valid JSON at byte {}: {}", position,
                                          parse_reason(ex.what()))));
  }

 private:
  struct Frame {
    json* container = nullptr;
    std::string path;  // "" for the top level, "patients[3]" …
    std::string key;   // objects: the member being read
  };

  static std::string child_path(const Frame& f, std::string_view key) {
    return f.path.empty() ? std::string(key) : fmt::format("{}.{}", f.path, key);
  }
  static std::string child_path(const Frame& f) {
    if (f.container->is_array()) return fmt::format("{}[{}]", f.path, f.container->size());
    return child_path(f, f.key);
  }

  bool refuse(ApiError e) {
    if (!error) error = std::move(e);
    return false;
  }

  // Places a value where the parser stands and returns it.
  json* place(json value) {
    if (frames_.empty()) {
      root = std::move(value);
      return &root;
    }
    json& container = *frames_.back().container;
    if (container.is_array()) {
      container.push_back(std::move(value));
      return &container.back();
    }
    json& slot = container[frames_.back().key];
    slot = std::move(value);
    return &slot;
  }

  bool add(json value) {
    place(std::move(value));
    return true;
  }

  bool open(json empty) {
    if (frames_.size() >= kMaxJsonDepth) {
      const std::string at = frames_.empty() ? std::string() : child_path(frames_.back());
      return refuse(bad_request(fmt::format("the body nests deeper than {} levels{}", kMaxJsonDepth,
                                            at.empty() ? std::string() : " at " + at),
                                at.empty() ? std::nullopt : std::optional<std::string>(at)));
    }
    std::string path = frames_.empty() ? std::string() : child_path(frames_.back());
    json* created = place(std::move(empty));
    frames_.push_back(Frame{created, std::move(path), {}});
    return true;
  }

  bool close() {
    frames_.pop_back();
    return true;
  }

  // Pointers to ancestors only: a container is changed while it is the top frame, and an array
  // that moves its elements does so only after the child frame inside it was closed.
  std::vector<Frame> frames_;
};

}  // namespace

ApiResult<json> parse_json_body(std::string_view body, std::size_t max_bytes) {
  if (body.size() > max_bytes) {
    return make_api_error(
        Errc::api_too_large,
        fmt::format("the body is {} bytes; at most {} are accepted", body.size(), max_bytes));
  }
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return bad_request("the body is empty: send a JSON object");
  }
  if (const TextScan scan = scan_text(body); !scan.valid_utf8) {
    return bad_request(fmt::format(
        "the body is not valid UTF-8 (after {} characters): send JSON in UTF-8", scan.characters));
  }
  BodyBuilder builder;
  try {
    const bool ok = json::sax_parse(body, &builder, json::input_format_t::json, /*strict=*/true,
                                    /*ignore_comments=*/false);
    if (!ok || builder.error) {
      if (builder.error) return std::move(*builder.error);
      return bad_request("the body is not valid JSON");
    }
  } catch (const std::exception& e) {  // nlohmann reports through parse_error; this is a backstop
    return bad_request(fmt::format("the body is not valid JSON: {}", parse_reason(e.what())));
  }
  if (!builder.root.is_object()) {
    return bad_request(
        fmt::format("the body must be a JSON object ({{…}}), not {}", builder.root.type_name()));
  }
  return std::move(builder.root);
}

}  // namespace onshi::api
