#include "tls_commands.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "exit_codes.hpp"
#include "onshi/japan_time.hpp"
#include "onshi/tls/certificate_store.hpp"
#include "onshi/tls/no_proxy.hpp"

namespace onshi::ctl {
namespace {

using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

std::string dump(const json& j) { return j.dump(2, ' ', false, json::error_handler_t::replace); }

// Server names and certificate subjects go to a terminal: control characters become '?'.
std::string printable(std::string text) {
  for (char& c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) c = '?';
  }
  return text;
}

double ms(std::chrono::microseconds us) { return static_cast<double>(us.count()) / 1000.0; }

json error_json(const Error& e) {
  return json{{"code", std::string(errc_name(e.code))}, {"message", e.message}};
}

int report(const Error& e, bool as_json) {
  if (as_json) {
    std::puts(dump(json{{"ok", false}, {"error", error_json(e)}}).c_str());
  } else {
    fmt::print(stderr, "onshictl: {}\n", printable(e.to_string()));
  }
  return exit_code_for(e.code);
}

bool valid_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const int port = std::stoi(std::string(text));
  return port >= 1 && port <= 65535;
}

std::string role(std::size_t position, std::size_t size) {
  if (position == 0) return size == 1 ? "leaf and trust anchor" : "leaf (the server)";
  if (position + 1 == size) return "trust anchor (root)";
  return "intermediate";
}

json chain_json(const tls::Probe& probe) {
  json chain = json::array();
  for (std::size_t i = 0; i < probe.verified_chain.size(); ++i) {
    const auto& c = probe.verified_chain[i];
    chain.push_back({{"position", i},
                     {"pin", c.pin()},
                     {"subject", c.subject()},
                     {"issuer", c.issuer()},
                     {"not_after", format_japan_time(c.not_after())},
                     {"role", role(i, probe.verified_chain.size())},
                     {"pinned", std::find(probe.matched_pins.begin(), probe.matched_pins.end(),
                                          i) != probe.matched_pins.end()}});
  }
  return chain;
}

// The configuration when one is wanted or present; nullopt when there is none to read.
Result<std::optional<config::Config>> optional_config(const TlsCommandOptions& o) {
  std::error_code ec;
  if (!o.config_given && !std::filesystem::exists(o.config_path, ec)) {
    return std::optional<config::Config>{};
  }
  auto config = config::load_config_file(o.config_path);
  if (!config) return std::move(config).error();
  return std::optional<config::Config>(std::move(*config));
}

// Prints a probe's steps; the failing one (if any) last.
void print_steps(const tls::Probe& probe, const std::string& failed) {
  for (const auto& s : probe.steps) {
    fmt::print("  {:<11} {:>9.1f} ms  {}\n", s.name, ms(s.elapsed), printable(s.detail));
  }
  if (probe.error) {
    fmt::print("  {:<11}    FAILED     {}\n", failed, printable(probe.error->to_string()));
  }
}

json steps_json(const tls::Probe& probe, const std::string& failed) {
  json steps = json::array();
  for (const auto& s : probe.steps) {
    steps.push_back({{"name", s.name}, {"ok", true}, {"ms", ms(s.elapsed)}, {"detail", s.detail}});
  }
  if (probe.error) {
    steps.push_back({{"name", failed}, {"ok", false}, {"error", error_json(*probe.error)}});
  }
  return steps;
}

}  // namespace

Result<std::string> server_base_url(std::string_view server) {
  if (server.rfind("https://", 0) == 0) return std::string(server);
  const auto bad = [&](std::string_view why) {
    return fail(Errc::invalid_argument,
                fmt::format("\"{}\": {}; give HOST:PORT, [IPv6]:PORT or an https:// URL",
                            printable(std::string(server)), why));
  };
  if (server.empty()) return bad("no server");
  if (std::any_of(server.begin(), server.end(), [](char c) {
        return c == '/' || c == '@' || c == '?' || c == '#' || static_cast<unsigned char>(c) <= ' ';
      })) {
    return bad("not a host name or address");
  }
  std::string_view host = server;
  std::string_view port;
  if (server.front() == '[') {
    const auto close = server.find(']');
    if (close == std::string_view::npos) return bad("no closing ']'");
    host = server.substr(0, close + 1);
    const auto rest = server.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return bad("expected ':' after the IPv6 address");
      port = rest.substr(1);
      if (!valid_port(port)) return bad("the port must be 1-65535");
    }
    if (host.size() <= 2) return bad("no address between the brackets");
  } else {
    const auto colon = server.find(':');
    if (colon != std::string_view::npos) {
      if (server.find(':', colon + 1) != std::string_view::npos) {
        return bad("write an IPv6 address in brackets, as in [::1]:443");
      }
      host = server.substr(0, colon);
      port = server.substr(colon + 1);
      if (!valid_port(port)) return bad("the port must be 1-65535");
    }
    if (host.empty()) return bad("no host");
  }
  return port.empty() ? fmt::format("https://{}/", host)
                      : fmt::format("https://{}:{}/", host, port);
}

tls::ClientOptions upstream_client_options(const config::Config& config) {
  const auto& u = config.upstream;
  tls::ClientOptions options;
  options.base_url = u.url.value_or("");
  for (const auto& pin : u.pins) options.pins.push_back(pin.spki_sha256);
  options.test_mode = config.test_mode;
  options.server_ca_file = u.server_ca_file;
  options.proxy.url = u.proxy;
  options.proxy.no_proxy = u.no_proxy;
  options.connect_timeout = u.connect_timeout;
  options.handshake_timeout = u.handshake_timeout;
  options.request_timeout = u.request_timeout;
  options.max_clock_skew = u.max_clock_skew;
  return options;
}

std::string failing_step(const tls::Probe& probe, bool check_pins, bool with_request) {
  if (!probe.error) return {};
  if (probe.error->code == Errc::clock_skew) return "clock";
  std::vector<std::string> expected{"resolve", "connect"};
  if (probe.via_proxy) expected.emplace_back("proxy");
  expected.emplace_back("handshake");
  if (check_pins) expected.emplace_back("pins");
  if (with_request) expected.emplace_back("request");
  for (const auto& name : expected) {
    const bool done = std::any_of(probe.steps.begin(), probe.steps.end(),
                                  [&](const tls::Step& s) { return s.name == name; });
    if (!done) return name;
  }
  return expected.back();
}

int tls_pin(const TlsCommandOptions& o, const std::string& server,
            const std::optional<std::string>& ca_file) {
  auto url = server_base_url(server);
  if (!url) {
    report(url.error(), o.json);
    return kExitUsage;
  }
  auto config = optional_config(o);
  if (!config) return report(config.error(), o.json);

  tls::ClientOptions options;
  if (*config) {
    options = upstream_client_options(**config);
  } else {
    options.proxy.no_proxy = tls::default_no_proxy();
  }
  options.base_url = *url;
  options.pins = {tls::Sha256{}};  // a placeholder: `tls pin` does not check pins
  options.test_mode = true;
  if (ca_file) options.server_ca_file = *ca_file;

  // A server that wants a client certificate gets the terminal's (when there is one), so that
  // the handshake gets as far as the chain with TLS 1.2 too.
  std::optional<tls::ClientIdentity> identity;
  if (*config && !(*config)->institutions.empty()) {
    const std::string code = o.institution.value_or((*config)->institutions.front().code);
    auto loaded = tls::CertificateStore((*config)->certificate_store()).load_current_identity(code);
    if (loaded) identity = std::move(*loaded);
  }
  auto client = tls::HttpsClient::create(options, identity);
  if (!client) return report(client.error(), o.json);
  const tls::Probe probe = (*client)->probe(std::nullopt, /*check_pins=*/false);
  const std::string failed = failing_step(probe, false, false);
  const std::string note =
      "curl's --pinnedpubkey matches the leaf (position 0) only; onshi's [upstream] pins may name "
      "the key of any certificate of the verified chain. Pin the CA or intermediate key (it "
      "changes less often than the server's) plus a backup pin.";

  if (o.json) {
    json out{{"server", *url},
             {"ok", !probe.error.has_value()},
             {"via_proxy", probe.via_proxy},
             {"tls_version", probe.tls_version},
             {"cipher", probe.cipher},
             {"verified_chain", chain_json(probe)},
             {"steps", steps_json(probe, failed)},
             {"note", note},
             {"error", probe.error ? error_json(*probe.error) : json(nullptr)}};
    std::puts(dump(out).c_str());
    return probe.error ? exit_code_for(probe.error->code) : kExitOk;
  }
  if (probe.error) {
    fmt::print("Connecting to {}{}:\n", printable(*url), probe.via_proxy ? " (via the proxy)" : "");
    print_steps(probe, failed);
    fmt::print("FAILED at {}: {}\n", failed, printable(probe.error->to_string()));
    return exit_code_for(probe.error->code);
  }
  fmt::print("Verified chain of {} ({}, {}){}:\n", printable(*url), probe.tls_version, probe.cipher,
             probe.via_proxy ? ", via the proxy" : "");
  const auto& chain = probe.verified_chain;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    fmt::print("  {} {}  {}  [{}]\n", i, chain[i].pin(), printable(chain[i].subject()),
               role(i, chain.size()));
  }
  fmt::print("\nNote: {}\n", note);
  if (chain.size() >= 2) {
    std::string pins;
    for (std::size_t i = 1; i < chain.size(); ++i) {
      pins += fmt::format("{}\"{}\"", pins.empty() ? "" : ", ", chain[i].pin());
    }
    fmt::print(
        "For onshi.toml [upstream], for example (add a backup key's pin too):\n  pins = [{}]\n",
        pins);
  }
  return kExitOk;
}

int tls_check(const TlsCommandOptions& o) {
  auto config = config::load_config_file(o.config_path);
  if (!config) return report(config.error(), o.json);
  if (!config->upstream.configured()) {
    return report(Error{Errc::config_invalid,
                        fmt::format("{}: [upstream] url is not set: there is no upstream to check",
                                    o.config_path)},
                  o.json);
  }
  if (o.institution && config->institution(*o.institution) == nullptr) {
    std::string configured;
    for (const auto& i : config->institutions) configured += " " + i.code;
    report(Error{Errc::invalid_argument,
                 fmt::format("--institution {}: not a configured institution (configured:{})",
                             *o.institution, configured)},
           o.json);
    return kExitUsage;
  }
  const std::string code = o.institution.value_or(config->institutions.front().code);

  // The client certificate: a missing one is a failed step, but the path is checked anyway.
  const auto load_start = Clock::now();
  auto identity = tls::CertificateStore(config->certificate_store()).load_current_identity(code);
  const auto load_elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - load_start);
  json certificate_step{
      {"name", "certificate"}, {"ok", static_cast<bool>(identity)}, {"ms", ms(load_elapsed)}};
  std::string certificate_detail;
  if (identity) {
    certificate_detail = fmt::format("{}: {}, valid to {}", code, identity->leaf.subject(),
                                     format_japan_time(identity->leaf.not_after()));
    certificate_step["detail"] = certificate_detail;
  } else {
    certificate_step["error"] = error_json(identity.error());
  }

  auto client = tls::HttpsClient::create(
      upstream_client_options(*config),
      identity ? std::optional<tls::ClientIdentity>(*identity) : std::nullopt);
  if (!client) return report(client.error(), o.json);
  const tls::Request request{"GET", o.path, {}, {}, {}};
  const tls::Probe probe = (*client)->probe(request, /*check_pins=*/true);
  const std::string failed = failing_step(probe, true, true);
  const bool ok = identity && !probe.error;
  const int exit_code = probe.error ? exit_code_for(probe.error->code)
                        : identity  ? kExitOk
                                    : exit_code_for(identity.error().code);
  std::optional<std::chrono::seconds> skew;
  if (probe.response && probe.response->clock_skew) skew = probe.response->clock_skew;

  if (o.json) {
    json steps = json::array({certificate_step});
    for (auto& s : steps_json(probe, failed)) steps.push_back(std::move(s));
    json out{{"upstream", *config->upstream.url},
             {"institution", code},
             {"test_mode", config->test_mode},
             {"via_proxy", probe.via_proxy},
             {"ok", ok},
             {"steps", std::move(steps)},
             {"tls_version", probe.tls_version},
             {"cipher", probe.cipher},
             {"verified_chain", chain_json(probe)},
             {"http_status", probe.response ? json(probe.response->status) : json(nullptr)},
             {"clock_skew_s", skew ? json(skew->count()) : json(nullptr)},
             {"error", probe.error ? error_json(*probe.error)
                       : !identity ? error_json(identity.error())
                                   : json(nullptr)}};
    if (probe.error) out["error"]["step"] = failed;
    std::puts(dump(out).c_str());
    return exit_code;
  }
  fmt::print("Checking {}{}{}:\n", printable(*config->upstream.url),
             probe.via_proxy ? " via the proxy " + printable(config->upstream.proxy.value_or(""))
                             : std::string(),
             config->test_mode ? " (TEST MODE)" : "");
  if (identity) {
    fmt::print("  {:<11} {:>9.1f} ms  {}\n", "certificate", ms(load_elapsed),
               printable(certificate_detail));
  } else {
    fmt::print("  {:<11}    FAILED     {} (continuing without a client certificate)\n",
               "certificate", printable(identity.error().to_string()));
  }
  print_steps(probe, failed);
  if (skew) {
    fmt::print("  clock skew: the server's clock is {} s {} this terminal's (limit {} s)\n",
               std::chrono::abs(*skew).count(), skew->count() >= 0 ? "ahead of" : "behind",
               config->upstream.max_clock_skew.count());
  }
  if (ok) {
    fmt::print(
        "OK: {} via {}, pinned key at chain position {}\n", probe.tls_version,
        probe.via_proxy ? "the proxy" : "a direct connection",
        probe.matched_pins.empty() ? std::string("?") : std::to_string(probe.matched_pins.front()));
  } else if (probe.error) {
    fmt::print("FAILED at {}: {}\n", failed, printable(probe.error->to_string()));
  } else {
    fmt::print("FAILED at certificate: {}\n", printable(identity.error().to_string()));
  }
  return exit_code;
}

}  // namespace onshi::ctl
