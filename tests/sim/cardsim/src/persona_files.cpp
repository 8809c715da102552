#include "persona_files.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <fstream>

#include "onshi/sim/jpki.hpp"
#include "persona_json.hpp"

namespace onshi::sim::persona_files {
namespace {

using namespace persona_json;

constexpr std::size_t kMaxReferencedFile = 64 * 1024;  // a certificate or a PEM key

}  // namespace

Result<Bytes> read_small_file(const std::filesystem::path& file, const std::string& where) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return invalid(where, fmt::format("cannot open {}", file.string()));
  Bytes content;
  content.reserve(4096);
  char c = 0;
  while (content.size() <= kMaxReferencedFile && in.get(c)) {
    content.push_back(static_cast<std::uint8_t>(c));
  }
  if (content.size() > kMaxReferencedFile) {
    return invalid(where,
                   fmt::format("{} is larger than {} bytes", file.string(), kMaxReferencedFile));
  }
  return content;
}

Result<Bytes> certificate(const json& section, const char* key, const std::string& path,
                          const std::filesystem::path& base_dir) {
  const std::string where = join(path, key);
  if (!section.contains(key)) return invalid(where, "missing");
  const json& v = section.at(key);
  if (!v.is_object()) {
    return invalid(
        where, fmt::format("expected {{\"file\": ...}} or {{\"hex\": ...}}, got {}", type_name(v)));
  }
  ONSHI_TRY(check_keys(v, where, {"file", "hex"}));
  if (v.contains("file") == v.contains("hex")) {
    return invalid(where, "needs exactly one of \"file\" and \"hex\"");
  }
  Bytes raw;
  std::string source = where;
  if (v.contains("hex")) {
    ONSHI_TRY_ASSIGN(raw, get_hex(v, "hex", where, 1, jpki::kCertificateEfSize));
    source += ".hex";
  } else {
    ONSHI_TRY_ASSIGN(const std::string name, get_string(v, "file", where));
    source += ".file";
    ONSHI_TRY_ASSIGN(raw, read_small_file(base_dir / name, source));
  }
  auto der = ossl::certificate_to_der(raw);
  if (!der) return invalid(source, der.error().message);
  if (der->size() > jpki::kCertificateEfSize) {
    return invalid(source, fmt::format("the certificate ({} bytes) does not fit the {}-byte EF",
                                       der->size(), jpki::kCertificateEfSize));
  }
  return std::move(*der);
}

Result<ossl::PkeyPtr> private_key(const json& section, const char* key, const std::string& path,
                                  const std::filesystem::path& base_dir) {
  const std::string where = join(path, key);
  if (!section.contains(key)) return invalid(where, "missing");
  const json& v = section.at(key);
  if (!v.is_object()) {
    return invalid(where, fmt::format("expected {{\"file\": ...}}, got {}", type_name(v)));
  }
  ONSHI_TRY(check_keys(v, where, {"file"}));
  if (!v.contains("file")) return invalid(where + ".file", "missing");
  ONSHI_TRY_ASSIGN(const std::string name, get_string(v, "file", where));
  ONSHI_TRY_ASSIGN(Bytes pem, read_small_file(base_dir / name, where + ".file"));
  auto parsed = ossl::parse_pem_private_key(pem);
  secure_wipe(pem.data(), pem.size());
  if (!parsed) return invalid(where + ".file", parsed.error().message);
  return std::move(*parsed);
}

std::string describe_key(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA) {
    return fmt::format("RSA-{}", EVP_PKEY_get_bits(key));
  }
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    char curve[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof curve,
                                       &length) == 1) {
      return fmt::format("EC {}", std::string_view(curve, length));
    }
    return "EC (unnamed curve)";
  }
  const char* name = EVP_PKEY_get0_type_name(key);
  return name != nullptr ? name : "an unknown key type";
}

}  // namespace onshi::sim::persona_files
