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
  bool non_repudiation = false;             // keyUsage has nonRepudiation
};
Result<HolderCertificate> holder_certificate(ByteView der);

// A signature certificate must carry nonRepudiation (§2.1, §2.4): Errc::card_data_invalid if not.
Status check_signature_certificate(const HolderCertificate& certificate);

}  // namespace onshi::pcsc::hpki
