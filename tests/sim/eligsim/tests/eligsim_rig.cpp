#include "eligsim_rig.hpp"

#include <fmt/format.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "onshi/sim/tool_run.hpp"
#include "onshi/tls/certificate.hpp"
#include "onshi/tls/client_identity.hpp"

namespace onshi::sim::eligsim::testing {

std::filesystem::path pki() { return ONSHI_TEST_PKI; }
std::filesystem::path personas() { return ONSHI_TEST_JPKI_PERSONAS; }

std::string Eligsim::url(std::string_view path) const {
  return fmt::format("https://localhost:{}/oqs-sim/v1{}", api_port(), path);
}

Result<Eligsim> start_eligsim(std::vector<std::string> extra_args,
                              std::optional<std::filesystem::path> persona_dir) {
  static int instance = 0;
  const auto port_file = std::filesystem::temp_directory_path() /
                         fmt::format("onshi-eligsim-{}-{}.ports", ::getpid(), ++instance);
  const auto p = pki();
  std::vector<std::string> args{"--cert",      (p / "server/server.pem").string(),
                                "--key",       (p / "server/server.key").string(),
                                "--chain",     (p / "server/server-chain.pem").string(),
                                "--client-ca", (p / "ca-chain.pem").string(),
                                "--crl",       (p / "crl.pem").string(),
                                "--personas",  persona_dir.value_or(personas()).string(),
                                "--port-file", port_file.string()};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  ONSHI_TRY_ASSIGN(auto process, TestProcess::start(ONSHI_ELIGSIM, args, {.port_file = port_file}));
  return Eligsim{std::move(process)};
}

std::string curl_as(std::string_view client) {
  const auto p = pki();
  return fmt::format(
      "curl -s -S --max-time 10 --cert {0}/clients/{1}.pem --key {0}/clients/{1}.key "
      "--cacert {0}/root-ca.pem",
      p.string(), client);
}

std::string control(const Eligsim& sim, std::string_view method, std::string_view path,
                    std::string_view body) {
  const auto run =
      run_tool(fmt::format("curl -s -S --max-time 10 -X {} http://127.0.0.1:{}{} "
                           "--data-binary '{}'",
                           method, sim.control_port(), path, body));
  return run.status == 0 ? run.output : "<curl failed> " + run.output;
}

Result<std::shared_ptr<tls::HttpsClient>> onshi_client(const Eligsim& sim,
                                                       std::string_view client) {
  const auto p = pki();
  ONSHI_TRY_ASSIGN(auto identity,
                   tls::load_identity_pem(p / "clients" / (std::string(client) + ".pem"),
                                          p / "clients" / (std::string(client) + ".key")));
  ONSHI_TRY_ASSIGN(auto issuing, tls::Certificate::load_pem_file(p / "intermediate-ca.pem"));
  tls::ClientOptions o;
  o.base_url = fmt::format("https://localhost:{}/oqs-sim/v1", sim.api_port());
  o.pins = {issuing.at(0).spki_sha256()};
  o.test_mode = true;
  o.server_ca_file = p / "root-ca.pem";
  o.max_attempts = 1;
  o.request_timeout = std::chrono::milliseconds(5000);
  return tls::HttpsClient::create(o, std::move(identity));
}

Result<tls::Response> post(tls::HttpsClient& client, std::string_view path, std::string body,
                           const std::string& token) {
  auto request =
      tls::Request::post(std::string(path), std::move(body), "application/json;charset=UTF-8");
  if (!token.empty()) request.headers.emplace_back("Authorization", token);
  return client.request(request);
}

Result<std::string> login(tls::HttpsClient& client) {
  ONSHI_TRY_ASSIGN(auto r, post(client, "/auth", R"({"medicalInstitutionCode":"2714206386"})", ""));
  if (r.status != 200) return fail(Errc::http_status, r.body);
  return nlohmann::json::parse(r.body)["result"]["accessToken"].get<std::string>();
}

Result<std::string> sign_like_the_card(const std::filesystem::path& key_pem, ByteView message) {
  std::unique_ptr<FILE, decltype(&fclose)> f(fopen(key_pem.c_str(), "r"), &fclose);
  if (!f) return fail(Errc::io, "cannot open " + key_pem.string());
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_PrivateKey(f.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  if (!key) return fail(Errc::io, "not a key: " + key_pem.string());
  const bool ec = EVP_PKEY_base_id(key.get()) == EVP_PKEY_EC;
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestSignInit(ctx.get(), nullptr, ec ? EVP_sha384() : EVP_sha256(), nullptr, key.get());
  std::size_t length = 0;
  EVP_DigestSign(ctx.get(), nullptr, &length, message.data(), message.size());
  std::string sig(length, '\0');
  EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &length, message.data(),
                 message.size());
  sig.resize(length);
  if (!ec) return sig;
  // DER ECDSA-Sig-Value → r‖s of 48 bytes each, as the (invented) P-384 card answers.
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* s = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
  std::string raw(96, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(s), reinterpret_cast<unsigned char*>(raw.data()), 48);
  BN_bn2binpad(ECDSA_SIG_get0_s(s), reinterpret_cast<unsigned char*>(raw.data()) + 48, 48);
  ECDSA_SIG_free(s);
  return raw;
}

}  // namespace onshi::sim::eligsim::testing
