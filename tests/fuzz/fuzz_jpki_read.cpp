// The JPKI AP's read side against a card whose every answer is the fuzzer's: detection, the
// certificate-read loop (DER header, chunking, early ends) and the PIN-counter reads must end in
// a value or a specific error, never a crash or an unbounded read.
#include <cstddef>
#include <cstdint>

#include "onshi/pcsc/jpki_ap.hpp"
#include "scripted_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)onshi::pcsc::jpki::der_certificate_size(onshi::ByteView(data, size), 0x7FFF);
  static onshi::fuzz::ScriptedReader reader;
  auto card = onshi::fuzz::connect_scripted(reader, data, size);
  if (!card) return 0;
  (void)onshi::pcsc::jpki::detect(*card);
  (void)onshi::pcsc::jpki::read_certificate(*card, onshi::pcsc::jpki::kEfAuthCertificate);
  (void)onshi::pcsc::jpki::read_pin_status(*card, onshi::pcsc::jpki::kEfAuthPin);
  return 0;
}
