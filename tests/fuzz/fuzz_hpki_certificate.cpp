// The HPKI certificate side on arbitrary bytes: the hcRole parser (subjectDirectoryAttributes,
// certificate-profiles.md §2.2) directly, the whole certificate reader, and the HPKI signing hold
// against a card whose every answer is the fuzzer's (profiles, certificate loop, counter, MSE,
// VERIFY, PSO by extended APDU and by chaining). A value or a specific error, never a crash.
#include <cstddef>
#include <cstdint>

#include "onshi/pcsc/hpki_ap.hpp"
#include "onshi/pcsc/hpki_certificate.hpp"
#include "scripted_reader.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace onshi::pcsc;
  const onshi::ByteView bytes(data, size);
  (void)hpki::parse_hc_roles(bytes);
  (void)hpki::holder_certificate(bytes);

  static onshi::fuzz::ScriptedReader reader;
  for (hpki::LongApdu path : {hpki::LongApdu::extended, hpki::LongApdu::chaining}) {
    auto context = Context::establish(reader);
    (void)onshi::fuzz::connect_scripted(reader, data, size);  // fills the card's answers
    auto card =
        ExclusiveCard::connect(std::make_shared<Context>(std::move(context).value()), "fuzz");
    if (!card) return 0;
    onshi::SecretBytes pin(onshi::Bytes{'1', '2', '3', '4'});
    (void)hpki::sign_with_pin(
        *card, pin, {hpki::App::signature, onshi::Bytes(32, 9), {true}, path, std::nullopt});
  }
  return 0;
}
