#include "onshi/tls/client_identity.hpp"

#include <openssl/pem.h>
#include <openssl/provider.h>
#include <openssl/x509v3.h>

#include <fmt/format.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "ossl.hpp"

namespace onshi::tls {
namespace {

// PKCS#12 passwords are C strings: a NUL-terminated copy that wipes itself.
class CPassword {
 public:
  explicit CPassword(ByteView password) {
    Bytes copy(password.begin(), password.end());
    copy.push_back(0);
    secret_ = SecretBytes(copy);
    secure_wipe(copy.data(), copy.size());
  }
  const char* c_str() const { return reinterpret_cast<const char*>(secret_.view().data()); }
  int size() const { return static_cast<int>(secret_.size() - 1); }

 private:
  SecretBytes secret_;
};

// OpenSSL 3 moved RC2 and the PKCS#12 legacy PBEs to the "legacy" provider. It is loaded into the
// default library context only while a legacy bundle is opened, then unloaded again, so nothing
// else in the process can negotiate a legacy algorithm.
class ScopedLegacyProvider {
 public:
  ScopedLegacyProvider() {
    mutex().lock();
    // Loading any provider explicitly stops OpenSSL from loading "default" on its own.
    default_ = OSSL_PROVIDER_load(nullptr, "default");
    legacy_ = OSSL_PROVIDER_load(nullptr, "legacy");
  }
  ~ScopedLegacyProvider() {
    if (legacy_) OSSL_PROVIDER_unload(legacy_);
    if (default_) OSSL_PROVIDER_unload(default_);
    mutex().unlock();
  }
  ScopedLegacyProvider(const ScopedLegacyProvider&) = delete;
  ScopedLegacyProvider& operator=(const ScopedLegacyProvider&) = delete;
  bool loaded() const { return legacy_ != nullptr; }

 private:
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  OSSL_PROVIDER* default_ = nullptr;
  OSSL_PROVIDER* legacy_ = nullptr;
};

struct Parsed {
  ossl::Pkey key;
  ossl::X509Ptr leaf;
  ossl::X509Stack extra;
};

bool parse(PKCS12* p12, const CPassword& password, Parsed& out) {
  EVP_PKEY* key = nullptr;
  X509* leaf = nullptr;
  STACK_OF(X509)* extra = nullptr;
  const bool ok = PKCS12_parse(p12, password.c_str(), &key, &leaf, &extra) == 1;
  out.key.reset(key);
  out.leaf.reset(leaf);
  out.extra.reset(extra);
  return ok;
}

// PKCS12_parse pairs the key with a certificate by localKeyID; a bundle put together by hand may
// lack the ID, or pair the wrong key. Then the leaf is the certificate that fits the key or, if
// none does, the one end-entity certificate, so the key check can name the real problem.
void adopt_leaf(Parsed& parsed) {
  STACK_OF(X509)* extra = parsed.extra.get();
  int chosen = -1;
  for (int i = 0; extra && parsed.key && i < sk_X509_num(extra); ++i) {
    if (X509_check_private_key(sk_X509_value(extra, i), parsed.key.get()) == 1) chosen = i;
  }
  ERR_clear_error();
  for (int i = 0; extra && chosen < 0 && i < sk_X509_num(extra); ++i) {
    if (X509_check_ca(sk_X509_value(extra, i)) == 0) chosen = i;
  }
  if (chosen >= 0) parsed.leaf.reset(sk_X509_delete(extra, chosen));
}

bool mac_verifies(PKCS12* p12, const CPassword& password) {
  if (PKCS12_verify_mac(p12, password.c_str(), password.size()) == 1) return true;
  // An empty password may have been encoded as "no password" by the exporting tool.
  return password.size() == 0 && PKCS12_verify_mac(p12, nullptr, 0) == 1;
}

std::string read_file(const std::filesystem::path& path, bool& ok) {
  std::ifstream in(path, std::ios::binary);
  ok = static_cast<bool>(in);
  std::ostringstream text;
  if (ok) text << in.rdbuf();
  return text.str();
}

}  // namespace

Result<ClientIdentity> open_pkcs12(ByteView der, ByteView password) {
  const unsigned char* p = der.data();
  ossl::Pkcs12 p12(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
  if (!p12) {
    ossl::take_error_text();
    return fail(Errc::cert_malformed,
                "the file is not a PKCS#12 bundle (.p12/.pfx): export the certificate with its "
                "private key");
  }
  const CPassword pass(password);
  if (PKCS12_mac_present(p12.get()) == 1 && !mac_verifies(p12.get(), pass)) {
    ossl::take_error_text();
    return fail(Errc::cert_wrong_password,
                "the password does not open this PKCS#12 bundle (its integrity check fails): use "
                "the password given with the download (発行通知書) or set at export");
  }
  Parsed parsed;
  bool legacy = false;
  if (!parse(p12.get(), pass, parsed)) {
    const std::string first_reason = ossl::take_error_text();
    const ScopedLegacyProvider provider;
    if (!provider.loaded()) {
      ossl::take_error_text();
      return fail(Errc::cert_legacy_encryption,
                  fmt::format("the bundle cannot be decrypted ({}); it probably uses legacy "
                              "encryption (RC2/3DES, as Windows exports do) and OpenSSL's legacy "
                              "provider is not installed: re-export it with AES, or install the "
                              "provider (ossl-modules/legacy.so)",
                              first_reason));
    }
    if (!parse(p12.get(), pass, parsed)) {
      const std::string reason = ossl::take_error_text();
      return fail(
          PKCS12_mac_present(p12.get()) == 1 ? Errc::cert_malformed : Errc::cert_wrong_password,
          fmt::format("the bundle cannot be decrypted: {}",
                      reason.empty() ? first_reason : reason));
    }
    legacy = true;
  }
  if (!parsed.leaf) adopt_leaf(parsed);
  if (!parsed.leaf) {
    return fail(Errc::cert_malformed, "the PKCS#12 bundle contains no end-entity certificate");
  }
  if (!parsed.key) return fail(Errc::cert_malformed, "the PKCS#12 bundle contains no private key");
  ClientIdentity id{Certificate(parsed.leaf.release()), {}, {}, legacy};
  id.key = std::shared_ptr<EVP_PKEY>(parsed.key.release(), EVP_PKEY_free);
  for (int i = 0; parsed.extra && i < sk_X509_num(parsed.extra.get()); ++i) {
    X509* x = sk_X509_value(parsed.extra.get(), i);
    X509_up_ref(x);
    id.chain.emplace_back(x);
  }
  return id;
}

Result<ClientIdentity> load_identity_pem(const std::filesystem::path& chain_pem,
                                         const std::filesystem::path& key_pem) {
  auto certs = Certificate::load_pem_file(chain_pem);
  if (!certs) return std::move(certs).error();
  bool ok = false;
  std::string key_text = read_file(key_pem, ok);
  if (!ok) return fail(Errc::cert_not_found, fmt::format("{}: cannot be opened", key_pem.string()));
  ossl::Bio bio(BIO_new_mem_buf(key_text.data(), static_cast<int>(key_text.size())));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
  secure_wipe(key_text.data(), key_text.size());
  if (!key) {
    return fail(Errc::cert_malformed, fmt::format("{}: not a PEM private key: {}", key_pem.string(),
                                                  ossl::take_error_text()));
  }
  ClientIdentity id{(*certs)[0], {}, std::shared_ptr<EVP_PKEY>(key, EVP_PKEY_free), false};
  id.chain.assign(certs->begin() + 1, certs->end());
  return id;
}

Result<SecretBytes> private_key_pem(const ClientIdentity& identity) {
  ossl::Bio bio(BIO_new(BIO_s_secmem()));
  if (!bio) bio.reset(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), identity.key.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return fail(Errc::internal, "cannot encode the private key: " + ossl::take_error_text());
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  SecretBytes out(
      ByteView(reinterpret_cast<const std::uint8_t*>(data), static_cast<std::size_t>(size)));
  OPENSSL_cleanse(data, static_cast<std::size_t>(size));
  return out;
}

Status check_key_matches(const ClientIdentity& identity) {
  if (!identity.key || X509_check_private_key(identity.leaf.get(), identity.key.get()) != 1) {
    ossl::take_error_text();
    return fail(Errc::cert_key_mismatch,
                fmt::format("the private key in the bundle does not belong to the certificate "
                            "\"{}\": the file was put together wrongly; download it again",
                            identity.leaf.subject()));
  }
  return {};
}

}  // namespace onshi::tls
