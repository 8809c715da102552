// Shared by the JPKI emulator tests: the generated test PKI, cards made from its personas, APDU
// builders and OpenSSL checks.
#pragma once

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "onshi/sim/card.hpp"
#include "onshi/sim/jpki.hpp"
#include "onshi/sim/jpki_test_pki.hpp"
#include "onshi/sim/ossl.hpp"
#include "shared_generated_set.hpp"
#include "test_support.hpp"

namespace onshi::sim::testing {

inline constexpr std::string_view kSelectJpki = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
inline constexpr std::string_view kSelectKenmen = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08";
inline constexpr std::string_view kSha256DigestInfoPrefix =
    "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20";  // cards-and-readers.md §1.5

// One generated persona set shared by every test process of the same test binary on the same
// JST day (shared_generated_set.hpp). Files a test writes go to scratch(), which is per process.
class GeneratedPki {
 public:
  static const GeneratedPki& get() {
    static const GeneratedPki pki;
    return pki;
  }
  ~GeneratedPki() {
    std::error_code ec;
    std::filesystem::remove_all(scratch_, ec);
  }
  const std::filesystem::path& dir() const { return dir_; }
  const std::filesystem::path& scratch() const { return scratch_; }
  const testpki::Generated& generated() const { return generated_; }
  const testpki::GeneratedPersona& card() const { return persona(testpki::kCardPersona); }
  const testpki::GeneratedPersona& phone() const { return persona(testpki::kSmartphonePersona); }
  const testpki::GeneratedPersona& persona(std::string_view name) const {
    static const testpki::GeneratedPersona missing{};
    const auto* found = generated_.find(name);
    if (found == nullptr) ADD_FAILURE() << "no generated persona " << name;
    return found != nullptr ? *found : missing;
  }
  // The default holder behind a generated persona (its My Number, 券面 data, insurance).
  static testpki::Holder holder(std::string_view name) {
    for (auto& h : testpki::default_holders()) {
      if (h.persona == name) return h;
    }
    ADD_FAILURE() << "no default holder " << name;
    return {};
  }

 private:
  GeneratedPki() {
    namespace fs = std::filesystem;
    std::error_code ec;
    scratch_ = fs::temp_directory_path() / ("onshi-jpki-scratch-" + std::to_string(::getpid()));
    fs::create_directories(scratch_, ec);
    dir_ = shared_generated_set(
        "onshi-jpki-test", "manifest.json", [](const fs::path& into) -> Status {
          auto made = testpki::generate_jpki_personas(into, testpki::today_jst());
          if (!made) return Unexpected{std::move(made).error()};
          return {};
        });
    auto loaded = testpki::load_generated_personas(dir_);
    if (!loaded) {
      ADD_FAILURE() << loaded.error().to_string();
      return;
    }
    generated_ = std::move(*loaded);
  }

  std::filesystem::path dir_;
  std::filesystem::path scratch_;
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

// A powered card of a generated persona with the 券面事項入力補助AP selected.
inline Card kenmen_card(std::string_view persona = testpki::kCardPersona) {
  Card card(generated_persona(GeneratedPki::get().persona(persona)));
  card.power_on();
  EXPECT_EQ(send(card, kSelectKenmen).sw, 0x9000);
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

// The SHA-256 DigestInfo of `message` (cards-and-readers.md §1.5).
inline Bytes digest_info(std::string_view message) {
  Bytes out = hex(kSha256DigestInfoPrefix);
  Bytes digest(SHA256_DIGEST_LENGTH);
  SHA256(reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest.data());
  out.insert(out.end(), digest.begin(), digest.end());
  return out;
}

// 80 2A P1 P2 Lc <data> 00 (§1.5); `data` 1..255 bytes.
inline Bytes sign_apdu(std::uint8_t p1, std::uint8_t p2, const Bytes& data) {
  CommandApdu command;
  command.cla = 0x80;
  command.ins = 0x2A;
  command.p1 = p1;
  command.p2 = p2;
  command.data = data;
  command.ne = 256;  // Le 00
  command.apdu_case = ApduCase::case4s;
  auto encoded = encode_command_apdu(command);
  EXPECT_TRUE(encoded.has_value());
  return encoded.value_or(Bytes{});
}

inline ByteView text_view(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// Verifies an RSA PKCS#1 v1.5 SHA-256 signature of `message` with a public key.
inline bool verifies_with(EVP_PKEY* key, ByteView message, ByteView signature) {
  const ossl::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), signature.data(), signature.size(), message.data(),
                          message.size()) == 1;
}

// Verifies an RSA PKCS#1 v1.5 SHA-256 signature of `message` with the certificate's key.
inline bool verifies(X509* cert, ByteView message, ByteView signature) {
  return verifies_with(X509_get0_pubkey(cert), message, signature);
}

}  // namespace onshi::sim::testing
