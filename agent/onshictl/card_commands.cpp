#include "card_commands.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>

#include "agent_client.hpp"
#include "exit_codes.hpp"
#include "onshi/pcsc/certificate_info.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/hpki_ap.hpp"
#include "onshi/pcsc/hpki_certificate.hpp"
#include "onshi/pcsc/jpki_pin_sign.hpp"
#include "onshi/pcsc/kenmen_ap.hpp"
#include "onshi/pcsc/reader_scan.hpp"
#include "pin_input.hpp"

namespace onshi::ctl {
namespace {

using nlohmann::json;
namespace jpki = pcsc::jpki;

std::string base64(ByteView b) {
  std::string out(4 * ((b.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), b.data(),
                                static_cast<int>(b.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string pem(ByteView der) {
  return "-----BEGIN CERTIFICATE-----\n" + [&] {
    std::string b = base64(der), lines;
    for (std::size_t i = 0; i < b.size(); i += 64) lines += b.substr(i, 64) + "\n";
    return lines;
  }() + "-----END CERTIFICATE-----\n";
}

// Prints the error (and a hint where a technician can act) and returns the exit code.
int report(const Error& e, bool as_json, const std::string& via) {
  if (as_json) {
    json j{{"via", via}, {"error", {{"code", errc_name(e.code)}, {"message", e.message}}}};
    if (e.retries_remaining) j["error"]["retries_remaining"] = *e.retries_remaining;
    std::puts(j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    fmt::print(stderr, "onshictl: {}\n", e.to_string());
    if (e.code == Errc::pin_last_try) {
      fmt::print(stderr,
                 "hint: one try is left. Ask the holder to check the PIN; if they are sure, run "
                 "again with "
                 "--use-last-try (a wrong PIN then blocks the card until the municipal office "
                 "resets it)\n");
    } else if (e.code == Errc::pin_blocked) {
      fmt::print(
          stderr,
          "hint: the holder must have the PIN reset at their municipal office (市区町村窓口)\n");
    } else if (e.code == Errc::pcsc_no_service) {
      fmt::print(stderr, "hint: start pcscd (systemctl start pcscd.socket) and try again\n");
    } else if (e.code == Errc::pcsc_sharing_violation) {
      fmt::print(stderr, "hint: another program holds the card; stop it or use onshid's API\n");
    }
  }
  return exit_code_for(e.code);
}

struct Hardware {
  std::shared_ptr<pcsc::Context> context;
  std::string reader;
};

Result<Hardware> open_reader(const std::optional<std::string>& wanted) {
  ONSHI_TRY_ASSIGN(auto established, pcsc::Context::establish());
  Hardware hw{std::make_shared<pcsc::Context>(std::move(established)), {}};
  ONSHI_TRY_ASSIGN(auto readers, pcsc::scan_readers(hw.context));
  if (readers.empty()) return fail(Errc::pcsc_no_readers, "no card reader is connected");
  if (wanted) {
    for (std::size_t i = 0; i < readers.size(); ++i) {
      const auto& id = readers[i].identity;
      if (id.display_name == *wanted || id.stable_key() == *wanted ||
          std::to_string(i) == *wanted) {
        hw.reader = id.display_name;
        return hw;
      }
    }
    std::string names;
    for (const auto& r : readers) names += fmt::format("\n  {}", r.identity.display_name);
    return fail(Errc::pcsc_unknown_reader,
                fmt::format("no reader \"{}\"; readers:{}", *wanted, names));
  }
  std::vector<std::string> with_card;
  for (const auto& r : readers) {
    if (r.card_present) with_card.push_back(r.identity.display_name);
  }
  if (with_card.empty()) return fail(Errc::card_absent, "no card in any reader");
  if (with_card.size() > 1) {
    std::string names;
    for (const auto& n : with_card) names += fmt::format("\n  {}", n);
    return fail(
        Errc::invalid_argument,
        fmt::format("cards in {} readers; choose one with --reader:{}", with_card.size(), names));
  }
  hw.reader = with_card.front();
  return hw;
}

// Text from a card goes to a terminal: control characters (escape sequences) become '?'.
std::string printable(std::string text) {
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = '?';
  }
  return text;
}

std::string via_hardware(const std::string& why) {
  return fmt::format("hardware directly ({})", why);
}

// The agent's answer, shown as it came (the agent's JSON has the same shape as ours).
int show_agent_reply(const AgentReply& reply, const AgentClient& client, bool as_json) {
  auto body = json::parse(reply.body, nullptr, false);
  if (as_json) {
    json out = body.is_discarded() ? json{{"raw", reply.body}} : body;
    if (out.is_object()) out["via"] = fmt::format("onshid ({})", client.socket().string());
    std::puts(out.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    fmt::print("Via: onshid ({})\n{}\n", client.socket().string(),
               body.is_discarded() ? reply.body
                                   : body.dump(2, ' ', false, json::error_handler_t::replace));
  }
  if (reply.status >= 200 && reply.status < 300) return kExitOk;
  if (body.is_object() && body.contains("code") && body["code"].is_string()) {
    const std::string code = body["code"];
    for (int i = 0; i <= static_cast<int>(Errc::pin_state_unknown); ++i) {
      if (errc_name(static_cast<Errc>(i)) == code) return exit_code_for(static_cast<Errc>(i));
    }
  }
  return kExitFailure;
}

json pin_json(const Result<pcsc::PinStatus>& s, int max_tries) {
  if (!s) {
    if (s.error().code == Errc::pin_not_set) return json{{"state", "not_set"}};
    return json{
        {"state", "error"}, {"error", errc_name(s.error().code)}, {"message", s.error().message}};
  }
  json j{{"max_tries", max_tries}, {"blocked", s->blocked}, {"verified", s->verified}};
  j["state"] = s->blocked      ? "blocked"
               : s->verified   ? "verified_counter_hidden"
               : s->tries_left ? "ok"
                               : "no_limit";
  if (s->tries_left) j["tries_left"] = *s->tries_left;
  return j;
}

// An HPKI card (cards-and-readers.md §2): profile, and per application the holder, role,
// validity and tries left; "unknown" when no known profile answers.
Status read_hpki_info(pcsc::Card& card, json& j) {
  namespace hpki = pcsc::hpki;
  ONSHI_TRY_ASSIGN(const auto detected, hpki::detect(card));
  if (detected.profile == nullptr) {
    j["kind"] = "unknown";
    return {};
  }
  j["kind"] = "hpki";
  j["profile"] = std::string(detected.profile->name);
  auto path = hpki::choose_long_apdu(card, 256);
  for (hpki::App app : {hpki::App::signature, hpki::App::authentication}) {
    const std::string key(hpki::app_name(app));
    if (!(app == hpki::App::signature ? detected.signature : detected.authentication)) {
      j["applications"][key] = {{"present", false}};
      continue;
    }
    json a{{"present", true}};
    auto der = hpki::read_certificate_auto(card, *detected.profile, app, path);
    if (!der) {
      a["certificate"] = {{"error", der.error().message}};
    } else if (auto c = hpki::holder_certificate(*der); !c) {
      a["certificate"] = {{"error", c.error().message}};
    } else {
      a["certificate"] = {{"holder", c->holder},
                          {"holder_kanji", c->holder_kanji.value_or("")},
                          {"roles", c->roles},
                          {"issuer", c->info.issuer},
                          {"serial", c->info.serial_hex},
                          {"not_before", pcsc::iso8601_utc(c->info.not_before)},
                          {"not_after", pcsc::iso8601_utc(c->info.not_after)},
                          {"sha256", c->info.sha256_hex},
                          {"key", c->info.key.name()},
                          {"non_repudiation", c->non_repudiation}};
      if (c->roles_error) a["certificate"]["roles_error"] = *c->roles_error;
      if (app == hpki::App::signature && !c->non_repudiation) {
        a["certificate"]["problem"] = hpki::check_signature_certificate(*c).error().message;
      }
    }
    // §2.3: 15 tries, then a paid re-issue.
    a["pin"] = pin_json(hpki::read_pin_status(card, *detected.profile, app), 15);
    j["applications"][key] = std::move(a);
  }
  return {};
}

// Everything `card info` shows, read without a PIN and without spending a try.
Result<json> read_card_info(pcsc::Card& card) {
  ONSHI_TRY_ASSIGN(auto transaction, card.begin_transaction());
  json j;
  ONSHI_TRY_ASSIGN(const auto status, card.status());
  j["reader"] = status.reader;
  j["atr"] = to_hex(status.atr, true);
  j["protocol"] = std::string(pcsc::protocol_name(card.protocol()));
  ONSHI_TRY_ASSIGN(const auto detected, jpki::detect(card));
  if (!detected.jpki) {
    ONSHI_TRY(read_hpki_info(card, j));
    ONSHI_TRY(transaction.end());
    return j;
  }
  j["kind"] = detected.token == jpki::Token::card      ? "my_number_card"
              : detected.token == jpki::Token::unknown ? "jpki_unknown_token"
                                                       : "smartphone";
  j["token"] = std::string(jpki::token_name(detected.token));
  j["token_label"] = detected.label;
  ONSHI_TRY_ASSIGN(const bool pin_less, jpki::has_pin_less_marker(card));
  j["pin_less"] = pin_less;

  ONSHI_TRY_ASSIGN(const Bytes cert, jpki::read_certificate(card, jpki::kEfAuthCertificate));
  if (auto info = pcsc::certificate_info(cert)) {
    j["auth_certificate"] = {{"subject", info->subject},
                             {"issuer", info->issuer},
                             {"serial", info->serial_hex},
                             {"not_before", pcsc::iso8601_utc(info->not_before)},
                             {"not_after", pcsc::iso8601_utc(info->not_after)},
                             {"sha256", info->sha256_hex},
                             {"key", info->key.name()}};
  } else {
    j["auth_certificate"] = {{"error", info.error().message}};
  }
  ONSHI_TRY_ASSIGN(const auto available, jpki::read_certificate_availability(card));
  j["sign_certificate_present"] = available.sign;

  // cards-and-readers.md §1.4 / §1.7: 3 tries for both 4-digit PINs, 5 for the sign password.
  j["pins"]["auth"] = pin_json(pcsc::read_pin_status(card, jpki::kEfAuthPin), 3);
  j["pins"]["sign"] = pin_json(pcsc::read_pin_status(card, jpki::kEfSignPin), 5);
  auto kenmen_selected = pcsc::select_application(card, pcsc::kenmen::kAid, "券面事項入力補助AP");
  if (kenmen_selected) {
    j["pins"]["kenmen"] = pin_json(pcsc::read_pin_status(card, pcsc::kenmen::kEfPin), 3);
  } else if (kenmen_selected.error().code == Errc::card_unsupported) {
    j["pins"]["kenmen"] = {{"state", "no_application"}};
  } else {
    return std::move(kenmen_selected).error();
  }
  ONSHI_TRY(transaction.end());
  return j;
}

void print_card_info(const json& j, const std::string& via) {
  fmt::print("Via: {}\n", via);
  fmt::print("Reader: {}\nATR: {} ({})\n", j.value("reader", ""), j.value("atr", ""),
             j.value("protocol", ""));
  const std::string kind = j.value("kind", "unknown");
  if (kind == "unknown") {
    fmt::print(
        "Card: unknown card (neither a My Number card nor an HPKI card of a known profile)\n");
    return;
  }
  if (kind == "hpki") {
    fmt::print("Card: HPKI card (医師資格証等), profile {}\n", j.value("profile", ""));
    for (const char* app : {"signature", "authentication"}) {
      const auto& a = j["applications"][app];
      if (!a.value("present", false)) {
        fmt::print("{} application: absent\n", app);
        continue;
      }
      const auto& c = a["certificate"];
      if (c.contains("error")) {
        fmt::print("{} application: certificate unreadable: {}\n", app, c.value("error", ""));
      } else {
        std::string roles;
        for (const auto& r : c["roles"])
          roles += (roles.empty() ? "" : ", ") + printable(r.get<std::string>());
        fmt::print(
            "{} application:\n  holder:  {}{}\n  role:    {}\n  issuer:  {}\n  valid:   {} to {}\n "
            " key:     {}\n",
            app, printable(c.value("holder", "")),
            c.value("holder_kanji", "").empty()
                ? ""
                : " (" + printable(c.value("holder_kanji", "")) + ")",
            roles.empty() ? "(no hcRole)" : roles, printable(c.value("issuer", "")),
            c.value("not_before", ""), c.value("not_after", ""), c.value("key", ""));
        if (c.contains("problem")) fmt::print("  PROBLEM: {}\n", c.value("problem", ""));
      }
      const auto& p = a["pin"];
      const std::string state = p.value("state", "");
      fmt::print("  PIN:     {}\n",
                 state == "ok" ? fmt::format("{} of 15 tries left{}", p.value("tries_left", 0),
                                             p.value("tries_left", 0) == 1 ? " (LAST TRY)" : "")
                 : state == "blocked" ? std::string("BLOCKED (re-issue needed)")
                                      : state);
    }
    return;
  }
  const std::string token = j.value("token", "");
  fmt::print("Card: {} (JPKI token label \"{}\")\n",
             kind == "my_number_card" ? "My Number card"
             : token == "android"     ? "smartphone, Android (スマホ用電子証明書)"
             : token == "ios"         ? "smartphone, iPhone (スマホ用電子証明書)"
                                      : "JPKI token of an unknown kind",
             j.value("token_label", ""));
  if (j.value("pin_less", false))
    fmt::print("PIN-less card (暗証番号設定不要): face or visual confirmation only\n");
  const auto& c = j["auth_certificate"];
  if (c.contains("error")) {
    fmt::print("Auth certificate: unreadable: {}\n", c.value("error", ""));
  } else {
    fmt::print(
        "Auth certificate (利用者証明用):\n  subject: {}\n  issuer:  {}\n  serial:  {}\n  valid:   "
        "{} to {}\n  key:     {}\n  SHA-256: {}\n",
        printable(c.value("subject", "")), printable(c.value("issuer", "")), c.value("serial", ""),
        c.value("not_before", ""), c.value("not_after", ""), c.value("key", ""),
        c.value("sha256", ""));
  }
  fmt::print("Sign certificate (署名用): {}\n",
             j.value("sign_certificate_present", false) ? "present" : "absent");
  fmt::print("PINs (reading them spends no try):\n");
  auto line = [&](const char* key, const char* name, int max) {
    const auto& p = j["pins"][key];
    const std::string state = p.value("state", "");
    std::string text;
    if (state == "not_set")
      text = "not set (PIN-less card)";
    else if (state == "no_application")
      text = "no such application (a smartphone has none)";
    else if (state == "error")
      text = "unreadable: " + p.value("message", "");
    else if (state == "blocked")
      text = "BLOCKED (the municipal office must reset it)";
    else if (state == "verified_counter_hidden")
      text = "verified earlier in this power cycle (counter hidden until power-down)";
    else if (state == "no_limit")
      text = "no retry limit";
    else {
      const int left = p.value("tries_left", 0);
      text = fmt::format("{} of {} tries left{}", left, max, left == 1 ? " (LAST TRY)" : "");
    }
    fmt::print("  {}: {}\n", name, text);
  };
  line("auth", "auth PIN (0018)", 3);
  line("sign", "signature password (001B)", 5);
  line("kenmen", "券面事項入力補助 PIN (0011)", 3);
}

// At most 64 MiB, read in bounded steps (a pipe or /dev/zero has no size to check first).
Result<Bytes> read_file_bytes(const std::string& path) {
  constexpr std::size_t kMaxMessage = std::size_t{1} << 26;
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(Errc::io, fmt::format("{}: cannot open", path));
  Bytes data;
  std::vector<char> chunk(65536);
  while (in.read(chunk.data(), static_cast<std::streamsize>(chunk.size())) || in.gcount() > 0) {
    data.insert(data.end(), chunk.data(), chunk.data() + in.gcount());
    if (data.size() > kMaxMessage) {
      return fail(Errc::invalid_argument, fmt::format("{}: larger than 64 MiB", path));
    }
  }
  return data;
}

Status write_file_bytes(const std::string& path, ByteView data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
  if (!out) return fail(Errc::io, fmt::format("{}: cannot write", path));
  return {};
}

std::string url_escape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
      out += static_cast<char>(c);
    else
      out += fmt::format("%{:02X}", c);
  }
  return out;
}

std::string reader_query(const CardCommandOptions& o) {
  return o.reader ? "?reader=" + url_escape(*o.reader) : "";
}

// A technician's test signature with a typed PIN is direct only: when onshid offers the signing
// route it owns the readers, so say so rather than guess its protocol. Returns the "via" text.
Result<std::string> direct_signing_allowed(const CardCommandOptions& o) {
  const AgentClient client(agent_socket(o.socket, o.config_path));
  auto attempt = try_agent(client, o.direct, "OPTIONS", "/v1/cards/sign");
  if (attempt.reply && attempt.reply->status < 300) {
    return fail(Errc::not_supported, "onshid is running: stop it, or sign through its API");
  }
  return via_hardware(attempt.why_direct);
}

}  // namespace

int card_info(const CardCommandOptions& o) {
  const AgentClient client(agent_socket(o.socket, o.config_path));
  auto attempt = try_agent(client, o.direct, "GET", "/v1/cards" + reader_query(o));
  if (attempt.reply) return show_agent_reply(*attempt.reply, client, o.json);
  const std::string via = via_hardware(attempt.why_direct);

  auto hw = open_reader(o.reader);
  if (!hw) return report(hw.error(), o.json, via);
  auto card = pcsc::Card::connect(hw->context, hw->reader);
  if (!card) return report(card.error(), o.json, via);
  auto info = read_card_info(*card);
  if (!info) return report(info.error(), o.json, via);
  if (o.json) {
    (*info)["via"] = via;
    std::puts(info->dump(2).c_str());
  } else {
    print_card_info(*info, via);
  }
  return kExitOk;
}

// The pad when this PIN is to be typed on it (--pin-entry), nullopt for the terminal. Detected
// on a short shared connection, before the exclusive hold.
Result<std::optional<pcsc::PinPad>> pin_pad_for(const Hardware& hw, const pcsc::PinReference& ref,
                                                const std::string& mode) {
  if (mode == "host") return std::optional<pcsc::PinPad>{};
  ONSHI_TRY_ASSIGN(auto card, pcsc::Card::connect(hw.context, hw.reader));
  ONSHI_TRY_ASSIGN(auto pad, pcsc::detect_pin_pad(card));
  (void)card.disconnect(pcsc::Disposition::leave);
  const bool usable = pad && pcsc::pad_pin_format(ref.format);
  if (mode == "pad" && !usable) {
    return fail(
        Errc::not_supported,
        pad ? fmt::format("{} cannot be typed on a PIN pad (it has letters)", ref.name)
            : fmt::format("\"{}\" has no PIN pad (no FEATURE_VERIFY_PIN_DIRECT)", hw.reader));
  }
  if (!usable) return std::optional<pcsc::PinPad>{};
  std::fprintf(stderr, "%s: enter the PIN on the reader's pad (within %lld s)\n", ref.name.data(),
               static_cast<long long>(pad->timeout.count()));
  return pad;
}

int card_verify_pin(const CardCommandOptions& o, const std::string& which) {
  const pcsc::PinReference ref = which == "sign"     ? jpki::pin_reference(jpki::Key::sign)
                                 : which == "kenmen" ? pcsc::kenmen::pin_reference()
                                                     : jpki::pin_reference(jpki::Key::auth);
  const AgentClient client(agent_socket(o.socket, o.config_path));
  // The PIN goes to onshid only once it is known to answer; ask it about the route first.
  auto attempt = try_agent(client, o.direct, "OPTIONS", "/v1/cards/verify-pin");
  if (attempt.reply && attempt.reply->status < 300) {
    // --pin-entry holds here too: on a pad the PIN never passes through this program, onshid
    // is asked to verify on the pad ("pin_entry": "pad", no "pin").
    if (o.pin_entry != "host") {
      auto hw = open_reader(o.reader);
      if (!hw) return report(hw.error(), o.json, "onshid");
      auto pad = pin_pad_for(*hw, ref, o.pin_entry);
      if (!pad) return report(pad.error(), o.json, "onshid");
      if (*pad) {
        json body{{"pin_ref", which}, {"use_last_try", o.use_last_try}, {"pin_entry", "pad"}};
        if (o.reader) body["reader"] = *o.reader;
        const AgentClient pad_client(client.socket(), (*pad)->timeout + std::chrono::seconds(45));
        auto reply = pad_client.request("POST", "/v1/cards/verify-pin", body.dump());
        if (!reply) {
          Error e{Errc::pin_state_unknown,
                  fmt::format("onshid was asked to verify on the pad but no answer came back "
                              "({}); check `onshictl card info` before trying again",
                              reply.error().message)};
          return report(e, o.json, "onshid");
        }
        return show_agent_reply(*reply, client, o.json);
      }
    }
    auto pin = read_pin("PIN: ");
    if (!pin) return report(pin.error(), o.json, "onshid");
    // Checked here too: only digits and A–Z go into the request, never anything to escape.
    if (auto ok = pcsc::check_pin_format(*pin, ref.format); !ok)
      return report(ok.error(), o.json, "onshid");
    json body{{"pin_ref", which}, {"use_last_try", o.use_last_try}};
    if (o.reader) body["reader"] = *o.reader;
    // The PIN is appended in place into a buffer reserved up front, so no temporary or
    // reallocated copy of it is left unwiped (it is 4–16 ASCII characters: no JSON escaping).
    std::string text = body.dump();
    text.pop_back();  // the closing brace
    text.reserve(text.size() + pin->size() + 16);
    text += ",\"pin\":\"";
    for (auto c : pin->view()) text += static_cast<char>(c);
    text += "\"}";
    pin->clear();
    // Counter, power-down, VERIFY: far longer than a status call on a contactless reader.
    const AgentClient pin_client(client.socket(), std::chrono::seconds(45));
    auto reply = pin_client.request("POST", "/v1/cards/verify-pin", text);
    secure_wipe(text.data(), text.capacity());
    if (!reply) {
      Error e{Errc::pin_state_unknown,
              fmt::format("the PIN went to onshid but no answer came back ({}); whether a try was "
                          "spent is unknown: check `onshictl card info` before trying again",
                          reply.error().message)};
      return report(e, o.json, "onshid");
    }
    return show_agent_reply(*reply, client, o.json);
  }
  const std::string via =
      via_hardware(attempt.reply ? "onshid refused the route" : attempt.why_direct);

  auto hw = open_reader(o.reader);
  if (!hw) return report(hw.error(), o.json, via);
  auto pad = pin_pad_for(*hw, ref, o.pin_entry);
  if (!pad) return report(pad.error(), o.json, via);
  Result<SecretBytes> pin = SecretBytes{};
  if (!*pad) pin = read_pin(fmt::format("{}: ", ref.name));
  if (!pin) return report(pin.error(), o.json, via);
  auto card = pcsc::ExclusiveCard::connect(hw->context, hw->reader);
  if (!card) return report(card.error(), o.json, via);
  auto outcome = *pad ? pcsc::verify_pin_on_pad(card->card(), ref, **pad, {o.use_last_try})
                      : pcsc::verify_pin(card->card(), ref, *pin, {o.use_last_try});
  pin->clear();
  auto released = card->release();  // power down: the verified state must not outlive this command
  if (!outcome) return report(outcome.error(), o.json, via);
  if (!released) {
    Error e = released.error();
    e.message = fmt::format(
        "{}: the PIN was correct, but powering the card down failed ({}); take "
        "the card out of the reader to end its verified state",
        ref.name, e.message);
    return report(e, o.json, via);
  }
  const auto& before = outcome->before;
  if (o.json) {
    json j{{"via", via},
           {"pin_ref", which},
           {"correct", true},
           {"powered_down_first", outcome->powered_down}};
    if (before.tries_left) j["tries_left_before"] = *before.tries_left;
    std::puts(j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    fmt::print("Via: {}\n{}: correct{}. The card was powered down afterwards.\n", via, ref.name,
               before.tries_left
                   ? fmt::format(" ({} tries were left; the counter is back to its maximum)",
                                 *before.tries_left)
                   : std::string());
  }
  return kExitOk;
}

int card_sign(const CardCommandOptions& o, const std::string& key_name,
              const std::optional<std::string>& in, const std::optional<std::string>& out) {
  const auto direct = direct_signing_allowed(o);
  if (!direct) return report(direct.error(), o.json, "onshid");
  const std::string via = *direct;

  jpki::PinSignRequest request;
  request.key = key_name == "sign" ? jpki::Key::sign : jpki::Key::auth;
  request.policy.allow_last_try = o.use_last_try;
  if (in) {
    auto data = read_file_bytes(*in);
    if (!data) return report(data.error(), o.json, via);
    request.message = std::move(data).value();
  } else {
    request.message.resize(32);
    if (RAND_bytes(request.message.data(), 32) != 1) {
      return report(Error{Errc::internal, "no random bytes from OpenSSL"}, o.json, via);
    }
  }
  auto hw = open_reader(o.reader);
  if (!hw) return report(hw.error(), o.json, via);
  auto pad = pin_pad_for(*hw, jpki::pin_reference(request.key), o.pin_entry);
  if (!pad) return report(pad.error(), o.json, via);
  request.pad = *pad;
  Result<SecretBytes> pin = SecretBytes{};
  if (!request.pad) pin = read_pin(fmt::format("{}: ", jpki::pin_reference(request.key).name));
  if (!pin) return report(pin.error(), o.json, via);
  auto card = pcsc::ExclusiveCard::connect(hw->context, hw->reader);
  if (!card) return report(card.error(), o.json, via);
  auto signed_ = jpki::sign_with_pin(*card, *pin, request);
  if (!signed_) return report(signed_.error(), o.json, via);
  const auto verified =
      pcsc::verify_signature(signed_->certificate, jpki::signature_hash(signed_->key),
                             request.message, signed_->signature);
  if (out && verified) {  // never a file holding a signature that does not verify
    if (auto w = write_file_bytes(*out, signed_->signature); !w)
      return report(w.error(), o.json, via);
  }
  auto info = pcsc::certificate_info(signed_->certificate);
  if (o.json) {
    json j{{"via", via},
           {"key", key_name},
           {"algorithm", signed_->key.name()},
           {"certificate_sha256", info ? info->sha256_hex : ""},
           {"message_base64", base64(request.message)},
           {"signature_base64", base64(signed_->signature)},
           {"verified_with_certificate", static_cast<bool>(verified)}};
    std::puts(j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    fmt::print("Via: {}\nSigned with the {} key ({}); the card was powered down afterwards.\n", via,
               key_name == "sign" ? "signature" : "authentication", signed_->key.name());
    if (info) fmt::print("Certificate: {}\n", printable(info->subject));
    if (!in) fmt::print("Message (random): {}\n", to_hex(request.message));
    fmt::print("Signature: {}\n", base64(signed_->signature));
    fmt::print("Verified with the card's certificate: {}\n",
               verified ? "yes" : "NO: " + verified.error().message);
  }
  return verified ? kExitOk : kExitFailure;
}

int card_certificate(const CardCommandOptions& o, const std::string& which,
                     const std::optional<std::string>& out) {
  const AgentClient client(agent_socket(o.socket, o.config_path));
  auto attempt = try_agent(client, o.direct, "GET",
                           "/v1/cards/certificate?which=" + which +
                               (o.reader ? "&reader=" + url_escape(*o.reader) : ""));
  if (attempt.reply) return show_agent_reply(*attempt.reply, client, o.json);
  const std::string via = via_hardware(attempt.why_direct);
  const std::uint16_t fid = which == "auth-ca"   ? jpki::kEfAuthCaCertificate
                            : which == "sign-ca" ? jpki::kEfSignCaCertificate
                                                 : jpki::kEfAuthCertificate;
  auto hw = open_reader(o.reader);
  if (!hw) return report(hw.error(), o.json, via);
  auto card = pcsc::Card::connect(hw->context, hw->reader);
  if (!card) return report(card.error(), o.json, via);
  // The fewest APDUs: SELECT AP, SELECT EF, READ BINARY to the DER length (§1.6).
  Result<Bytes> cert = [&]() -> Result<Bytes> {
    ONSHI_TRY(pcsc::select_application(*card, jpki::kAid, "JPKI AP"));
    return jpki::read_certificate(*card, fid);
  }();
  if (!cert) return report(cert.error(), o.json, via);
  if (out) {
    if (auto w = write_file_bytes(*out, *cert); !w) return report(w.error(), o.json, via);
    if (!o.json)
      fmt::print(stderr, "Via: {}\nWrote {} bytes (DER) to {}\n", via, cert->size(), *out);
  }
  if (o.json) {
    std::puts(json{{"via", via}, {"which", which}, {"der_base64", base64(*cert)}}
                  .dump(2, ' ', false, json::error_handler_t::replace)
                  .c_str());
  } else if (!out) {
    fmt::print(stderr, "Via: {}\n", via);
    std::fputs(pem(*cert).c_str(), stdout);
  }
  return kExitOk;
}

int card_sign_hpki(const CardCommandOptions& o, const std::string& app_name,
                   const std::optional<std::string>& digest_hex,
                   const std::optional<std::string>& in, const std::optional<std::string>& out) {
  namespace hpki = pcsc::hpki;
  const auto direct = direct_signing_allowed(o);
  if (!direct) return report(direct.error(), o.json, "onshid");
  const std::string via = *direct;

  hpki::SignRequest request;
  request.app = app_name == "authentication" ? hpki::App::authentication : hpki::App::signature;
  request.policy.allow_last_try = o.use_last_try;
  if (digest_hex) {
    auto digest = from_hex(*digest_hex);
    if (!digest || digest->size() != 32) {
      return report(Error{Errc::invalid_argument, "--digest takes a SHA-256 hash: 64 hex digits"},
                    o.json, via);
    }
    request.sha256 = std::move(*digest);
  } else if (in) {
    auto data = read_file_bytes(*in);
    if (!data) return report(data.error(), o.json, via);
    request.sha256 = pcsc::hash(pcsc::HashAlgorithm::sha256, *data);
  } else {
    return report(
        Error{Errc::invalid_argument, "give the digest (--digest HEX) or a file (--in FILE)"},
        o.json, via);
  }
  auto hw = open_reader(o.reader);
  if (!hw) return report(hw.error(), o.json, via);
  // Any known profile's PIN has the same format (HPKI 4–16 characters, §2.1).
  pcsc::PinReference hpki_ref;
  hpki_ref.name = "HPKI PIN";
  hpki_ref.format = pcsc::PinFormat::hpki_pin;
  auto pad = pin_pad_for(*hw, hpki_ref, o.pin_entry);
  if (!pad) return report(pad.error(), o.json, via);
  request.pad = *pad;
  Result<SecretBytes> pin = SecretBytes{};
  if (!request.pad) pin = read_pin(fmt::format("HPKI {} PIN: ", app_name));
  if (!pin) return report(pin.error(), o.json, via);
  auto card = pcsc::ExclusiveCard::connect(hw->context, hw->reader);
  if (!card) return report(card.error(), o.json, via);
  auto signed_ = hpki::sign_with_pin(*card, *pin, request);
  if (!signed_) return report(signed_.error(), o.json, via);
  auto holder = hpki::holder_certificate(signed_->certificate);
  if (out) {
    if (auto w = write_file_bytes(*out, signed_->signature); !w)
      return report(w.error(), o.json, via);
  }
  if (o.json) {
    json j{{"via", via},
           {"profile", std::string(signed_->profile->name)},
           {"application", app_name},
           {"apdu_path", std::string(hpki::long_apdu_name(signed_->path.path))},
           {"sha256", to_hex(request.sha256)},
           {"signature_base64", base64(signed_->signature)},
           {"verified_with_certificate", true}};
    if (holder) {
      j["holder"] = holder->holder;
      j["roles"] = holder->roles;
    }
    std::puts(j.dump(2, ' ', false, json::error_handler_t::replace).c_str());
  } else {
    fmt::print(
        "Via: {}\nSigned with the HPKI {} key ({}), {} ({}); the card was powered down "
        "afterwards.\n",
        via, app_name, signed_->profile->name, hpki::long_apdu_name(signed_->path.path),
        signed_->path.why);
    if (holder) {
      std::string roles;
      for (const auto& r : holder->roles) roles += (roles.empty() ? "" : ", ") + printable(r);
      fmt::print("Holder: {} ({})\n", printable(holder->holder),
                 roles.empty() ? "no hcRole" : roles);
    }
    fmt::print("SHA-256: {}\nSignature: {}\nVerified with the card's certificate: yes\n",
               to_hex(request.sha256), base64(signed_->signature));
  }
  return kExitOk;
}

}  // namespace onshi::ctl
