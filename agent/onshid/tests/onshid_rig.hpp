// onshid as a process for its integration tests and benchmark: a configuration in a temporary
// directory (its socket, state directory and ledger there), the test PKI's client certificate in
// the store, onshi-eligsim as the eligibility system.
#pragma once

#include <nlohmann/json.hpp>

#include <filesystem>
#include <optional>
#include <string>

#include "eligsim_rig.hpp"
#include "onshi/sim/test_process.hpp"
#include "uds_http.hpp"

namespace onshi::agent::testing {

struct RigOptions {
  std::string client = "good-rsa";  // the test PKI's client whose certificate is installed
  bool upstream = true;
  bool tcp = false;  // [api.tcp] on 127.0.0.1:0 with the test PKI's server cert
  bool test_mode = true;
  std::string socket_group;   // default: the test user's primary group
  std::string allowed_users;  // TOML array body; default: the test user
  std::string extra_toml;
  std::chrono::milliseconds request_timeout{3000};
  // The personas eligsim knows (a directory onshi-jpki-personas wrote); default the shared set.
  std::optional<std::filesystem::path> eligsim_personas;
  std::string log_level = "info";
};

class OnshidRig {
 public:
  // Starts eligsim (when `upstream`) and onshid; nullopt (the reason on stderr) when something
  // cannot start.
  static std::optional<OnshidRig> start(RigOptions options = {});
  OnshidRig(OnshidRig&&) = default;
  OnshidRig& operator=(OnshidRig&&) = default;
  ~OnshidRig();

  const std::filesystem::path& socket() const { return socket_; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path config_file() const { return dir_ / "onshi.toml"; }
  sim::eligsim::testing::Eligsim* eligsim() { return eligsim_ ? &*eligsim_ : nullptr; }
  sim::TestProcess& onshid() { return *onshid_; }
  std::uint16_t eligsim_api_port() const;

  Reply get(const std::string& target) const { return call(socket_, "GET", target); }
  Reply post(const std::string& target, const nlohmann::json& body, const std::string& key,
             const Headers& extra = {}) const;
  nlohmann::json dataset() const;
  std::string control(const std::string& method, const std::string& path,
                      const std::string& body = {}) const;

  // Restarts onshid on the same state directory (after kill -9, or to reread the config).
  bool restart();
  void kill9();

 private:
  OnshidRig() = default;
  bool launch();
  std::filesystem::path dir_;
  std::filesystem::path socket_;
  std::optional<sim::eligsim::testing::Eligsim> eligsim_;
  std::optional<sim::TestProcess> onshid_;
  bool owner_ = true;
};

std::string read_file(const std::filesystem::path& path);

// The body of POST /v1/verifications for a person of eligsim's data set.
nlohmann::json insurance_request(const nlohmann::json& person);
const nlohmann::json& person_of(const nlohmann::json& dataset, const std::string& category);

}  // namespace onshi::agent::testing
