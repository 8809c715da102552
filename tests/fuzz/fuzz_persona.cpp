// libFuzzer target: the card emulator's persona JSON loader, then a card built from whatever it
// accepts (every DF selected by AID or FID, every EF read).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "onshi/sim/atr.hpp"
#include "onshi/sim/card.hpp"
#include "onshi/sim/persona.hpp"

namespace {

void exercise(onshi::sim::Persona persona) {
  // The loader's promises: a valid ATR and bounded files.
  if (!onshi::sim::check_atr(persona.atr)) std::abort();
  if (persona.files.size() > onshi::sim::kMaxPersonaFiles + 1) std::abort();
  for (onshi::sim::NodeId id = 0; id < persona.files.size(); ++id) {
    if (persona.files.node(id).data.size() > onshi::sim::kMaxEfSize) std::abort();
  }

  const onshi::sim::FileTree files = persona.files;
  onshi::sim::Card card(std::move(persona));
  card.power_on();
  for (onshi::sim::NodeId id = 1; id < files.size(); ++id) {
    const onshi::sim::FileNode& node = files.node(id);
    onshi::Bytes select;
    if (!node.aid.empty()) {
      select = {0x00, 0xA4, 0x04, 0x00, static_cast<std::uint8_t>(node.aid.size())};
      select.insert(select.end(), node.aid.begin(), node.aid.end());
    } else if (node.fid) {
      select = {0x00,
                0xA4,
                0x00,
                0x00,
                0x02,
                static_cast<std::uint8_t>(*node.fid >> 8),
                static_cast<std::uint8_t>(*node.fid & 0xFF)};
    }
    if (select.empty() || card.process(select).size() < 2) std::abort();
    if (card.process(onshi::Bytes{0x00, 0xB0, 0x00, 0x00, 0x00}).size() < 2) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto persona = onshi::sim::parse_persona(text);
  if (!persona) {
    if (persona.error().message.empty()) std::abort();  // every refusal says why
    return 0;
  }
  exercise(std::move(persona).value());
  return 0;
}
