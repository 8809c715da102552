#include "card_verifier.hpp"

#include <fmt/format.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "onshi/pcsc/card_crypto.hpp"
#include "onshi/pcsc/card_present_proof.hpp"

namespace onshi::sim::eligsim {
namespace {

template <typename T, void (*F)(T*)>
struct Free {
  void operator()(T* p) const { F(p); }
};
using X509Ptr = std::unique_ptr<X509, Free<X509, X509_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Free<X509_STORE_CTX, X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, decltype(&BIO_free)>;

Problem problem(std::string code, std::string message) {
  return Problem{false, std::move(code), std::move(message)};
}

ByteView view(const std::string& s) {
  return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
}

std::string sha256_hex(const std::string& der) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(der.data(), der.size(), digest, &length, EVP_sha256(), nullptr);
  return to_hex(ByteView(digest, length));
}

}  // namespace

Result<CardVerifier> CardVerifier::load(const std::filesystem::path& jpki_auth_ca,
                                        const PersonaManifest& manifest) {
  std::ifstream in(jpki_auth_ca, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in) {
    return fail(Errc::config_not_found,
                fmt::format("{}: cannot be read (--personas needs jpki-auth-ca.pem)",
                            jpki_auth_ca.string()));
  }
  const std::string pem = text.str();
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), &X509_STORE_free);
  BioPtr bio(BIO_new_mem_buf(pem.data(), int(pem.size())), &BIO_free);
  if (!store || !bio) return fail(Errc::internal, "out of memory");
  int added = 0;
  while (X509* ca = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    if (X509_STORE_add_cert(store.get(), ca) == 1) ++added;
    X509_free(ca);
  }
  ERR_clear_error();  // the loop ends on "no start line"
  if (added == 0) {
    return fail(Errc::config_invalid,
                fmt::format("{}: no PEM certificate in it", jpki_auth_ca.string()));
  }
  CardVerifier v;
  v.store_ = std::move(store);
  v.manifest_ = &manifest;
  return v;
}

std::variant<const ManifestCard*, Problem> CardVerifier::check(const VerifyRequest& request,
                                                               ByteView challenge) const {
  // Whatever fails below leaves reasons on this thread's OpenSSL queue, which the TLS connections
  // share: clear it on every way out.
  struct ClearErrors {
    ~ClearErrors() { ERR_clear_error(); }
  } clear_errors;
  const auto* p = reinterpret_cast<const unsigned char*>(request.certificate_der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, long(request.certificate_der.size())));
  if (!cert || p != reinterpret_cast<const unsigned char*>(request.certificate_der.data()) +
                        request.certificate_der.size()) {
    return problem("SIM2102", "UserAuthenticationCertificate: not one DER certificate");
  }
  // The chain: the JPKI test CA, valid now.
  StoreCtxPtr ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store_.get(), cert.get(), nullptr) != 1) {
    return problem("SIM2102", "UserAuthenticationCertificate: cannot be checked");
  }
  if (X509_verify_cert(ctx.get()) != 1) {
    return problem(
        "SIM2102",
        fmt::format("UserAuthenticationCertificate: {} (利用者証明用電子証明書が無効です)",
                    X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()))));
  }
  const std::string fingerprint = sha256_hex(request.certificate_der);
  const ManifestCard* card = manifest_->find_by_auth_cert(fingerprint);
  if (card == nullptr) {
    return problem("SIM2105",
                   "the certificate is valid but belongs to no registered person "
                   "(利用登録されていません)");
  }
  const bool pin = request.mode == xmlmsg::VerificationMode::pin;
  if (pin) {
    if (card->pin_less) {
      return problem("SIM2106", "a PIN-less card (暗証番号設定不要) cannot be verified by PIN");
    }
    // What the card's JPKI AP signs after VERIFY (pcsc/jpki_pin_sign.hpp): RSA PKCS#1 v1.5 over
    // SHA-256, or, on the invented EC P-384 card, ECDSA over SHA-384 as r‖s.
    const auto key = pcsc::certificate_key(view(request.certificate_der));
    const auto hash = key && key->kind == pcsc::KeyInfo::Kind::ec_p384
                          ? pcsc::HashAlgorithm::sha384
                          : pcsc::HashAlgorithm::sha256;
    if (!key || !pcsc::verify_signature(view(request.certificate_der), hash, challenge,
                                        view(request.proof))) {
      return problem("SIM2103", "Proof: not the certificate key's signature over this challenge");
    }
    return card;
  }
  if (!card->card_present_public_key) {
    return problem("SIM2106", "a smartphone certificate has no card-present key: use PIN mode");
  }
  if (request.mode == xmlmsg::VerificationMode::face && request.face_match_result != "1") {
    return problem("SIM2104", "the face did not match (顔認証が一致しませんでした)");
  }
  const auto verified =
      pcsc::verify_card_present_proof(*card->card_present_public_key, challenge,
                                      view(request.certificate_der), view(request.proof));
  if (!verified) {
    return problem("SIM2103", "Proof: not this card's card-present proof over this challenge");
  }
  return card;
}

}  // namespace onshi::sim::eligsim
