// The two HPKI profiles as data. Sources: cards-and-readers.md §2.1 (JAHIS guideline example)
// and §2.2 (the JMA card as [miyako] drives it); what neither gives is marked invented.
#include <array>

#include "onshi/sim/hpki.hpp"

namespace onshi::sim::hpki {
namespace {

// §2.2: the JMA card's AIDs, RID E8 28 BD 08 0F + an 11-byte PIX.
constexpr std::array<std::uint8_t, 16> kJmaSignatureAid = {
    0xE8, 0x28, 0xBD, 0x08, 0x0F, 0xA0, 0x00, 0x00, 0x03, 0x91, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01};
constexpr std::array<std::uint8_t, 16> kJmaAuthenticationAid = {
    0xE8, 0x28, 0xBD, 0x08, 0x0F, 0xA0, 0x00, 0x00, 0x03, 0x91, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02};

// §2.1: RID E8 28 BD 08 0F + a PIX "各HPKI認証局が定める". The guideline names none, so these
// PIXes are INVENTED by onshi: ASCII "ONSHI" + 00 01 (signature) / 00 02 (authentication).
constexpr std::array<std::uint8_t, 12> kJahisSignatureAid = {0xE8, 0x28, 0xBD, 0x08, 0x0F, 0x4F,
                                                             0x4E, 0x53, 0x48, 0x49, 0x00, 0x01};
constexpr std::array<std::uint8_t, 12> kJahisAuthenticationAid = {
    0xE8, 0x28, 0xBD, 0x08, 0x0F, 0x4F, 0x4E, 0x53, 0x48, 0x49, 0x00, 0x02};

// The JMA card's certificate EF size is not public; 2048 leaves room for a ~1.4 kB certificate
// (certificate-profiles.md §2.1: 1,414 bytes) and makes the host read the DER length first,
// as [miyako] does (§2.2 "4-byte length probe").
constexpr std::size_t kJmaCertificateEfSize = 2048;

constexpr Profile kJma{
    .id = ProfileId::jma,
    .name = "jma",
    .signature_aid = kJmaSignatureAid,
    .authentication_aid = kJmaAuthenticationAid,
    .partial_name_select = false,           // §2.2 selects by the full 16-byte AID only
    .pin = {0x0002, std::nullopt},          // §2.2 PIN EF
    .key = {0x000C, std::nullopt},          // §2.2 key EF, MSE `84 02 00 0C`
    .certificate = {0x0016, std::nullopt},  // §2.2 certificate EF
    .trust_point = std::nullopt,            // §2.2 names no other EFs
    .ca_certificate = std::nullopt,
    .cia_info = std::nullopt,
    .object_directory = std::nullopt,
    .certificate_ef_size = kJmaCertificateEfSize,
    .verify_p2 = 0x88,  // §2.2 VERIFY `00 20 00 88`
    .verify_current_ef = false,
    .mse_key_tag = 0x84,   // §2.2 "tag 84 = key reference"
    .blocked_sw = 0x6984,  // §2.1 VERIFY: 6984 "IEF blocked"
};

// Table B.1 (§2.1) gives SFIs; its EF IDs are "—" except EF.CIAInfo 5032 and EF.OD 5031, and
// C.5's MSE names the key IEF 0017. The other FIDs follow that pattern, FID = 00 ‖ SFI: an
// onshi choice, so that SELECT by FID (and VERIFY P2 80 on the PIN IEF) can work.
constexpr Profile kJahis{
    .id = ProfileId::jahis,
    .name = "jahis",
    .signature_aid = kJahisSignatureAid,
    .authentication_aid = kJahisAuthenticationAid,
    .partial_name_select = true,  // §2.1 "Partial-name select must be supported"
    .pin = {0x0016, 0x16},
    .key = {0x0017, 0x17},
    .certificate = {0x0018, 0x18},
    .trust_point = EfRef{0x0019, 0x19},
    .ca_certificate = EfRef{0x001A, 0x1A},
    .cia_info = EfRef{0x5032, 0x12},
    .object_directory = EfRef{0x5031, 0x11},
    .certificate_ef_size = 0,   // §2.1: `00 B0 98 00 00 00 00` reads the certificate whole
    .verify_p2 = 0x96,          // §2.1 VERIFY P2 = 100x xxxx with SFI 16
    .verify_current_ef = true,  // §2.1 "or P2=80 for the current EF"
    .mse_key_tag = 0x81,        // §2.1 C.5 `00 22 41 B6 04 81 02 00 17`
    .blocked_sw = 0x6983,       // §2.1 VERIFY: 6983 "auth method not accepted" (blocked)
};

}  // namespace

const Profile& profile(ProfileId id) noexcept { return id == ProfileId::jahis ? kJahis : kJma; }

std::optional<ProfileId> profile_from_name(std::string_view name) noexcept {
  for (const Profile* p : {&kJma, &kJahis}) {
    if (p->name == name) return p->id;
  }
  return std::nullopt;
}

std::string_view application_name(Application app) noexcept {
  return app == Application::signature ? "signature" : "authentication";
}

std::span<const std::uint8_t> aid(const Profile& profile, Application app) noexcept {
  return app == Application::signature ? profile.signature_aid : profile.authentication_aid;
}

}  // namespace onshi::sim::hpki
