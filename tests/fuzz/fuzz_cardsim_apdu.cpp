// libFuzzer target: the card emulator's command APDU decoder, and the whole card core
// (Card::process) driven by sequences of arbitrary APDUs.
//
// Input layout: byte 0 picks the behaviour (bit 0 strict_le; bits 1-2 get_response_chunk of
// 0, 1, 200 or 256; bit 3 a warm reset halfway). The rest is a sequence of APDUs, each preceded
// by a length byte, so the fuzzer can reach stateful paths (SELECT, READ BINARY, GET RESPONSE).
// The rest as a whole is also decoded as one APDU.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "onshi/sim/apdu.hpp"
#include "onshi/sim/card.hpp"
#include "onshi/sim/persona.hpp"

namespace {

// The shape of personas/generic.json, built in so the target needs no files at run time.
constexpr const char* kPersona = R"({
  "name": "fuzz",
  "atr": "3B 8A 80 01 4F 4E 53 48 49 2D 53 49 4D 21 03",
  "files": [
    {"type": "ef", "fid": "0003", "sfi": 3, "data": "4F 53 00 00 00 00 00 01"},
    {"type": "df", "aid": "F0 4F 4E 53 48 49 53 49 4D 01", "children": [
      {"type": "ef", "fid": "0001", "sfi": 1, "data": "6F 6E 73 68 69"},
      {"type": "ef", "fid": "0002", "sfi": 2, "size": 1500, "fill": "counter"},
      {"type": "ef", "fid": "000A", "sfi": 10, "data": "30 82 01 FC", "size": 512},
      {"type": "ef", "fid": "000C", "size": 0}]},
    {"type": "df", "fid": "5F00", "children": [
      {"type": "ef", "fid": "0001", "sfi": 1, "data": "5F 00 00 01"}]}]
})";

const onshi::sim::Persona& base_persona() {
  static const onshi::sim::Persona persona = [] {
    auto parsed = onshi::sim::parse_persona(kPersona);
    if (!parsed) std::abort();
    return std::move(parsed).value();
  }();
  return persona;
}

void check_decoder(onshi::ByteView raw) {
  const auto apdu = onshi::sim::decode_command_apdu(raw);
  if (!apdu) return;
  // Whatever the decoder accepts must encode back to exactly the same bytes.
  const auto encoded = onshi::sim::encode_command_apdu(*apdu);
  if (!encoded || !std::equal(encoded->begin(), encoded->end(), raw.begin(), raw.end())) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t selector = data[0];
  const onshi::ByteView rest(data + 1, size - 1);
  check_decoder(rest);

  onshi::sim::Persona persona = base_persona();
  constexpr std::uint16_t kChunks[] = {0, 1, 200, 256};
  persona.behaviour.strict_le = (selector & 0x01) != 0;
  persona.behaviour.get_response_chunk = kChunks[(selector >> 1) & 0x03];
  const bool reset_halfway = (selector & 0x08) != 0;
  const std::size_t chunk = persona.behaviour.get_response_chunk;

  onshi::sim::Card card(std::move(persona));
  card.power_on();
  std::size_t pos = 0;
  while (pos < rest.size()) {
    const std::size_t length = rest[pos++];
    const auto apdu = rest.subspan(pos, std::min(length, rest.size() - pos));
    pos += apdu.size();
    if (reset_halfway && pos >= rest.size() / 2) card.reset();
    const onshi::Bytes answer = card.process(apdu);
    // Every answer has SW1 SW2, fits a vpcd frame, and respects the chunk size.
    if (answer.size() < 2 || answer.size() > 0xFFFF) std::abort();
    if (chunk != 0 && answer.size() - 2 > chunk) std::abort();
  }
  return 0;
}
