// hcRole inside subjectDirectoryAttributes (certificate-profiles.md §2.2), DER-encoded by hand:
// OpenSSL has no template for ISO 17090's HCActorData.
#include <openssl/objects.h>

#include "onshi/sim/hpki_test_pki.hpp"
#include "onshi/sim/ossl.hpp"

namespace onshi::sim::testpki {
namespace {

constexpr std::uint8_t kSequence = 0x30;
constexpr std::uint8_t kSet = 0x31;
constexpr std::uint8_t kUtf8String = 0x0C;
constexpr std::uint8_t kContext0 = 0xA0;  // [0], constructed (explicit)
constexpr std::uint8_t kContext2 = 0xA2;  // [2], constructed (explicit)
constexpr std::size_t kShortLengthLimit = 0x80;

// A DER TLV: short-form length below 128, else 81 / 82 / ... and the big-endian length.
Bytes tlv(std::uint8_t tag, ByteView content) {
  Bytes out{tag};
  const std::size_t n = content.size();
  if (n < kShortLengthLimit) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    Bytes length;
    for (std::size_t v = n; v != 0; v >>= 8) {
      length.insert(length.begin(), static_cast<std::uint8_t>(v & 0xFF));
    }
    out.push_back(static_cast<std::uint8_t>(0x80 | length.size()));
    out.insert(out.end(), length.begin(), length.end());
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

Bytes concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// The DER of an OBJECT IDENTIFIER (tag 06 included).
Result<Bytes> oid_der(const char* dotted) {
  std::unique_ptr<ASN1_OBJECT, ossl::Deleter<ASN1_OBJECT_free>> oid(OBJ_txt2obj(dotted, 1));
  if (!oid) return ossl::error(std::string("OID ") + dotted);
  unsigned char* out = nullptr;
  const int n = i2d_ASN1_OBJECT(oid.get(), &out);
  if (n <= 0) return ossl::error(std::string("OID ") + dotted);
  Bytes der(out, out + n);
  OPENSSL_free(out);
  return der;
}

}  // namespace

Result<Bytes> hc_role_extension_value(std::string_view role) {
  if (role.empty()) return fail(Errc::invalid_argument, "an hcRole needs a role name");
  ONSHI_TRY_ASSIGN(const Bytes actor_type, oid_der(kHcActorOid));
  ONSHI_TRY_ASSIGN(const Bytes scheme, oid_der(kHcRoleSchemeOid));
  const Bytes text = tlv(kUtf8String, Bytes(role.begin(), role.end()));
  // CodedData ::= SET { [0] codingSchemeReference, [2] codeDataFreeText } (DER: [0] before [2])
  const Bytes coded_data = tlv(kSet, concat(tlv(kContext0, scheme), tlv(kContext2, text)));
  const Bytes hc_actor = tlv(kSequence, tlv(kContext0, coded_data));  // HCActor { codedData }
  const Bytes actor_data = tlv(kSet, hc_actor);                       // HCActorData
  const Bytes values = tlv(kSet, actor_data);                         // the attribute's values
  const Bytes attribute = tlv(kSequence, concat(actor_type, values));
  return tlv(kSequence, attribute);  // SubjectDirectoryAttributes ::= SEQUENCE OF Attribute
}

}  // namespace onshi::sim::testpki
