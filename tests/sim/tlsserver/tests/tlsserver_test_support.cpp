#include "tlsserver_test_support.hpp"

#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace onshi::sim::tlsserver_test {
namespace {

constexpr const char* kNewEcKey = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

// The PKI directory, removed when the test process exits.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (fs::temp_directory_path() / "onshi-tlsserver-test-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const fs::path& scratch_dir() {
  static const ScratchDir dir;
  return dir.path();
}

void openssl(const std::string& args) {
  const auto run = run_tool("openssl " + args);
  if (run.status != 0) {
    throw std::runtime_error(fmt::format("openssl {} failed:\n{}", args, run.output));
  }
}

void write_file(const fs::path& path, std::string_view text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// A leaf issued by the throwaway CA, with the client-authentication purpose.
void issue_client(const ThrowawayPki& p, const fs::path& cert, const fs::path& key,
                  std::string_view subject) {
  const auto csr = p.dir / (cert.stem().string() + ".csr");
  openssl(fmt::format("req -new {} -keyout {} -out {} -subj {}", kNewEcKey, quote(key.string()),
                      quote(csr.string()), quote(subject)));
  openssl(fmt::format(
      "x509 -req -in {} -CA {} -CAkey {} -CAcreateserial -days 2 -sha256 -extfile {} -out {}",
      quote(csr.string()), quote(p.ca_cert.string()), quote(p.ca_key.string()),
      quote((p.dir / "client.ext").string()), quote(cert.string())));
}

// openssl ca needs a database to revoke and to sign a CRL.
void make_crl(const ThrowawayPki& p) {
  const auto cfg = p.dir / "ca.cnf";
  write_file(p.dir / "index.txt", "");
  write_file(p.dir / "crlnumber", "01\n");
  write_file(cfg, fmt::format("[ca]\ndefault_ca = throwaway\n[throwaway]\n"
                              "database = {}\ncrlnumber = {}\ndefault_md = sha256\n"
                              "default_crl_days = 2\n",
                              (p.dir / "index.txt").string(), (p.dir / "crlnumber").string()));
  const auto ca = fmt::format("-config {} -keyfile {} -cert {}", quote(cfg.string()),
                              quote(p.ca_key.string()), quote(p.ca_cert.string()));
  openssl(fmt::format("ca {} -revoke {}", ca, quote(p.revoked_cert.string())));
  openssl(fmt::format("ca {} -gencrl -out {}", ca, quote(p.crl.string())));
}

std::string sha256_fingerprint(const fs::path& cert) {
  const auto run = run_tool(
      fmt::format("openssl x509 -in {} -noout -fingerprint -sha256", quote(cert.string())));
  // "sha256 Fingerprint=AB:CD:..."
  const auto eq = run.output.find('=');
  if (run.status != 0 || eq == std::string::npos) throw std::runtime_error(run.output);
  std::string hex;
  for (const char c : run.output.substr(eq + 1)) {
    if (std::isxdigit(static_cast<unsigned char>(c))) {
      hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return hex;
}

ThrowawayPki make_pki() {
  ThrowawayPki p;
  p.dir = scratch_dir();
  auto at = [&](const char* name) { return p.dir / name; };
  p.server_cert = at("server.pem");
  p.server_key = at("server.key");
  p.ca_cert = at("ca.pem");
  p.ca_key = at("ca.key");
  p.client_cert = at("client.pem");
  p.client_key = at("client.key");
  p.revoked_cert = at("revoked.pem");
  p.revoked_key = at("revoked.key");
  p.crl = at("crl.pem");
  p.unrelated_cert = at("unrelated.pem");

  openssl(
      fmt::format("req -x509 {} -keyout {} -out {} -days 2 -subj /CN=localhost "
                  "-addext subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
                  kNewEcKey, quote(p.server_key.string()), quote(p.server_cert.string())));
  openssl(fmt::format("req -x509 {} -keyout {} -out {} -days 2 -subj {}", kNewEcKey,
                      quote(p.ca_key.string()), quote(p.ca_cert.string()),
                      quote("/CN=onshi throwaway CA")));
  openssl(fmt::format("req -x509 {} -keyout {} -out {} -days 2 -subj /CN=unrelated", kNewEcKey,
                      quote(at("unrelated.key").string()), quote(p.unrelated_cert.string())));
  write_file(at("client.ext"),
             "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n");
  issue_client(p, p.client_cert, p.client_key, "/O=onshi/CN=onshi test client");
  issue_client(p, p.revoked_cert, p.revoked_key, "/O=onshi/CN=onshi revoked client");
  make_crl(p);
  p.client_fingerprint = sha256_fingerprint(p.client_cert);
  return p;
}

Result<TestProcess> start_with_port_file(const fs::path& program, std::vector<std::string> args) {
  const auto port_file = scratch_path("port");
  args.insert(args.end(), {"--port-file", port_file.string()});
  TestProcessOptions options;
  options.port_file = port_file;
  return TestProcess::start(program, std::move(args), options);
}

}  // namespace

const ThrowawayPki& pki() {
  static const ThrowawayPki p = make_pki();
  return p;
}

fs::path scratch_path(std::string_view stem) {
  static std::atomic<int> counter{0};
  return scratch_dir() / fmt::format("{}-{}", stem, ++counter);
}

std::string quote(std::string_view text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

Result<TestProcess> start_tls_server(const std::vector<std::string>& args) {
  std::vector<std::string> all{"--cert", pki().server_cert.string(), "--key",
                               pki().server_key.string()};
  all.insert(all.end(), args.begin(), args.end());
  return start_with_port_file(tls_testserver_path(), std::move(all));
}

Result<TestProcess> start_proxy(const std::vector<std::string>& args) {
  return start_with_port_file(connect_proxy_path(), args);
}

std::string url(std::uint16_t port, std::string_view path) {
  return quote(fmt::format("https://127.0.0.1:{}{}", port, path));
}

ToolRun curl(const std::string& args) {
  return run_tool(fmt::format("curl -sS --max-time 10 --cacert {} {}",
                              quote(pki().server_cert.string()), args));
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> documents;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto document = nlohmann::json::parse(line, nullptr, false);
    if (!document.is_discarded() && document.is_object()) documents.push_back(std::move(document));
  }
  return documents;
}

std::string header_value(const std::string& headers, std::string_view name) {
  std::string value;
  std::istringstream lines(headers);
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    if (colon != name.size()) continue;
    const bool same = std::equal(name.begin(), name.end(), line.begin(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) ==
             std::tolower(static_cast<unsigned char>(b));
    });
    if (!same) continue;
    value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
  }
  return value;
}

bool ipv6_loopback_available() {
  const int fd = ::socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in6 address{};
  address.sin6_family = AF_INET6;
  address.sin6_addr = in6addr_loopback;
  const bool ok = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

}  // namespace onshi::sim::tlsserver_test
