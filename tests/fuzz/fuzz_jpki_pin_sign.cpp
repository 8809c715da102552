// The PIN and signature paths against a card whose every answer is the fuzzer's: the counter
// read, power-down-and-reread, guard and VERIFY (pin.hpp), the JPKI signature with the key type
// taken from a fuzzed certificate, the basic-four read loop and the card-present proof. Each must
// end in a value or a specific error, never a crash, a hang or an unbounded read.
#include <cstddef>
#include <cstdint>

#include "onshi/pcsc/card_present_proof.hpp"
#include "onshi/pcsc/jpki_pin_sign.hpp"
#include "onshi/pcsc/kenmen_ap.hpp"
#include "scripted_reader.hpp"

namespace {

onshi::SecretBytes pin(const char* s) {
  return onshi::SecretBytes(onshi::ByteView(reinterpret_cast<const std::uint8_t*>(s), 4));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace onshi::pcsc;
  static onshi::fuzz::ScriptedReader reader;
  CardOptions exclusive;
  exclusive.share = ShareMode::exclusive;
  {
    auto card = onshi::fuzz::connect_scripted(reader, data, size, exclusive);
    if (!card) return 0;
    auto p = pin("1234");
    (void)verify_pin(*card, jpki::pin_reference(jpki::Key::auth), p, {});
    (void)jpki::compute_signature(*card, jpki::Key::auth, KeyInfo{KeyInfo::Kind::rsa, 2048},
                                  onshi::Bytes(51, 1));
    auto q = pin("1234");
    (void)kenmen::read_basic_four(*card, q, {true});
    (void)prove_card_present(*card, onshi::Bytes(32, 7), onshi::Bytes{0x30, 0x00});
  }
  {
    // The whole hold, with the certificate (and so the key type) from the fuzzer.
    auto context = Context::establish(reader);
    (void)onshi::fuzz::connect_scripted(reader, data, size);  // refills the answers
    auto card =
        ExclusiveCard::connect(std::make_shared<Context>(std::move(context).value()), "fuzz");
    if (!card) return 0;
    auto p = pin("1234");
    (void)jpki::sign_with_pin(*card, p, {jpki::Key::auth, onshi::Bytes{1, 2, 3}, {}, std::nullopt, std::nullopt});
  }
  return 0;
}
