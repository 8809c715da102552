#include "onshid_rig.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "onshi/tls/certificate_store.hpp"
#include "onshi/tls/client_identity.hpp"

namespace onshi::agent::testing {
namespace fs = std::filesystem;
namespace es = sim::eligsim::testing;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string read_file(const fs::path& p) { return read_all(p); }

namespace {

std::string pin_of(const std::string& file) {
  std::istringstream in(read_all(es::pki() / "pins.txt"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(file + " ", 0) == 0) return line.substr(file.size() + 1);
  }
  return {};
}

std::string user_name() {
  const passwd* pw = getpwuid(geteuid());
  return pw ? pw->pw_name : "root";
}

std::string group_name() {
  const group* gr = getgrgid(getegid());
  return gr ? gr->gr_name : "root";
}

}  // namespace

std::optional<OnshidRig> OnshidRig::start(RigOptions o) {
  OnshidRig rig;
  std::random_device rd;
  rig.dir_ = fs::temp_directory_path() / fmt::format("onshid-test-{:08x}", rd());
  fs::create_directories(rig.dir_);
  fs::permissions(rig.dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
  rig.socket_ = rig.dir_ / "api.sock";
  const fs::path pki = es::pki();
  std::string upstream;
  if (o.upstream) {
    auto sim = es::start_eligsim({}, o.eligsim_personas);
    if (!sim) {
      std::cerr << "onshid rig: "
                << "onshi-eligsim: " << sim.error().to_string();
      return std::nullopt;
    }
    rig.eligsim_.emplace(std::move(sim).value());
    upstream = fmt::format(
        "[upstream]\nurl = \"https://localhost:{}/oqs-sim/v1\"\npins = [\"{}\", \"{}\"]\n"
        "server_ca_file = \"{}\"\nrequest_timeout_ms = {}\nconnect_timeout_ms = 2000\n"
        "handshake_timeout_ms = 2000\n",
        rig.eligsim_->api_port(), pin_of("intermediate-ca.pem"), pin_of("root-ca.pem"),
        (pki / "root-ca.pem").string(), std::max<long long>(1000, o.request_timeout.count()));
  }
  std::string tcp;
  if (o.tcp) {
    tcp = fmt::format(
        "[api.tcp]\nlisten = \"127.0.0.1:0\"\ncertificate = \"{}\"\nkey = \"{}\"\n"
        "client_ca = \"{}\"\nclient_crl = \"{}\"\n",
        (pki / "server/server-chain.pem").string(), (pki / "server/server.key").string(),
        (pki / "ca-chain.pem").string(), (pki / "crl.pem").string());
  }
  const std::string config = fmt::format(
      "terminal_name = \"受付1号機\"\nstate_dir = \"{}\"\ntest_mode = {}\n\n"
      "[[institutions]]\ncode = \"2714206386\"\nname = \"オンシ内科クリニック\"\n\n"
      "[certificates]\nca_file = \"{}\"\ncrl_file = \"{}\"\nowner = \"{}\"\n\n"
      "[api]\nsocket = \"{}\"\nsocket_group = \"{}\"\nallowed_users = [{}]\nallowed_groups = "
      "[]\n{}\n"
      "[ledger]\ndirectory = \"{}\"\n\n[log]\nlevel = \"{}\"\n{}\n{}\n",
      (rig.dir_ / "state").string(), o.test_mode ? "true" : "false",
      (pki / "ca-chain.pem").string(), (pki / "crl.pem").string(), user_name(),
      rig.socket_.string(), o.socket_group.empty() ? group_name() : o.socket_group,
      o.allowed_users.empty() ? "\"" + user_name() + "\"" : o.allowed_users, tcp,
      (rig.dir_ / "ledger").string(), o.log_level, upstream, o.extra_toml);
  std::ofstream(rig.config_file()) << config;
  fs::create_directories(rig.dir_ / "state");
  fs::create_directories(rig.dir_ / "ledger");
  if (!o.client.empty()) {
    // Straight into the store: an expired certificate must be installable for the test that
    // shows onshid refusing it (onshictl's import refuses it first).
    const std::string p12 = read_all(pki / "clients" / (o.client + ".p12"));
    const std::string password = read_all(pki / "clients/password");
    auto identity = tls::open_pkcs12(
        ByteView(reinterpret_cast<const std::uint8_t*>(p12.data()), p12.size()),
        ByteView(reinterpret_cast<const std::uint8_t*>(password.data()), password.size()));
    if (!identity) {
      std::cerr << "onshid rig: " << o.client << ".p12: " << identity.error().to_string();
      return std::nullopt;
    }
    tls::CertificateStore store(rig.dir_ / "state/certs");
    if (auto s = store.install(
            *identity, "2714206386", o.client + ".p12",
            std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()));
        !s) {
      std::cerr << "onshid rig: "
                << "install: " << s.error().to_string();
      return std::nullopt;
    }
  }
  if (!rig.launch()) return std::nullopt;
  return rig;
}

bool OnshidRig::launch() {
  auto process = sim::TestProcess::start(ONSHID_PROGRAM, {"--config", config_file().string()});
  if (!process) {
    std::cerr << "onshid rig: "
              << "onshid: " << process.error().to_string();
    return false;
  }
  onshid_.emplace(std::move(process).value());
  if (!wait_until_ready(socket_, std::chrono::seconds(10))) {
    std::cerr << "onshid rig: "
              << "onshid did not answer on " << socket_ << ":\n"
              << onshid_->output();
    return false;
  }
  return true;
}

OnshidRig::~OnshidRig() {
  if (dir_.empty()) return;
  onshid_.reset();
  eligsim_.reset();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::uint16_t OnshidRig::eligsim_api_port() const {
  return eligsim_ ? eligsim_->api_port() : std::uint16_t{0};
}

bool OnshidRig::restart() {
  onshid_.reset();
  return launch();
}

void OnshidRig::kill9() {
  ::kill(onshid_->pid(), SIGKILL);
  for (int i = 0; i < 200 && onshid_->running(); ++i) usleep(10000);
}

Reply OnshidRig::post(const std::string& target, const nlohmann::json& body, const std::string& key,
                      const Headers& extra) const {
  Headers headers = extra;
  if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
  return call(socket_, "POST", target, body.dump(), headers);
}

nlohmann::json OnshidRig::dataset() const {
  return nlohmann::json::parse(control("GET", "/dataset"), nullptr, false);
}

std::string OnshidRig::control(const std::string& method, const std::string& path,
                               const std::string& body) const {
  return es::control(*eligsim_, method, path, body);
}

const nlohmann::json& person_of(const nlohmann::json& dataset, const std::string& category) {
  const std::string id = dataset["examples"][category];
  for (const auto& p : dataset["persons"]) {
    if (p["id"] == id) return p;
  }
  static const nlohmann::json none;
  return none;
}

nlohmann::json insurance_request(const nlohmann::json& person) {
  const auto& q = person["qualifications"][0];
  const std::string b = person["birthdate"];
  nlohmann::json r{
      {"method", "insurance_card"},
      {"insurer_number", q["insurer_number"]},
      {"number", q["number"]},
      {"birthdate",
       b.size() == 8 ? b.substr(0, 4) + "-" + b.substr(4, 2) + "-" + b.substr(6, 2) : b}};
  if (!q["symbol"].get<std::string>().empty()) r["symbol"] = q["symbol"];
  if (!q["branch"].get<std::string>().empty()) r["branch"] = q["branch"];
  return r;
}

}  // namespace onshi::agent::testing
