// onshictl: the technician's tool. This first version lists readers and cards directly through
// pcscd; later commands go through the onshid agent when it answers (and say which they used).
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <cstdio>
#include <memory>

#include "onshi/bytes.hpp"
#include "onshi/config/config.hpp"
#include "onshi/pcsc/context.hpp"
#include "onshi/pcsc/reader_scan.hpp"

namespace {

// Exit codes shared by every onshictl command.
constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitNoService = 3;

nlohmann::json to_json(const onshi::pcsc::ReaderInfo& r) {
  nlohmann::json j;
  j["name"] = r.identity.display_name;
  j["identity"] = r.identity.stable_key();
  j["usb"] = r.identity.is_usb();
  if (r.identity.vendor_id) j["vendor_id"] = fmt::format("{:04x}", *r.identity.vendor_id);
  if (r.identity.product_id) j["product_id"] = fmt::format("{:04x}", *r.identity.product_id);
  if (r.identity.serial) j["serial"] = *r.identity.serial;
  j["pin_pad"] = r.identity.pin_pad;
  j["card_present"] = r.card_present;
  if (r.card_present) j["atr"] = onshi::to_hex(r.atr, true);
  j["card_in_use"] = r.card_in_use;
  j["card_mute"] = r.card_mute;
  return j;
}

int cmd_readers(bool json) {
  auto context = onshi::pcsc::Context::establish();
  if (!context) {
    const auto& e = context.error();
    if (json) {
      std::puts(nlohmann::json{{"source", "pcscd"}, {"error", {{"code", onshi::errc_name(e.code)}, {"message", e.message}}}}
                    .dump(2)
                    .c_str());
    } else {
      fmt::print(stderr, "onshictl: {}\n", e.to_string());
      if (e.code == onshi::Errc::pcsc_no_service) {
        fmt::print(stderr, "hint: start pcscd (systemctl start pcscd.socket) and try again\n");
      }
    }
    return e.code == onshi::Errc::pcsc_no_service ? kExitNoService : kExitFailure;
  }
  auto shared = std::make_shared<onshi::pcsc::Context>(std::move(context).value());
  auto readers = onshi::pcsc::scan_readers(shared);
  if (!readers) {
    fmt::print(stderr, "onshictl: {}\n", readers.error().to_string());
    return readers.error().code == onshi::Errc::pcsc_no_service ? kExitNoService : kExitFailure;
  }
  if (json) {
    nlohmann::json out{{"source", "pcscd"}, {"readers", nlohmann::json::array()}};
    for (const auto& r : *readers) out["readers"].push_back(to_json(r));
    std::puts(out.dump(2).c_str());
    return kExitOk;
  }
  fmt::print("Source: pcscd directly (no onshid agent in this version)\n");
  if (readers->empty()) {
    fmt::print("No readers found.\n");
    return kExitOk;
  }
  for (std::size_t i = 0; i < readers->size(); ++i) {
    const auto& r = (*readers)[i];
    fmt::print("{}: {}\n", i, r.identity.display_name);
    fmt::print("   identity: {}{}{}\n", r.identity.stable_key(), r.identity.is_usb() ? " (USB)" : " (not USB)",
               r.identity.pin_pad ? ", PIN pad" : "");
    if (r.card_present) {
      fmt::print("   card: present{}{}\n", r.card_in_use ? ", in use" : "", r.card_mute ? ", mute" : "");
      fmt::print("   ATR: {}\n", onshi::to_hex(r.atr, true));
    } else {
      fmt::print("   card: none\n");
    }
  }
  return kExitOk;
}

// Checks a configuration file the way onshid will read it, for technicians before a restart.
int cmd_config_check(const std::string& path) {
  auto config = onshi::config::load_config_file(path);
  if (!config) {
    fmt::print(stderr, "{}\n", config.error().to_string());
    return kExitFailure;
  }
  fmt::print("{}: OK — terminal \"{}\", {} institution(s){}\n", path, config->terminal_name,
             config->institutions.size(), config->test_mode ? ", TEST MODE" : "");
  for (const auto& i : config->institutions) fmt::print("  {} {}\n", i.code, i.name);
  return kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"onshictl: readers, cards and the onshi agent, for technicians"};
  app.require_subcommand(1);
  bool json = false;
  auto* readers = app.add_subcommand("readers", "List card readers, their identity and the card's ATR");
  readers->add_flag("--json", json, "Machine-readable output");
  auto* config = app.add_subcommand("config", "Configuration file");
  config->require_subcommand(1);
  std::string config_path = "/etc/onshi/onshi.toml";
  auto* check = config->add_subcommand("check", "Check a configuration file and say what is wrong");
  check->add_option("file", config_path, "The file (default /etc/onshi/onshi.toml)");
  CLI11_PARSE(app, argc, argv);
  if (readers->parsed()) return cmd_readers(json);
  if (check->parsed()) return cmd_config_check(config_path);
  return kExitFailure;
}
