#include "onshi/facesim/control.hpp"

#include <fmt/format.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "onshi/sim/persona.hpp"
#include "vendor_control.hpp"

namespace onshi::facesim {
namespace {

std::vector<std::string> words(std::string_view line) {
  std::vector<std::string> out;
  std::istringstream in{std::string(line)};
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

ControlAnswer error(std::string message) { return {"error " + message, false}; }
ControlAnswer ok(std::string json = {}) { return {json.empty() ? "ok" : "ok " + json, false}; }

nlohmann::json reader_status(std::size_t index, const UsbDevice& device, const UsbLocation& at) {
  const CcidSlot& slot = device.slot();
  const auto& s = slot.stats();
  nlohmann::json claims = nlohmann::json::object();
  for (const auto& [interface, client] : device.claims())
    claims[std::to_string(interface)] = client;
  auto* card = const_cast<CcidSlot&>(slot).card();
  return {{"reader", index},
          {"serial", device.identity().serial},
          {"plugged", device.plugged()},
          {"address", at.address},
          {"card", card ? nlohmann::json(card->name()) : nlohmann::json(nullptr)},
          {"powered", card != nullptr && card->powered()},
          {"messages", s.messages},
          {"apdus", s.apdus},
          {"secure_verifies", s.secure_verifies},
          {"verify_lcs", s.verify_lcs},
          {"protocol_errors", s.protocol_errors},
          {"chained_commands", s.chained_commands},
          {"chained_responses", s.chained_responses},
          {"last_error", s.last_error},
          {"pad_pending", slot.pending_pad_entries()},
          {"claims", claims},
          {"vendor_out", device.stats().vendor_out},
          {"vendor", vendor_status(device)}};
}

}  // namespace

ControlAnswer run_control_command(Emulator& emulator, std::string_view line) {
  const auto w = words(line);
  if (w.empty()) return error("empty command");
  const std::string& verb = w[0];
  if (verb == "quit") return {"ok", true};
  std::size_t reader = 0;
  const bool needs_reader = verb != "status" || w.size() > 1;
  if (needs_reader) {
    if (w.size() < 2) return error(fmt::format("{}: which reader?", verb));
    const auto [end, ec] = std::from_chars(w[1].data(), w[1].data() + w[1].size(), reader);
    if (ec != std::errc{} || end != w[1].data() + w[1].size() || reader >= emulator.size()) {
      return error(fmt::format("{}: no reader '{}' (there are {})", verb, w[1], emulator.size()));
    }
  }
  if (verb == "status") {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t i = 0; i < emulator.size(); ++i) {
      if (needs_reader && i != reader) continue;
      out.push_back(emulator.with_reader(i, [i](UsbDevice& d, const UsbLocation& at) {
        d.vendor().advance(Clock::now());  // the session's timed steps, up to now
        return reader_status(i, d, at);
      }));
    }
    return ok((needs_reader ? out[0] : out).dump());
  }
  if (verb == "insert") {
    if (w.size() != 3) return error("insert <reader> <persona.json>");
    auto persona = sim::load_persona_file(w[2]);
    if (!persona) return error(fmt::format("persona {}: {}", w[2], persona.error().message));
    sim::Card card(std::move(*persona));
    return emulator.with_reader(reader, [&](UsbDevice& d, const UsbLocation&) {
      if (d.slot().present()) return error(fmt::format("reader {} already holds a card", reader));
      d.insert_card(std::move(card), Clock::now());
      return ok();
    });
  }
  if (verb == "remove") {
    return emulator.with_reader(reader, [&](UsbDevice& d, const UsbLocation&) {
      if (!d.slot().present()) return error(fmt::format("reader {} holds no card", reader));
      d.remove_card(Clock::now());
      return ok();
    });
  }
  if (verb == "pad") {
    PadEntry entry;
    if (w.size() == 4 && w[2] == "type") {
      entry.kind = PadEntry::Kind::type;
      entry.digits = w[3];
      if (entry.digits.empty() || entry.digits.size() > 16 ||
          entry.digits.find_first_not_of("0123456789") != std::string::npos) {
        return error("pad type: 1 to 16 digits (a pad has no letters)");
      }
    } else if (w.size() == 3 && w[2] == "cancel") {
      entry.kind = PadEntry::Kind::cancel;
    } else if (w.size() == 3 && w[2] == "walk-away") {
      entry.kind = PadEntry::Kind::walk_away;
    } else {
      return error("pad <reader> type <digits> | cancel | walk-away");
    }
    return emulator.with_reader(reader, [&](UsbDevice& d, const UsbLocation&) {
      d.slot().push_pad_entry(std::move(entry));
      return ok();
    });
  }
  if (verb == "unplug" || verb == "replug") {
    const Status done = verb == "unplug" ? emulator.unplug(reader) : emulator.replug(reader);
    return done ? ok() : error(done.error().message);
  }
  if (auto answer = run_vendor_command(emulator, reader, w)) return std::move(*answer);
  return error(fmt::format("unknown command '{}'", verb));
}

}  // namespace onshi::facesim
