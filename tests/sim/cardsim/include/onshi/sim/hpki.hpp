// HPKI cards (保健医療福祉分野PKI, cards-and-readers.md §2): the two application profiles the
// emulator knows, as data the one HPKI handler is driven by, and what a persona says about a
// card's applications.
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>

#include "onshi/bytes.hpp"
#include "onshi/sim/jpki.hpp"

namespace onshi::sim::hpki {

enum class ProfileId : std::uint8_t {
  jma,    // a real 日本医師会認証局 card as [miyako] drives it (§2.2)
  jahis,  // the JAHIS guideline's example card (§2.1, Appendix B/C)
};

// A card may carry either application or both (§2.1 "Applications").
enum class Application : std::uint8_t { signature, authentication };

// An EF of an application DF. `sfi` is set where the profile reads or names it by SFI.
struct EfRef {
  std::uint16_t fid = 0;
  std::optional<std::uint8_t> sfi;
};

// Everything that differs between the profiles. The handler has no per-profile code paths.
struct Profile {
  ProfileId id = ProfileId::jma;
  std::string_view name;  // the persona's and the manifest's spelling
  std::span<const std::uint8_t> signature_aid;
  std::span<const std::uint8_t> authentication_aid;
  bool partial_name_select = false;  // SELECT by a leading part of the DF name
  EfRef pin;                         // IEF: never readable
  EfRef key;                         // IEF: never readable; MSE's key reference is its FID
  EfRef certificate;                 // the end-entity certificate, readable without a PIN
  std::optional<EfRef> trust_point;  // the self-signed root
  std::optional<EfRef> ca_certificate;
  std::optional<EfRef> cia_info;          // ISO 7816-15 EF.CIAInfo
  std::optional<EfRef> object_directory;  // ISO 7816-15 EF.OD
  // 0: certificate EFs are exactly as long as their certificate; else the EF size, the rest
  // filled with FF (a host must take the length from the DER header).
  std::size_t certificate_ef_size = 0;
  std::uint8_t verify_p2 = 0;         // VERIFY's reference for the application's PIN
  bool verify_current_ef = false;     // VERIFY P2 80 with the PIN IEF current works too
  std::uint8_t mse_key_tag = 0;       // the DST's key-reference tag of MSE SET
  std::uint16_t blocked_sw = 0x6984;  // VERIFY with data once the counter is 0
};

const Profile& profile(ProfileId id) noexcept;
std::optional<ProfileId> profile_from_name(std::string_view name) noexcept;
std::string_view application_name(Application app) noexcept;  // "signature", "authentication"
// The AID of `app` under `profile`.
std::span<const std::uint8_t> aid(const Profile& profile, Application app) noexcept;

// §2.3 (MEDIS): "HPKI ICカードのパスワード誤りは連続15回でロックします".
inline constexpr std::uint8_t kPinTries = 15;
// §2.1 AOD: minLength 4, maxLength 16, ASCII.
inline constexpr std::size_t kPinMinLength = 4;
inline constexpr std::size_t kPinMaxLength = 16;
// RSA-2048 (§2.1 "Keys"); the PSO takes exactly one modulus-sized block.
inline constexpr int kKeyBits = 2048;
inline constexpr std::size_t kSignatureBlockSize = 256;
// §2.1 p.65: the CIAInfo label.
inline constexpr std::string_view kCiaLabel = "HPKI Application";

// One application of a persona's card. Its certificates live in the DF's EFs.
struct ApplicationPersona {
  jpki::PinSpec pin;              // own counter per application
  std::shared_ptr<EVP_PKEY> key;  // RSA-2048, matching the certificate
};

struct HpkiPersona {
  ProfileId profile = ProfileId::jma;
  std::optional<ApplicationPersona> signature;
  std::optional<ApplicationPersona> authentication;
};

}  // namespace onshi::sim::hpki
