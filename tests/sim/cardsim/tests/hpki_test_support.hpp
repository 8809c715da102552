// Shared by the HPKI emulator tests: the generated HPKI persona set, cards made from it, the
// APDUs of cards-and-readers.md §2.1 / §2.2, and a host-side EMSA-PKCS1-v1_5 encoder (the card
// does not pad, §2.1 C.6.1, so the tests must).
#pragma once

#include <gtest/gtest.h>
#include <openssl/rsa.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jpki_test_support.hpp"
#include "onshi/sim/card.hpp"
#include "onshi/sim/hpki.hpp"
#include "onshi/sim/hpki_test_pki.hpp"
#include "shared_generated_set.hpp"

namespace onshi::sim::testing {

class GeneratedHpkiSet {
 public:
  static const GeneratedHpkiSet& get() {
    static const GeneratedHpkiSet set;
    return set;
  }
  const std::filesystem::path& dir() const { return dir_; }
  const testpki::GeneratedHpki& generated() const { return generated_; }
  const testpki::GeneratedHpkiPersona& persona(std::string_view name) const {
    static const testpki::GeneratedHpkiPersona missing{};
    const auto* found = generated_.find(name);
    if (found == nullptr) ADD_FAILURE() << "no generated HPKI persona " << name;
    return found != nullptr ? *found : missing;
  }

 private:
  GeneratedHpkiSet() {
    dir_ = shared_generated_set(
        "onshi-hpki-test", "hpki-manifest.json", [](const std::filesystem::path& into) -> Status {
          auto made = testpki::generate_hpki_personas(into, testpki::today_jst());
          if (!made) return Unexpected{std::move(made).error()};
          return {};
        });
    auto loaded = testpki::load_generated_hpki_personas(dir_);
    if (!loaded) {
      ADD_FAILURE() << loaded.error().to_string();
      return;
    }
    generated_ = std::move(*loaded);
  }

  std::filesystem::path dir_;
  testpki::GeneratedHpki generated_;
};

inline Persona hpki_persona(std::string_view name) {
  auto persona = load_persona_file(GeneratedHpkiSet::get().persona(name).persona_file);
  if (!persona) ADD_FAILURE() << persona.error().to_string();
  return std::move(persona).value();
}

// A powered card of a generated HPKI persona, nothing selected.
inline Card hpki_card(std::string_view name) {
  Card card(hpki_persona(name));
  card.power_on();
  return card;
}

inline Bytes aid_of(hpki::ProfileId profile, hpki::Application app) {
  const auto aid = hpki::aid(hpki::profile(profile), app);
  return Bytes(aid.begin(), aid.end());
}

// A command APDU in the encoding `apdu_case` names. Built by the encoder, not by growing a small
// vector: GCC 12 -O2 misreads such inserts (-Warray-bounds / -Wnull-dereference, as in 9194f15).
inline Bytes encode(std::uint8_t cla, std::uint8_t ins, std::uint8_t p1, std::uint8_t p2,
                    ByteView data, std::optional<std::uint32_t> ne, ApduCase apdu_case) {
  CommandApdu command;
  command.cla = cla;
  command.ins = ins;
  command.p1 = p1;
  command.p2 = p2;
  command.data.assign(data.begin(), data.end());
  command.ne = ne;
  command.apdu_case = apdu_case;
  auto encoded = encode_command_apdu(command);
  EXPECT_TRUE(encoded.has_value());
  return encoded.value_or(Bytes{});
}

// SELECT by DF name `00 A4 04 P2 Lc <name> [00]`: P2 00 with Le 00 (FCI), P2 0C without Le.
inline Bytes select_name_apdu(ByteView name, std::uint8_t p2 = 0x00) {
  if (p2 == 0x00) return encode(0x00, 0xA4, 0x04, p2, name, 256, ApduCase::case4s);
  return encode(0x00, 0xA4, 0x04, p2, name, std::nullopt, ApduCase::case3s);
}

// `6F L 84 L <DF name>` (§2.1 A.3.1).
inline Bytes name_only_fci(ByteView name) {
  Bytes fci(name.size() + 4);
  fci[0] = 0x6F;
  fci[1] = static_cast<std::uint8_t>(name.size() + 2);
  fci[2] = 0x84;
  fci[3] = static_cast<std::uint8_t>(name.size());
  std::copy(name.begin(), name.end(), fci.begin() + 4);
  return fci;
}

// EMSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §9.2): 00 01 FF..FF 00 DigestInfo, 256 bytes. What
// the host sends, the card not padding (§2.1 C.6.1, §2.2 step 6).
inline Bytes pkcs1_block(std::string_view message) {
  const Bytes info = digest_info(message);
  Bytes block(hpki::kSignatureBlockSize, 0xFF);
  block[0] = 0x00;
  block[1] = 0x01;
  const std::size_t start = block.size() - info.size();
  block[start - 1] = 0x00;
  std::copy(info.begin(), info.end(), block.begin() + static_cast<std::ptrdiff_t>(start));
  return block;
}

// PSO COMPUTE DIGITAL SIGNATURE with extended Lc / Le: `00 2A 9E 9A 00 01 00 <256> 00 00`.
inline Bytes pso_extended(const Bytes& block) {
  return encode(0x00, 0x2A, 0x9E, 0x9A, block, 65536, ApduCase::case4e);
}

// The same PSO by command chaining, split into `parts` short APDUs: CLA 10 on all but the
// last, which carries CLA 00 and Le 00.
inline std::vector<Bytes> pso_chained(const Bytes& block, std::size_t parts) {
  std::vector<Bytes> apdus;
  const std::size_t size = (block.size() + parts - 1) / parts;
  for (std::size_t offset = 0; offset < block.size(); offset += size) {
    const std::size_t n = std::min(size, block.size() - offset);
    const ByteView part = ByteView(block).subspan(offset, n);
    if (offset + n == block.size()) {
      apdus.push_back(encode(0x00, 0x2A, 0x9E, 0x9A, part, 256, ApduCase::case4s));
    } else {
      apdus.push_back(encode(0x10, 0x2A, 0x9E, 0x9A, part, std::nullopt, ApduCase::case3s));
    }
  }
  return apdus;
}

// `block` = signature^e mod n: the raw public operation, for blocks that are not PKCS#1.
inline Bytes rsa_public(EVP_PKEY* key, ByteView signature) {
  const ossl::PkeyCtxPtr ctx(EVP_PKEY_CTX_new(key, nullptr));
  Bytes out(signature.size());
  std::size_t size = out.size();
  if (!ctx || EVP_PKEY_verify_recover_init(ctx.get()) <= 0 ||
      EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_NO_PADDING) <= 0 ||
      EVP_PKEY_verify_recover(ctx.get(), out.data(), &size, signature.data(), signature.size()) <=
          0) {
    ADD_FAILURE() << "RSA public operation failed";
    return {};
  }
  out.resize(size);
  return out;
}

inline Bytes pem_der(const std::filesystem::path& file) {
  const auto cert = read_pem_cert(file);
  EXPECT_TRUE(cert) << file;
  return cert ? der_of(cert.get()) : Bytes{};
}

}  // namespace onshi::sim::testing
