// What an HPKI certificate says about its holder (certificate-profiles.md §2): name, issuer,
// validity and the hcRole ("Medical Doctor"), which sits inside subjectDirectoryAttributes
// (2.5.29.9) as an ISO 17090 HCActor — not in an extension of its own. Untrusted card bytes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "onshi/bytes.hpp"
#include "onshi/pcsc/certificate_info.hpp"
#include "onshi/result.hpp"

namespace onshi::pcsc::hpki {

// certificate-profiles.md §2.2
inline constexpr const char* kOidHealthcareActor = "1.0.17090.0.1";  // id-hcpki-at-healthcareactor
inline constexpr const char* kOidJhpkiCodedData = "1.2.392.100495.1.6.1.1";  // JP hcRole code table

// The roles (codeDataFreeText) of every HCActor whose codingSchemeReference is the JP table, from
// the DER value of subjectDirectoryAttributes. Malformed DER, a wrong nesting or a non-UTF8String
// role: Errc::card_data_invalid naming what is wrong. Other attributes are skipped.
Result<std::vector<std::string>> parse_hc_roles(ByteView subject_directory_attributes);

struct HolderCertificate {
  CertificateInfo info;
  std::string holder;                       // subject CN (romaji on MEDIS certificates)
  std::optional<std::string> holder_kanji;  // CN of the subjectAltName directoryName
  std::vector<std::string> roles;           // hcRole, e.g. "Medical Doctor"
  std::optional<std::string> roles_error;   // set when subjectDirectoryAttributes is unreadable
  bool non_repudiation = false;             // keyUsage has nonRepudiation
};
// Fails only when the certificate itself is unreadable: an hcRole that cannot be parsed leaves
// `roles` empty and says why in `roles_error` (nonRepudiation is decided all the same).
// The chain to the HPKI CA is not checked here: the verifier of a signature (the e-prescription
// service, the agent's signing issue) validates it against the HPKI trust anchors.
Result<HolderCertificate> holder_certificate(ByteView der);

// A signature certificate must carry nonRepudiation (§2.1, §2.4): Errc::card_data_invalid if not.
Status check_signature_certificate(const HolderCertificate& certificate);

}  // namespace onshi::pcsc::hpki
