// Shared by the JPKI emulator tests: one generated test PKI per test process (ctest runs each
// case in its own process), cards made from its personas, and OpenSSL checks.
#pragma once

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "onshi/sim/card.hpp"
#include "onshi/sim/jpki.hpp"
#include "onshi/sim/jpki_test_pki.hpp"
#include "onshi/sim/ossl.hpp"
#include "test_support.hpp"

namespace onshi::sim::testing {

inline constexpr std::string_view kSelectJpki = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
inline constexpr std::string_view kSha256DigestInfoPrefix =
    "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20";  // cards-and-readers.md §1.5

class GeneratedPki {
 public:
  static const GeneratedPki& get() {
    static const GeneratedPki pki;
    return pki;
  }
  ~GeneratedPki() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::filesystem::path& dir() const { return dir_; }
  const testpki::Generated& generated() const { return generated_; }
  const testpki::GeneratedPersona& card() const { return generated_.personas.at(0); }
  const testpki::GeneratedPersona& phone() const { return generated_.personas.at(1); }

 private:
  GeneratedPki()
      : dir_(std::filesystem::temp_directory_path() /
             ("onshi-jpki-test-" + std::to_string(::getpid()))) {
    auto made = testpki::generate_jpki_personas(dir_, testpki::today_jst());
    if (!made) {
      ADD_FAILURE() << made.error().to_string();
      return;
    }
    generated_ = std::move(*made);
  }
  std::filesystem::path dir_;
  testpki::Generated generated_;
};

inline Persona generated_persona(const testpki::GeneratedPersona& which) {
  auto persona = load_persona_file(which.persona_file);
  if (!persona) ADD_FAILURE() << persona.error().to_string();
  return std::move(persona).value();
}

// A powered card of the physical-card persona with the JPKI AP selected.
inline Card jpki_card(const testpki::GeneratedPersona& which = GeneratedPki::get().card()) {
  Card card(generated_persona(which));
  card.power_on();
  EXPECT_EQ(send(card, kSelectJpki).sw, 0x9000);
  return card;
}

inline ossl::X509Ptr read_pem_cert(const std::filesystem::path& file) {
  ossl::BioPtr bio(BIO_new_file(file.c_str(), "rb"));
  if (!bio) return nullptr;
  return ossl::X509Ptr(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
}

inline Bytes der_of(X509* cert) {
  auto der = ossl::to_der(cert);
  EXPECT_TRUE(der.has_value());
  return der.value_or(Bytes{});
}

// "00 20 00 80 04 31 32 33 34"-style VERIFY with an ASCII PIN.
inline Bytes verify_apdu(std::uint8_t p2, std::string_view pin) {
  Bytes apdu = {0x00, 0x20, 0x00, p2};
  if (!pin.empty()) {
    apdu.push_back(static_cast<std::uint8_t>(pin.size()));
    apdu.insert(apdu.end(), pin.begin(), pin.end());
  }
  return apdu;
}

inline Answer transmit(Card& card, const Bytes& apdu) { return split(card.process(apdu)); }

// Verifies an RSA PKCS#1 v1.5 SHA-256 signature of `message` with the certificate's key.
inline bool verifies(X509* cert, ByteView message, ByteView signature) {
  const ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr,
                                   X509_get0_pubkey(cert)) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

}  // namespace onshi::sim::testing
