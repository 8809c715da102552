// HPKI cards (医師資格証 / 薬剤師資格証): the signature and authentication applications, driven by
// card profiles that are data, not code paths (cards-and-readers.md §2). Two profiles are known:
// the 日本医師会 (JMA) card as a real host drives it (§2.2) and the JAHIS guideline's example
// (§2.1). Adding another issuer's card means adding a profile.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/card.hpp"
#include "onshi/pcsc/exclusive_card.hpp"
#include "onshi/pcsc/pin.hpp"
#include "onshi/pcsc/pin_pad.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc::hpki {

// RID of every HPKI application (ISO/IEC 7816-15; §2.1).
inline constexpr std::array<std::uint8_t, 5> kRid{0xE8, 0x28, 0xBD, 0x08, 0x0F};

enum class App { signature, authentication };
std::string_view app_name(App app) noexcept;

// One application of a profile: how to reach its PIN, key and certificate.
struct AppProfile {
  Bytes aid;
  // Files by FID (SELECT EF, JMA) or by SFI (READ BINARY / VERIFY P2, JAHIS); 0 = not used.
  std::uint16_t pin_fid = 0;
  std::uint16_t key_fid = 0;
  std::uint16_t certificate_fid = 0;
  std::uint8_t certificate_sfi = 0;
  std::uint8_t verify_p2 = 0x80;  // JMA 88, JAHIS 96 (SFI 16)
  std::uint8_t mse_tag = 0x84;    // MSE SET DST key reference tag: JMA 84, JAHIS 81
  std::uint16_t key_reference = 0;
};

struct Profile {
  std::string_view name;
  std::uint8_t select_p2 = 0x00;  // SELECT by DF name: P2 00 and Le 00 → FCI (§2.1, §2.2)
  bool select_le = true;
  AppProfile signature;
  AppProfile authentication;
  const AppProfile& app(App a) const noexcept {
    return a == App::signature ? signature : authentication;
  }
};

// JMA (§2.2) and the JAHIS example (§2.1, with onshi's test PIXes: the guideline leaves the PIX
// to each CA, so those AIDs are INVENTED for the emulator; a real CA's card gets its own profile).
const std::vector<Profile>& known_profiles();

struct Detection {
  const Profile* profile = nullptr;  // nullptr: not an HPKI card of a known profile
  bool signature = false;
  bool authentication = false;
};
// SELECT of each known profile's AIDs, the profile's own SELECT form; the first that answers wins.
Result<Detection> detect(Card& card);

// How a 256-byte block reaches the card: extended Lc, or ISO command chaining (CLA 10).
enum class LongApdu { extended, chaining };
std::string_view long_apdu_name(LongApdu path) noexcept;
struct LongApduChoice {
  LongApdu path = LongApdu::extended;
  std::string why;  // for logs and onshictl: where the decision came from
};
// From the reader's GET_TLV_PROPERTIES dwMaxAPDUDataSize where it has one (0 = short APDUs only);
// a reader that does not say (vpcd, most readers without the feature) gets extended.
LongApduChoice choose_long_apdu(Card& card, std::size_t data_size);

// The application's certificate, no PIN: JMA reads 4 bytes for the DER length, then the rest;
// JAHIS reads by SFI, in one extended READ BINARY or in 256-byte steps.
Result<Bytes> read_certificate(Card& card, const Profile& profile, App app, LongApdu path);

// The same, falling back to short reads (and `choice` to chaining) when an extended APDU is
// refused by the reader or the card.
Result<Bytes> read_certificate_auto(Card& card, const Profile& profile, App app,
                                    LongApduChoice& choice);

PinReference pin_reference(const Profile& profile, App app) noexcept;
// The counter without spending a try (selects the application first).
Result<PinStatus> read_pin_status(Card& card, const Profile& profile, App app);

// EMSA-PKCS1-v1_5 (RFC 8017 §9.2): 00 01 FF… 00 DigestInfo, `modulus_bytes` long. HPKI cards
// want the block padded by the host (§2.1 C.6.1).
Result<Bytes> pkcs1_v15_block(ByteView digest_info, std::size_t modulus_bytes);

struct SignRequest {
  App app = App::signature;
  Bytes sha256;  // the 32-byte SHA-256 hash to sign (a DigestInfo is built around it)
  PinPolicy policy;
  std::optional<LongApdu> path;  // default: choose_long_apdu()
  // Set: the PIN is entered on this pad (secure PIN entry) and the host PIN stays unused.
  std::optional<PinPad> pad;
};
struct SignResult {
  const Profile* profile = nullptr;
  Bytes certificate;
  Bytes signature;  // RSA PKCS#1 v1.5 over SHA-256, verifiable with the certificate
  VerifyOutcome verify;
  LongApduChoice path;
};
// The whole hold: certificate, counter, MSE SET, guard, one VERIFY (before every signature — the
// signature application wants it, §2.1 "毎回", so no verified state is ever reused),
// PSO COMPUTE DIGITAL SIGNATURE; then the card is released unpowered and the PIN wiped.
Result<SignResult> sign_with_pin(ExclusiveCard& card, SecretBytes& pin, const SignRequest& request);

}  // namespace onshi::pcsc::hpki
