#include "onshi/tls/no_proxy.hpp"

namespace onshi::tls {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view strip_brackets(std::string_view s) {
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') return s.substr(1, s.size() - 2);
  return s;
}

std::string_view strip_trailing_dot(std::string_view s) {
  if (!s.empty() && s.back() == '.') s.remove_suffix(1);
  return s;
}

bool ends_with_label(std::string_view host, std::string_view domain) {
  if (host == domain) return true;
  return host.size() > domain.size() && host.ends_with(domain) &&
         host[host.size() - domain.size() - 1] == '.';
}

}  // namespace

std::vector<std::string> default_no_proxy() {
  // eligibility-system.md §3.2, "Proxy" row: the bypass list without its proxy-only entries.
  return {"*.onshikaku.org",
          "*.flets-east.jp",
          "*.flets-west.jp",
          "*.lineauth.mnw",
          "*.obn.managedpki.ne.jp",
          "*.cybertrust.ne.jp",
          "*.secomtrust.net",
          "*.rece",
          "pweb.base.oqs-pdl.org",
          "192.168.220.1",
          "localhost",
          "127.0.0.1",
          "::1"};
}

bool bypasses_proxy(std::string_view host_in, const std::vector<std::string>& patterns) {
  const std::string host = lower(strip_trailing_dot(strip_brackets(host_in)));
  if (host.empty()) return false;
  for (const auto& pattern_in : patterns) {
    const std::string pattern = lower(strip_trailing_dot(strip_brackets(pattern_in)));
    if (pattern.empty()) continue;
    if (pattern == "*") return true;
    if (pattern == "<local>") {
      if (host.find('.') == std::string::npos && host.find(':') == std::string::npos) return true;
      continue;
    }
    if (pattern.starts_with("*.")) {
      if (ends_with_label(host, std::string_view(pattern).substr(2))) return true;
      continue;
    }
    if (pattern.starts_with(".")) {
      if (ends_with_label(host, std::string_view(pattern).substr(1))) return true;
      continue;
    }
    if (host == pattern) return true;
  }
  return false;
}

}  // namespace onshi::tls
