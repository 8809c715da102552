#include "onshi/pcsc/card_crypto.hpp"

#include "ossl_ptr.hpp"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>
#include <memory>

namespace onshi::pcsc {
namespace {

using ossl::Pkey;

// cards-and-readers.md §1.5 "DigestInfo prefixes".
constexpr std::array<std::uint8_t, 19> kSha256Prefix{0x30, 0x31, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                                     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                     0x01, 0x05, 0x00, 0x04, 0x20};
constexpr std::array<std::uint8_t, 19> kSha384Prefix{0x30, 0x41, 0x30, 0x0D, 0x06, 0x09, 0x60,
                                                     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                                     0x02, 0x05, 0x00, 0x04, 0x30};

const EVP_MD* md(HashAlgorithm a) {
  return a == HashAlgorithm::sha256 ? EVP_sha256() : EVP_sha384();
}

Result<X509*> parse_certificate(ByteView der) {
  const unsigned char* p = der.data();
  X509* cert = d2i_X509(nullptr, &p, static_cast<long>(der.size()));
  if (cert == nullptr) return fail(Errc::card_data_invalid, "not a DER X.509 certificate");
  if (p != der.data() + der.size()) {
    X509_free(cert);
    return fail(Errc::card_data_invalid,
                fmt::format("{} bytes follow the certificate", der.data() + der.size() - p));
  }
  return cert;
}

Result<KeyInfo> describe(EVP_PKEY* key) {
  KeyInfo info;
  const int id = EVP_PKEY_get_base_id(key);
  if (id == EVP_PKEY_RSA) {
    info.kind = KeyInfo::Kind::rsa;
    info.bits = EVP_PKEY_get_bits(key);
    if (info.bits < 2048)
      return fail(Errc::not_supported, fmt::format("RSA key of {} bits (< 2048)", info.bits));
    return info;
  }
  if (id == EVP_PKEY_EC) {
    char group[64] = {};
    size_t len = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &len) != 1) {
      return fail(Errc::card_data_invalid, "EC key without a named curve");
    }
    if (std::string_view(group) != SN_secp384r1) {
      return fail(Errc::not_supported,
                  fmt::format("EC key on curve {} (only P-384 is known)", group));
    }
    info.kind = KeyInfo::Kind::ec_p384;
    info.bits = 384;
    return info;
  }
  return fail(Errc::not_supported,
              fmt::format("public key type {} is not RSA or EC", OBJ_nid2sn(id)));
}

Result<Pkey> key_of_certificate(ByteView der) {
  ONSHI_TRY_ASSIGN(X509 * raw, parse_certificate(der));
  ossl::X509Ptr cert(raw);
  Pkey key(X509_get_pubkey(cert.get()));
  if (!key) return fail(Errc::card_data_invalid, "the certificate's public key cannot be decoded");
  return key;
}

Result<Pkey> key_of_spki(ByteView der) {
  const unsigned char* p = der.data();
  Pkey key(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!key || p != der.data() + der.size()) {
    return fail(Errc::card_data_invalid, "not a DER SubjectPublicKeyInfo");
  }
  return key;
}

Status verify_with(EVP_PKEY* key, HashAlgorithm algorithm, ByteView message, ByteView signature) {
  ONSHI_TRY_ASSIGN(const KeyInfo info, describe(key));
  Bytes sig(signature.begin(), signature.end());
  if (info.kind == KeyInfo::Kind::ec_p384 && signature.size() == 96) {
    ONSHI_TRY_ASSIGN(sig, ecdsa_raw_to_der(signature));
  }
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md(algorithm), nullptr, key) != 1) {
    return fail(Errc::internal, "EVP_DigestVerifyInit failed");
  }
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), message.data(), message.size()) != 1) {
    return fail(
        Errc::card_data_invalid,
        fmt::format("the {} signature does not verify with the {} key", info.name(), info.name()));
  }
  return {};
}

}  // namespace

std::string KeyInfo::name() const {
  return kind == Kind::rsa ? fmt::format("RSA-{}", bits) : std::string("ECDSA P-384");
}

Bytes hash(HashAlgorithm algorithm, ByteView data) {
  Bytes out(static_cast<std::size_t>(EVP_MD_get_size(md(algorithm))));
  unsigned int n = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &n, md(algorithm), nullptr);
  out.resize(n);
  return out;
}

Result<Bytes> digest_info(HashAlgorithm algorithm, ByteView hash_value) {
  const auto& prefix = algorithm == HashAlgorithm::sha256 ? kSha256Prefix : kSha384Prefix;
  const std::size_t want = algorithm == HashAlgorithm::sha256 ? 32 : 48;
  if (hash_value.size() != want) {
    return fail(Errc::invalid_argument,
                fmt::format("hash of {} bytes, expected {}", hash_value.size(), want));
  }
  Bytes out(prefix.begin(), prefix.end());
  out.insert(out.end(), hash_value.begin(), hash_value.end());
  return out;
}

Result<KeyInfo> certificate_key(ByteView certificate_der) {
  ONSHI_TRY_ASSIGN(Pkey key, key_of_certificate(certificate_der));
  return describe(key.get());
}

Result<KeyInfo> public_key_info(ByteView spki_der) {
  ONSHI_TRY_ASSIGN(Pkey key, key_of_spki(spki_der));
  return describe(key.get());
}

Result<Bytes> certificate_spki(ByteView certificate_der) {
  ONSHI_TRY_ASSIGN(Pkey key, key_of_certificate(certificate_der));
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(key.get(), &der);
  if (n <= 0) return fail(Errc::internal, "i2d_PUBKEY failed");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Result<Bytes> ecdsa_raw_to_der(ByteView raw) {
  if (raw.empty() || raw.size() % 2 != 0 || raw.size() > 132) {
    return fail(Errc::card_data_invalid, fmt::format("an r||s signature of {} bytes", raw.size()));
  }
  const int half = static_cast<int>(raw.size() / 2);
  ossl::EcdsaSig sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(raw.data(), half, nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, half, nullptr);
  if (!sig || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return fail(Errc::internal, "ECDSA_SIG_set0 failed");
  }
  unsigned char* der = nullptr;
  const int n = i2d_ECDSA_SIG(sig.get(), &der);
  if (n <= 0) return fail(Errc::internal, "i2d_ECDSA_SIG failed");
  Bytes out(der, der + n);
  OPENSSL_free(der);
  return out;
}

Status verify_signature(ByteView certificate_der, HashAlgorithm algorithm, ByteView message,
                        ByteView signature) {
  ONSHI_TRY_ASSIGN(Pkey key, key_of_certificate(certificate_der));
  return verify_with(key.get(), algorithm, message, signature);
}

Status verify_signature_prehashed(ByteView certificate_der, HashAlgorithm algorithm,
                                  ByteView hash_value, ByteView signature) {
  ONSHI_TRY_ASSIGN(Pkey key, key_of_certificate(certificate_der));
  ONSHI_TRY_ASSIGN(const KeyInfo info, describe(key.get()));
  Bytes sig(signature.begin(), signature.end());
  if (info.kind == KeyInfo::Kind::ec_p384 && signature.size() == 96) {
    ONSHI_TRY_ASSIGN(sig, ecdsa_raw_to_der(signature));
  }
  std::unique_ptr<EVP_PKEY_CTX, ossl::Deleter<EVP_PKEY_CTX_free>> ctx(
      EVP_PKEY_CTX_new(key.get(), nullptr));
  if (!ctx || EVP_PKEY_verify_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_signature_md(ctx.get(), md(algorithm)) != 1) {
    return fail(Errc::internal, "EVP_PKEY_verify_init failed");
  }
  if (info.kind == KeyInfo::Kind::rsa) EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING);
  if (EVP_PKEY_verify(ctx.get(), sig.data(), sig.size(), hash_value.data(), hash_value.size()) !=
      1) {
    ERR_clear_error();
    return fail(
        Errc::card_data_invalid,
        fmt::format("the {} signature does not verify with the certificate's key", info.name()));
  }
  return {};
}

Status verify_signature_spki(ByteView spki_der, HashAlgorithm algorithm, ByteView message,
                             ByteView signature) {
  ONSHI_TRY_ASSIGN(Pkey key, key_of_spki(spki_der));
  return verify_with(key.get(), algorithm, message, signature);
}

}  // namespace onshi::pcsc
