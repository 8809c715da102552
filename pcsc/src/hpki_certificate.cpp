#include "onshi/pcsc/hpki_certificate.hpp"

#include <fmt/format.h>
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ossl_ptr.hpp"

namespace onshi::pcsc::hpki {
namespace {

struct Tlv {
  int tag = 0;
  int klass = 0;
  bool constructed = false;
  ByteView value;
  ByteView whole;
};

// One DER TLV at the start of `in` (OpenSSL's reader); `rest` gets what follows it.
Result<Tlv> next(ByteView& in, std::string_view where) {
  if (in.empty()) return fail(Errc::card_data_invalid, fmt::format("hcRole: {} missing", where));
  const unsigned char* p = in.data();
  long length = 0;
  Tlv t;
  const int ret = ASN1_get_object(&p, &length, &t.tag, &t.klass, static_cast<long>(in.size()));
  ERR_clear_error();
  const auto header = static_cast<std::size_t>(p - in.data());
  if ((ret & 0x80) != 0 || (ret & 0x01) != 0 || header == 0 || length < 0 ||
      static_cast<std::size_t>(length) > in.size() - header) {
    return fail(Errc::card_data_invalid, fmt::format("hcRole: malformed DER at {}", where));
  }
  t.constructed = (ret & V_ASN1_CONSTRUCTED) != 0;
  t.value = in.subspan(header, static_cast<std::size_t>(length));
  t.whole = in.first(header + static_cast<std::size_t>(length));
  in = in.subspan(header + static_cast<std::size_t>(length));
  return t;
}

Result<Tlv> expect(ByteView& in, int klass, int tag, bool constructed, std::string_view where) {
  ONSHI_TRY_ASSIGN(Tlv t, next(in, where));
  if (t.klass != klass || t.tag != tag || t.constructed != constructed) {
    return fail(Errc::card_data_invalid, fmt::format("hcRole: unexpected tag at {}", where));
  }
  return t;
}

Result<std::string> oid_text(const Tlv& t) {
  const unsigned char* p = t.whole.data();
  ASN1_OBJECT* obj = d2i_ASN1_OBJECT(nullptr, &p, static_cast<long>(t.whole.size()));
  if (obj == nullptr) {
    ERR_clear_error();
    return fail(Errc::card_data_invalid, "hcRole: malformed OBJECT IDENTIFIER");
  }
  char buf[128];
  const int n = OBJ_obj2txt(buf, sizeof buf, obj, 1);
  ASN1_OBJECT_free(obj);
  if (n <= 0 || n >= static_cast<int>(sizeof buf))
    return fail(Errc::card_data_invalid, "hcRole: OID too long");
  return std::string(buf, static_cast<std::size_t>(n));
}

// HCActor ::= SEQUENCE { [0] EXPLICIT CodedData ... } with CodedData ::= SET { [0] EXPLICIT OID,
// [1] codeDataValue OPTIONAL, [2] EXPLICIT DirectoryString }; §2.2 shows the bytes.
Result<std::optional<std::string>> role_of(ByteView actor_value) {
  ByteView in = actor_value;
  std::optional<std::string> role;
  while (!in.empty()) {
    ONSHI_TRY_ASSIGN(Tlv field, next(in, "HCActor"));
    if (field.klass != V_ASN1_CONTEXT_SPECIFIC || field.tag != 0) continue;  // other HCActor fields
    ByteView coded_outer = field.value;
    ONSHI_TRY_ASSIGN(Tlv coded,
                     expect(coded_outer, V_ASN1_UNIVERSAL, V_ASN1_SET, true, "CodedData"));
    ByteView items = coded.value;
    std::optional<std::string> scheme;
    std::optional<std::string> text;
    while (!items.empty()) {
      ONSHI_TRY_ASSIGN(Tlv item, next(items, "CodedData item"));
      if (item.klass != V_ASN1_CONTEXT_SPECIFIC) continue;
      ByteView inner = item.value;
      if (item.tag == 0) {
        ONSHI_TRY_ASSIGN(Tlv oid, expect(inner, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false,
                                         "codingSchemeReference"));
        ONSHI_TRY_ASSIGN(scheme, oid_text(oid));
      } else if (item.tag == 2) {
        ONSHI_TRY_ASSIGN(Tlv str, next(inner, "codeDataFreeText"));
        if (str.klass != V_ASN1_UNIVERSAL || str.constructed ||
            (str.tag != V_ASN1_UTF8STRING && str.tag != V_ASN1_PRINTABLESTRING)) {
          return fail(Errc::card_data_invalid, "hcRole: codeDataFreeText is not a UTF8String");
        }
        if (str.value.empty() || str.value.size() > 256)
          return fail(Errc::card_data_invalid, "hcRole: empty or oversized role");
        text = std::string(str.value.begin(), str.value.end());
      }
    }
    if (scheme && *scheme == kOidJhpkiCodedData && text) role = std::move(text);
  }
  return role;
}

}  // namespace

Result<std::vector<std::string>> parse_hc_roles(ByteView sda) {
  std::vector<std::string> roles;
  ByteView top = sda;
  ONSHI_TRY_ASSIGN(Tlv attributes, expect(top, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true,
                                          "subjectDirectoryAttributes"));
  if (!top.empty())
    return fail(Errc::card_data_invalid, "hcRole: bytes after subjectDirectoryAttributes");
  ByteView list = attributes.value;
  while (!list.empty()) {
    ONSHI_TRY_ASSIGN(Tlv attribute,
                     expect(list, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true, "Attribute"));
    ByteView fields = attribute.value;
    ONSHI_TRY_ASSIGN(Tlv type,
                     expect(fields, V_ASN1_UNIVERSAL, V_ASN1_OBJECT, false, "Attribute type"));
    ONSHI_TRY_ASSIGN(const std::string oid, oid_text(type));
    ONSHI_TRY_ASSIGN(Tlv values,
                     expect(fields, V_ASN1_UNIVERSAL, V_ASN1_SET, true, "Attribute values"));
    if (oid != kOidHealthcareActor) continue;
    ByteView data = values.value;  // SET OF HCActorData
    while (!data.empty()) {
      ONSHI_TRY_ASSIGN(Tlv actor_data,
                       expect(data, V_ASN1_UNIVERSAL, V_ASN1_SET, true, "HCActorData"));
      ByteView actors = actor_data.value;  // SET OF HCActor
      while (!actors.empty()) {
        ONSHI_TRY_ASSIGN(Tlv actor,
                         expect(actors, V_ASN1_UNIVERSAL, V_ASN1_SEQUENCE, true, "HCActor"));
        ONSHI_TRY_ASSIGN(auto role, role_of(actor.value));
        if (role) roles.push_back(std::move(*role));
        if (roles.size() > 16) return fail(Errc::card_data_invalid, "hcRole: more than 16 roles");
      }
    }
  }
  return roles;
}

Result<HolderCertificate> holder_certificate(ByteView der) {
  HolderCertificate out;
  ONSHI_TRY_ASSIGN(out.info, certificate_info(der));
  const unsigned char* p = der.data();
  ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return fail(Errc::card_data_invalid, "the certificate is not valid DER X.509");

  auto cn_of = [](const X509_NAME* name) -> std::optional<std::string> {
    const int i = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
    if (i < 0) return std::nullopt;
    const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, i));
    unsigned char* utf8 = nullptr;
    const int n = ASN1_STRING_to_UTF8(&utf8, s);
    if (n < 0) return std::nullopt;
    std::string text(reinterpret_cast<char*>(utf8), static_cast<std::size_t>(n));
    OPENSSL_free(utf8);
    return text;
  };
  out.holder = cn_of(X509_get_subject_name(cert.get())).value_or("");
  if (auto* san = static_cast<GENERAL_NAMES*>(
          X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr))) {
    for (int i = 0; i < sk_GENERAL_NAME_num(san); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(san, i);
      if (g->type == GEN_DIRNAME) {
        out.holder_kanji = cn_of(g->d.directoryName);
        break;
      }
    }
    GENERAL_NAMES_free(san);
  }
  ERR_clear_error();
  const uint32_t ku = X509_get_key_usage(cert.get());
  out.non_repudiation = ku != UINT32_MAX && (ku & KU_NON_REPUDIATION) != 0;

  const int at = X509_get_ext_by_NID(cert.get(), NID_subject_directory_attributes, -1);
  if (at >= 0) {
    const ASN1_OCTET_STRING* value = X509_EXTENSION_get_data(X509_get_ext(cert.get(), at));
    ONSHI_TRY_ASSIGN(
        out.roles, parse_hc_roles(ByteView(value->data, static_cast<std::size_t>(value->length))));
  }
  return out;
}

Status check_signature_certificate(const HolderCertificate& certificate) {
  if (!certificate.non_repudiation) {
    return fail(Errc::card_data_invalid,
                fmt::format("the HPKI signature certificate of {} lacks nonRepudiation in "
                            "keyUsage; it must not be used for e-prescription signatures",
                            certificate.holder));
  }
  return {};
}

}  // namespace onshi::pcsc::hpki
