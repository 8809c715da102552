// Shared by the persona validation tests: a generated persona's JSON, edited, and the loader's
// error for it.
#pragma once

#include <gtest/gtest.h>
#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "jpki_test_support.hpp"

namespace onshi::sim::testing {

inline nlohmann::json persona_json_of(std::string_view persona) {
  std::ifstream in(GeneratedPki::get().persona(persona).persona_file);
  return nlohmann::json::parse(in);
}

// "parsed" if the loader takes it, else its message (which must be config_invalid).
inline std::string error_of(const nlohmann::json& persona) {
  auto parsed = parse_persona(persona.dump(), GeneratedPki::get().dir());
  if (parsed) return "parsed";
  EXPECT_EQ(parsed.error().code, Errc::config_invalid);
  return parsed.error().message;
}

enum class TestKey { rsa1024, ec_p256, ed25519 };

// Writes a key of that kind into this process's scratch directory; returns its absolute path
// (which a persona's relative "file" resolution leaves as it is).
inline std::string write_test_key(TestKey kind) {
  EVP_PKEY* key = nullptr;
  std::string name;
  switch (kind) {
    case TestKey::rsa1024:
      key = EVP_RSA_gen(1024);
      name = "test-rsa1024-key.pem";
      break;
    case TestKey::ec_p256:
      key = EVP_EC_gen("prime256v1");
      name = "test-p256-key.pem";
      break;
    case TestKey::ed25519:
      key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
      name = "test-ed25519-key.pem";
      break;
  }
  const ossl::PkeyPtr owned(key);
  const auto file = GeneratedPki::get().scratch() / name;
  ossl::BioPtr bio(BIO_new_file(file.c_str(), "wb"));
  EXPECT_TRUE(
      owned && bio &&
      PEM_write_bio_PrivateKey(bio.get(), owned.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1);
  return file.string();
}

}  // namespace onshi::sim::testing
