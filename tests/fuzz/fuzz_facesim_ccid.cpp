// onshi-facesim's CCID side, fed what libccid might send: a sequence of bulk-OUT transfers into
// the emulated slot (with a card), then every reply drained. No crash, no hang, and every reply
// a well-formed RDR_to_PC message that fits what the descriptor promises. The PIN-verify decoder
// gets the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "onshi/facesim/ccid_slot.hpp"
#include "onshi/facesim/pin_verify.hpp"
#include "onshi/sim/persona.hpp"

namespace {

const onshi::sim::Persona& persona() {
  static const onshi::sim::Persona p = [] {
    auto loaded = onshi::sim::load_persona_file(ONSHI_CARDSIM_PERSONA_DIR "/generic.json");
    if (!loaded) std::abort();
    return std::move(*loaded);
  }();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace onshi::facesim;
  if (size < 1) return 0;
  SlotConfig config;
  config.level = (data[0] & 1) != 0 ? ApduLevel::extended_apdu : ApduLevel::short_apdu;
  config.max_message_length = (data[0] & 2) != 0 ? 64 : 271;
  config.typing_time = std::chrono::milliseconds(0);
  CcidSlot slot(config);
  slot.insert(onshi::sim::Card(persona()));
  slot.push_pad_entry({PadEntry::Kind::type, "1234"});
  slot.push_pad_entry({PadEntry::Kind::cancel, {}});
  const auto far = Clock::now() + std::chrono::hours(1);
  std::size_t i = 1;
  // Records: 2-byte length, then that many bytes (one bulk-OUT transfer).
  while (i + 2 <= size) {
    const std::size_t n = std::min<std::size_t>((data[i] << 8) | data[i + 1], size - i - 2);
    const onshi::ByteView message(data + i + 2, n);
    i += 2 + n;
    slot.handle(message, Clock::now());
    (void)parse_pin_verify(message);
    while (auto reply = slot.take_reply(far)) {
      if (reply->size() < ccid::kHeaderSize) std::abort();
      const std::size_t length = std::size_t{reply->at(1)} | (std::size_t{reply->at(2)} << 8) |
                                 (std::size_t{reply->at(3)} << 16) |
                                 (std::size_t{reply->at(4)} << 24);
      if (length + ccid::kHeaderSize != reply->size()) std::abort();
      // Every reply fits the dwMaxCCIDMessageLength the descriptor states, at either level.
      if (reply->size() > config.max_message_length) std::abort();
    }
    (void)slot.take_notification();
  }
  if (size > 4) {
    auto parsed = parse_pin_verify(onshi::ByteView(data + 1, size - 1));
    if (auto* request = std::get_if<PinVerifyRequest>(&parsed)) {
      (void)build_verify_apdu(*request, "12345678");
      (void)build_verify_apdu(*request, "");
    }
  }
  return 0;
}
