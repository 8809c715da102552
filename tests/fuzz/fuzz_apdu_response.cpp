// Card responses are untrusted. Two layers: ResponseApdu::parse and the status-word table on the
// raw input, then the whole Card::transmit path (GET RESPONSE / 6Cxx handling) fed by a scripted
// reader whose answers are the input.
#include <cstddef>
#include <cstdint>

#include "onshi/pcsc/status_word.hpp"
#include "scripted_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const onshi::ByteView input(data, size);
  if (auto r = onshi::pcsc::ResponseApdu::parse(input)) {
    (void)onshi::pcsc::describe_sw(r->sw());
    (void)onshi::pcsc::sw_error(r->sw(), "fuzz");
  }
  static onshi::fuzz::ScriptedReader reader;
  auto card = onshi::fuzz::connect_scripted(reader, data, size);
  if (card) (void)card->transmit({0x00, 0xB0, 0x00, 0x00, {}, 256});
  return 0;
}
